"""3-D mode ports: a silicon wire's fundamental mode launched, carried and decomposed in the 3-D FDTD."""

import math

import numpy as np
import pytest
import torch

from physics.maxwell import C0, Block, Materials, ModulatedGaussian
from solvers.fdtd import YeeGrid, coefficients, run
from solvers.fdtd.mode_ports_3d import ModePort3D
from solvers.fdtd.rasterize import rasterize

UM = 1e-6
DX = 0.04 * UM
F0 = C0 / (1.55 * UM)


def _wire(shape, axis):
    """A 0.5 × 0.3 µm silicon wire (ε = 12.25) along ``axis``, centred in the grid; cross-section axes cyclic."""
    g = YeeGrid(shape, DX, pml_cells=8)
    size = [0.0, 0.0, 0.0]
    u, v = (axis + 1) % 3, (axis + 2) % 3
    size[axis], size[u], size[v] = 1.0, 0.5 * UM, 0.3 * UM
    centre = tuple(n / 2 * DX for n in shape)
    return g, rasterize(g, [Block(centre, tuple(size), eps=12.25)])


def test_launched_mode_is_carried_at_the_solved_beta_and_decomposes_into_itself(float64):
    """Huygens source at z = 16, ports at 24 and 44: |a|² equals the flux (measured 1.1e-4), the power is kept
    (1.4e-5), nothing goes backwards behind the source (1.6e-6), and the phase between the ports is −βL with β from the
    solver within 1e-4 relative (measured 3e-5): the port's mode is the FDTD grid's own discrete mode."""
    shape = (52, 48, 60)
    g, eps = _wire(shape, 2)
    co = coefficients(g, Materials(eps_r=eps), dtype=torch.float64)
    span_u, span_v = (9, 43), (9, 39)
    src, back = ModePort3D(2, 16, span_u, span_v, "src"), ModePort3D(2, 11, span_u, span_v, "back")
    p1, p2 = ModePort3D(2, 24, span_u, span_v, "p1"), ModePort3D(2, 44, span_u, span_v, "p2")
    mode = src.modes(eps, g, F0, 2)
    assert mode[0].te_fraction > 0.95 and mode[1].te_fraction < 0.1  # quasi-TE fundamental, quasi-TM next
    steps = int(3 * shape[2] * DX * 2.5 / C0 / g.time_step) + 600
    sources = src.source(eps, g, ModulatedGaussian(F0, 0.3 * F0), F0)
    dft = run(co, steps, sources, [p.monitor([F0]) for p in (back, p1, p2)]).dft
    flux1, flux2 = (p.flux(dft[p.name], g)[0].item() for p in (p1, p2))
    a1 = p1.coefficients(dft["p1"], eps, g, [F0])["forward"][0].item()
    a2 = p2.coefficients(dft["p2"], eps, g, [F0])["forward"][0].item()
    assert abs(abs(a1) ** 2 / flux1 - 1) < 1e-3
    assert abs(flux2 / flux1 - 1) < 1e-3 and abs(abs(a2) ** 2 / abs(a1) ** 2 - 1) < 1e-3
    assert abs(back.flux(dft["back"], g)[0].item()) < 1e-4 * flux1
    length, phase = 20 * DX, float(np.angle(a2 / a1))  # a2/a1 = e^{−iβL} in the DFT's convention, βL ≈ 8.6 rad
    turns = round((mode[0].beta * length + phase) / (2 * math.pi))  # the whole turns the phase cannot show
    beta_measured = (2 * math.pi * turns - phase) / length
    assert abs(beta_measured / mode[0].beta - 1) < 1e-4, (beta_measured, mode[0].beta)


@pytest.mark.parametrize("axis", [0, 1])
def test_ports_along_x_and_y_see_the_same_cross_section_as_along_z(axis):
    """The same wire along x or y (cross-section axes in cyclic order) has the same discrete modes (to 1e-10), and
    the source drives the matching transverse components."""
    ref_grid, ref_eps = _wire((40, 36, 20), 2)
    reference = ModePort3D(2, 10, (9, 31), (9, 27)).modes(ref_eps, ref_grid, F0, 2)
    shape = [0, 0, 0]
    shape[axis], shape[(axis + 1) % 3], shape[(axis + 2) % 3] = 20, 40, 36
    g, eps = _wire(tuple(shape), axis)
    port = ModePort3D(axis, 10, (9, 31), (9, 27))
    found = port.modes(eps, g, F0, 2)
    np.testing.assert_allclose([m.n_eff for m in found], [m.n_eff for m in reference], rtol=1e-10)
    sources = port.source(eps, g, ModulatedGaussian(F0, 0.3 * F0), F0)
    expected = {0: ("ey", "ez", "hy", "hz"), 1: ("ez", "ex", "hz", "hx")}[axis]
    assert tuple(s.component for s in sources) == expected
    assert all(float(s.pattern.select(axis, 10).abs().sum()) > 0 for s in sources)


def test_mode_port_3d_refuses_bad_placements():
    g = YeeGrid((40, 36, 30), DX, pml_cells=8)
    with pytest.raises(ValueError, match="CPML"):
        ModePort3D(2, 5, (9, 31), (9, 27)).check(g)
    with pytest.raises(ValueError, match="CPML"):
        ModePort3D(2, 15, (2, 31), (9, 27)).check(g)
    with pytest.raises(ValueError, match="3-D grid"):
        ModePort3D(2, 0, (9, 31), (9, 27)).check(YeeGrid((40, 36, 1), DX, ("pml", "pml", "periodic"), pml_cells=8))
    with pytest.raises(ValueError, match="direction"):
        ModePort3D(2, 15, (9, 31), (9, 27)).source(torch.ones(40, 36, 30), g, None, F0, direction=0)
