"""Radiation from 2-D sources: near-to-far patterns and power against closed forms, dipole power, Purcell factors."""

import math

import numpy as np
import pytest
import scipy.special
import torch

from physics.maxwell import C0, MU0, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import YeeGrid, coefficients, run
from solvers.fdtd.dipole_power import dipole_power, source_current, source_monitor
from solvers.fdtd.near_to_far import NearToFarBox

DX = 1e-3


def _vacuum(n):
    g = YeeGrid((n, n, 1), DX, ("pml", "pml", "periodic"), pml_cells=20)
    return g, coefficients(g, Materials(), dtype=torch.float64)


@pytest.mark.parametrize("pol, component", [("ez", "ez"), ("hz", "ey")])
def test_near_to_far_pattern_of_a_line_source_and_a_line_dipole(float64, pol, component):
    # E out of plane: a line current radiates isotropically, P = ωμ|I|²/8 per metre (I = J Δx²);
    # H out of plane: a y-directed line dipole radiates |H_z|² ∝ cos²φ
    n, f0 = 240, C0 / (40 * DX)
    g, co = _vacuum(n)
    steps = int(6 * n * DX / C0 / g.time_step)
    source = PointSource((120, 120, 0), ModulatedGaussian(f0, 0.5 * f0), component)
    box = NearToFarBox((70, 70), (170, 170), pol)
    out = run(co, steps, [source], [box.monitor([f0])])
    phi = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    a = box.far_field(out.dft[box.name], g, [f0], phi)
    pattern = (a.abs() ** 2)[0].numpy()
    pattern = pattern / pattern.max()
    expected = np.ones_like(phi) if pol == "ez" else np.cos(phi) ** 2
    assert np.abs(pattern - expected).max() < 0.01  # measured 6.3e-3 and 3.2e-3 at 40 cells per wavelength
    if pol == "ez":
        current = source_current(source, g, [f0], steps)[0]
        exact = 2 * math.pi * f0 * MU0 * abs(complex(current)) ** 2 * DX**4 / 8
        assert abs(float(box.radiated_power(a, phi)[0]) / exact - 1) < 0.01  # measured 3.4e-3


def test_dipole_power_in_vacuum_and_the_purcell_factor_before_a_mirror(float64):
    # a line source at distance d from a PEC plane sees its image −I: P/P₀ = 1 − J₀(2kd) (image theory)
    n, f0 = 200, C0 / (30 * DX)
    g, co = _vacuum(n)
    freqs = np.array([0.8, 1.0, 1.2]) * f0
    steps = int(8 * n * DX / C0 / g.time_step)
    source = PointSource((100, 100, 0), ModulatedGaussian(f0, 0.6 * f0), "ez")
    p0 = dipole_power(run(co, steps, [source], [source_monitor(source, freqs)]).dft["dipole"], source, g, freqs, steps)
    omega = 2 * np.pi * freqs
    current = source_current(source, g, freqs, steps)
    exact = omega * MU0 * current.abs().numpy() ** 2 * DX**4 / 8
    assert np.abs(p0.numpy() / exact - 1).max() < 0.01  # measured 2.9e-3 … 6.7e-3
    for gap in (5, 10, 17):
        pec = torch.zeros(n, n, 1, dtype=torch.bool)
        pec[100 - gap, :, 0] = True
        co_mirror = coefficients(g, Materials(pec=pec), dtype=torch.float64)
        rec = run(co_mirror, steps, [source], [source_monitor(source, freqs)]).dft["dipole"]
        purcell = (dipole_power(rec, source, g, freqs, steps) / p0).numpy()
        expected = 1 - scipy.special.j0(2 * omega / C0 * gap * DX)
        assert np.abs(purcell - expected).max() < 0.01, (gap, purcell, expected)  # measured ≤ 3.1e-3


def test_radiation_helpers_refuse_bad_input():
    g, _ = _vacuum(60)
    with pytest.raises(ValueError, match="CPML"):
        NearToFarBox((5, 25), (40, 40)).check(g)
    with pytest.raises(ValueError, match="soft PointSource"):
        source_monitor(PointSource((30, 30, 0), ModulatedGaussian(1e9, 1e9), "hz"), [1e9])
