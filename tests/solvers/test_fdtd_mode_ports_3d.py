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


@pytest.mark.parametrize("mirror, order", [((-1, 1), 0), ((1, -1), 1)])
def test_a_quarter_port_on_two_mirror_planes_reports_the_full_runs_mode_and_power(float64, mirror, order):
    """The wire along z, symmetric about the planes x = y = node C: the quarter grid with mirror planes on x and y
    holds the quasi-TE mode (mirror (−1, +1): Ex even) or the quasi-TM one ((+1, −1): Ey even) of the whole wire, and
    its ports report the whole wire's flux and mode power, as the full run does."""
    c, nz, h = 26, 40, 18  # spans 8 cells clear of the core: the full span's extra edge row carries ~1e-5
    full = YeeGrid((2 * c, 2 * c, nz), DX, pml_cells=8)
    quarter = YeeGrid((c, c, nz), DX, pml_cells=8, mirror=(*mirror, 0))
    wire = (1.0, 0.5 * UM, 0.3 * UM)
    eps_full = rasterize(full, [Block((c * DX, c * DX, 0), (wire[1], wire[2], wire[0]), eps=12.25)])
    eps_quarter = rasterize(quarter, [Block((0, 0, 0), (wire[1], wire[2], wire[0]), eps=12.25)])
    ports_full = [ModePort3D(2, z, (c - h, c + h), (c - h, c + h), n) for z, n in ((12, "src"), (28, "out"))]
    ports_quarter = [ModePort3D(2, z, (0, h), (0, h), n) for z, n in ((12, "src"), (28, "out"))]
    assert ports_quarter[0].mirror(quarter) == mirror and ports_full[0].mirror(full) == (0, 0)
    whole = ports_full[0].modes(eps_full, full, F0, 2)[order]
    part = ports_quarter[0].modes(eps_quarter, quarter, F0, 1)[0]
    assert abs(part.n_eff / whole.n_eff - 1) < 1e-10 and abs(part.te_fraction - whole.te_fraction) < 1e-6
    steps = int(3 * nz * DX * 2.5 / C0 / full.time_step) + 600
    results = []
    for g, eps, (src, out), mode in ((full, eps_full, ports_full, order), (quarter, eps_quarter, ports_quarter, 0)):
        co = coefficients(g, Materials(eps_r=eps), dtype=torch.float64)
        dft = run(co, steps, src.source(eps, g, ModulatedGaussian(F0, 0.3 * F0), F0, mode), [out.monitor([F0])]).dft
        a = out.coefficients(dft["out"], eps, g, [F0], mode)["forward"][0].item()
        results.append((out.flux(dft["out"], g)[0].item(), abs(a) ** 2))
    (flux_full, power_full), (flux_quarter, power_quarter) = results
    assert abs(power_full / flux_full - 1) < 2e-3  # a clean launch in the full run (measured ≤ 1.3e-4)
    assert abs(flux_quarter / flux_full - 1) < 1e-4, (flux_quarter, flux_full)  # the whole wire's flux (≤ 1.1e-5)
    assert abs(power_quarter / power_full - 1) < 1e-9, (power_quarter, power_full)  # its mode power (2e-16)
