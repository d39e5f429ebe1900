"""3-D near-to-far transformation: a point current element against the Hertzian dipole's closed forms."""

import math

import numpy as np
import pytest
import torch

from physics.maxwell import C0, ETA0, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import YeeGrid, coefficients, run
from solvers.fdtd.dipole_power import source_current
from solvers.fdtd.near_to_far_3d import NearToFarBox3D, sphere_quadrature, spherical_components

DX = 1e-3


def test_sphere_quadrature_integrates_low_degree_patterns_exactly():
    dirs, w, theta, _ = sphere_quadrature(8, 16)
    assert abs(float(w.sum()) - 4 * math.pi) < 1e-12
    assert abs(float((w * torch.sin(theta) ** 2).sum()) - 8 * math.pi / 3) < 1e-12  # ∯ sin²θ dΩ
    torch.testing.assert_close(dirs.norm(dim=1), torch.ones(len(w), dtype=torch.float64))


@pytest.mark.parametrize("component, axis", [("ez", 2), ("ex", 0)])
def test_point_dipole_far_field_matches_the_hertzian_dipole(float64, component, axis):
    """E = a e^{ikr}/r with |a|² ∝ 1 − (r̂·p̂)², polarised along θ̂ for a z dipole, and radiated power
    P = η₀k²|I l|²/12π with I l = J Δx³ (J: the DFT of the source's current density). 20 cells per wavelength."""
    n, f0 = 50, C0 / (20 * DX)
    g = YeeGrid((n, n, n), DX, pml_cells=10)
    co = coefficients(g, Materials(), dtype=torch.float64)
    steps = int(6 * n * DX / C0 / g.time_step)
    source = PointSource((25, 25, 25), ModulatedGaussian(f0, 0.5 * f0), component)
    box = NearToFarBox3D((13, 13, 13), (37, 37, 37))
    record = run(co, steps, [source], [box.monitor([f0])]).dft[box.name]
    dirs, w, theta, phi = sphere_quadrature(24, 48)
    a = box.far_field(record, g, [f0], dirs)[0]  # [A, 3]
    total = (a.abs() ** 2).sum(-1).numpy()
    expected = 1 - dirs[:, axis].numpy() ** 2
    scale = (total * expected).sum() / (expected**2).sum()
    assert np.abs(total / scale - expected).max() < 0.01  # measured 3.5e-3 (z), 3.3e-3 (x)
    if component == "ez":
        a_theta, a_phi = spherical_components(a, theta, phi)
        assert float(a_phi.abs().max() / a_theta.abs().max()) < 0.01  # measured 1.8e-3
    power = float(box.radiated_power(a[None], w)[0])
    k = 2 * math.pi * f0 / C0
    moment = abs(complex(source_current(source, g, [f0], steps)[0])) * DX**3
    assert abs(power / (ETA0 * k**2 * moment**2 / (12 * math.pi)) - 1) < 0.01  # measured 2.0e-3
    assert abs(power / float(box.surface_flux(record, g)[0]) - 1) < 0.015  # far field vs Poynting flux: 6.3e-3


def test_near_to_far_3d_refuses_bad_input():
    g3 = YeeGrid((40, 40, 40), DX, pml_cells=10)
    with pytest.raises(ValueError, match="CPML"):
        NearToFarBox3D((5, 15, 15), (25, 25, 25)).check(g3)
    with pytest.raises(ValueError, match="NearToFarBox"):
        NearToFarBox3D((15, 15, 0), (25, 25, 0)).check(YeeGrid((40, 40, 1), DX, ("pml", "pml", "periodic")))
    box = NearToFarBox3D((15, 15, 15), (25, 25, 25))
    with pytest.raises(ValueError, match="lacks"):
        box.far_field({"ez": torch.zeros(1, 13, 13, 13, dtype=torch.complex128)}, g3, [1e9], torch.eye(3))
