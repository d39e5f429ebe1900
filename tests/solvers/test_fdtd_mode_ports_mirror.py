"""Mode ports across a mirror plane: the half domain reports what the symmetric full run reports.

A straight slab waveguide along x, symmetric about the plane y = node ``C``. The full grid holds both halves; the half
grid starts on the plane with ``mirror`` in y. A port whose span starts on the plane solves the whole guide's modes
of that parity and reports the whole guide's flux and mode powers, so the half run must reproduce the full run's
numbers: the modes of one parity, the launched fields, the coefficients and the flux.
"""

import math

import numpy as np
import pytest
import torch

from physics.maxwell import C0, Block, Materials, ModulatedGaussian
from solvers.fdtd import YeeGrid, coefficients, run
from solvers.fdtd.mode_ports import ModePort
from solvers.fdtd.mode_ports_3d import ModePort3D
from solvers.fdtd.modes import waveguide_modes
from solvers.fdtd.rasterize import rasterize

DX, C, NX, HALF_SPAN = 0.04e-6, 60, 110, 40  # cell (m), the plane's node, cells along x, port cells off the plane
WAVELENGTH = 1.55e-6
F0 = C0 / WAVELENGTH
FREQS = (0.95 * F0, F0, 1.05 * F0)


def _guide(grid, centre_y):
    core = Block((0, centre_y, 0), (math.inf, 0.34e-6, math.inf), eps=3.4**2)  # faces off the nodes
    return rasterize(grid, [core], background=1.44**2)


def _run(grid, eps, source_port, out_port, mode, pol):
    profile = ModulatedGaussian(F0, 0.3 * F0)
    co = coefficients(grid, Materials(eps_r=eps), dtype=torch.float64)
    sources = source_port.source(eps, grid, profile, F0, mode)
    r = run(co, 1400, sources, [out_port.monitor(FREQS)])
    dft = r.dft[out_port.name]
    c = out_port.coefficients(dft, eps, grid, FREQS, mode)
    return dft, out_port.flux(dft, grid), c["forward"].abs() ** 2, c["backward"].abs() ** 2


# (polarisation, the mirror's phase, the full guide's mode of that parity): Ez even about the plane is a PMC plane
# (+1); Hz even is a PEC plane (−1: tangential E odd)
CASES = [("ez", 1, 0), ("ez", -1, 1), ("hz", -1, 0), ("hz", 1, 1)]


@pytest.mark.parametrize("pol, mirror, full_mode", CASES)
def test_a_port_on_a_mirror_plane_reports_the_symmetric_full_run(float64, pol, mirror, full_mode):
    ny_full = 2 * C
    full = YeeGrid((NX, ny_full, 1), DX, ("pml", "pml", "periodic"), pml_cells=12)
    half = YeeGrid((NX, ny_full - C, 1), DX, ("pml", "pml", "periodic"), pml_cells=12, mirror=(0, mirror, 0))
    eps_full, eps_half = _guide(full, C * DX), _guide(half, 0.0)
    # the full span is symmetric about node C: Ez nodes C−39..C+39, Hz samples C−40..C+39 (at j + ½)
    lo = C - HALF_SPAN + (1 if pol == "ez" else 0)
    full_ports = [ModePort(0, x, (lo, C + HALF_SPAN), pol, name) for x, name in ((20, "in"), (80, "out"))]
    half_ports = [ModePort(0, x, (0, HALF_SPAN), pol, name) for x, name in ((20, "in"), (80, "out"))]
    assert half_ports[0].mirror(half) == mirror and full_ports[0].mirror(full) == 0

    # the modes of that parity: the half section with the mirror finds the full section's mode `full_mode`
    m_full = full_ports[0].modes(eps_full, full, F0, full_mode + 1)[full_mode]
    m_half = half_ports[0].modes(eps_half, half, F0, 1)[0]
    assert abs(m_half.n_eff - m_full.n_eff) < 1e-12 * m_full.n_eff  # measured ≤ 1e-15
    own = slice(HALF_SPAN - 1, None) if pol == "ez" else slice(HALF_SPAN, None)
    sign = np.sign(m_full.e[own][np.argmax(np.abs(m_half.e))] * m_half.e[np.argmax(np.abs(m_half.e))])
    assert np.abs(sign * m_full.e[own] - m_half.e).max() < 1e-9 * np.abs(m_half.e).max()

    a = _run(full, eps_full, full_ports[0], full_ports[1], full_mode, pol)
    b = _run(half, eps_half, half_ports[0], half_ports[1], 0, pol)
    field = "ez" if pol == "ez" else "hz"  # the DFT at the out port, on the half span: the same run
    on_half = a[0][field][:, :, -HALF_SPAN:]  # [freq, 2 planes, span]
    scale = float(b[0][field].abs().max())
    assert scale > 0 and float((sign * on_half - b[0][field]).abs().max()) < 1e-7 * scale
    flux_full, flux_half = a[1], b[1]
    assert torch.allclose(flux_half, flux_full, rtol=1e-7), (flux_half, flux_full)  # the whole guide's flux
    assert torch.allclose(b[2], a[2], rtol=1e-7)  # the power in the mode, forward
    assert torch.allclose(a[2], flux_full, rtol=2e-3)  # and a clean launch: all of it in that mode (measured ≤ 4e-4)
    assert float(b[3].max()) < 1e-3 * float(b[2].max())  # nothing backward in a straight guide (measured 3e-4)


def test_mirror_phases_are_checked_and_ports_find_their_planes():
    with pytest.raises(ValueError, match="mirror must be -1, 0 or \\+1"):
        waveguide_modes(np.full(20, 2.0), DX, F0, "ez", mirror=2)
    half = YeeGrid((NX, C, 1), DX, ("pml", "pml", "periodic"), pml_cells=12, mirror=(0, 1, 0))
    # the low side of a mirrored axis has no CPML: a port may start on the plane, not in the far CPML
    ModePort(0, 20, (0, HALF_SPAN)).check(half)
    with pytest.raises(ValueError, match="last 12 cells \\(a mirror is low\\)"):
        ModePort(0, 20, (0, C - 5)).check(half)
    grid_3d = YeeGrid((30, 30, 30), DX, pml_cells=6, mirror=(0, 1, 0))
    assert ModePort3D(0, 10, (0, 12), (8, 22)).mirror(grid_3d) == (1, 0)  # u = y starts on the plane
    assert ModePort3D(0, 10, (2, 14), (8, 22)).mirror(grid_3d) == (0, 0)  # off it: an ordinary port
