"""Waveguide modes against the slab dispersion relation; eigenmode sources and mode coefficients in the FDTD."""

import math

import numpy as np
import pytest
import scipy.optimize
import torch

from physics.maxwell import C0, Block, Materials, ModulatedGaussian
from solvers.fdtd import YeeGrid, coefficients, run
from solvers.fdtd.mode_ports import ModePort, check_ports
from solvers.fdtd.modes import waveguide_modes
from solvers.fdtd.rasterize import rasterize

N_CORE, N_CLAD, WIDTH, WAVELENGTH = 3.4, 1.44, 0.3e-6, 1.55e-6


def _slab_n_eff(pol, order, wavelength=WAVELENGTH):
    """Symmetric slab: even modes κ sin(κd/2) = r γ cos(κd/2), odd κ cos(κd/2) = −r γ sin(κd/2), r = 1 (E out of
    plane) or n1²/n2² (H out of plane); the root with κd/2 in (order·π/2, (order+1)·π/2)."""
    k0 = 2 * math.pi / wavelength
    r = 1.0 if pol == "ez" else (N_CORE / N_CLAD) ** 2

    def residual(n):
        kappa, gamma = k0 * math.sqrt(N_CORE**2 - n * n), k0 * math.sqrt(n * n - N_CLAD**2)
        c, s = math.cos(kappa * WIDTH / 2), math.sin(kappa * WIDTH / 2)
        return kappa * s - r * gamma * c if order == 0 else kappa * c + r * gamma * s

    def n_at(phase):
        return math.sqrt(max(N_CORE**2 - (2 * phase / (k0 * WIDTH)) ** 2, N_CLAD**2))

    lo, hi = n_at((order + 1) * math.pi / 2) + 1e-12, n_at(order * math.pi / 2) - 1e-12
    return scipy.optimize.brentq(residual, lo, hi)


def _section(cells_across_core, pol):
    dx = WIDTH / cells_across_core * 1.0137  # faces anywhere in a cell
    ny = int(5e-6 / dx)
    g = YeeGrid((1, ny, 1), dx, ("periodic", "pec", "periodic"))
    core = Block((0, ny * dx / 2 + 0.123 * dx, 0), (math.inf, WIDTH, math.inf), eps=N_CORE**2)
    eps = rasterize(g, [core], background=N_CLAD**2)
    line = {c: eps[c][0, :, 0].numpy() for c in eps}
    return dx, (line["ez"], None) if pol == "ez" else (line["ey"], line["ex"])


@pytest.mark.parametrize("pol", ["ez", "hz"])
def test_slab_effective_and_group_indices_match_the_dispersion_relation(pol):
    dx, (section, section_x) = _section(80, pol)
    f = C0 / WAVELENGTH
    count = 2 if pol == "ez" else 1  # at this width the H-out-of-plane slab guides one mode
    modes = waveguide_modes(section, dx, f, pol, count=count, eps_x_section=section_x)
    for m in modes:
        exact = _slab_n_eff(pol, m.order)
        assert abs(m.n_eff - exact) < 2e-4, (pol, m.order, m.n_eff, exact)  # measured 4.6e-5, 9.7e-5 (odd), 3.8e-5
        # n_g = n_eff − λ dn_eff/dλ from the analytic roots
        h = 1e-4 * WAVELENGTH
        slope = (_slab_n_eff(pol, m.order, WAVELENGTH + h) - _slab_n_eff(pol, m.order, WAVELENGTH - h)) / (2 * h)
        assert abs(m.n_group / (exact - WAVELENGTH * slope) - 1) < 5e-4  # measured ≤ 7.1e-5
        assert math.isclose(0.5 * abs(float(np.sum(m.e * m.h))) * dx, 1.0, rel_tol=1e-12)  # unit power


def test_a_section_without_a_core_has_no_guided_mode():
    with pytest.raises(ValueError, match="guided"):
        waveguide_modes(np.full(50, 2.0), 1e-8, C0 / WAVELENGTH)


def _straight_guide(pol, axis=0, res=10, width=12):
    """Meep's units: a = 1 µm, ε = 12 guide of width a, f = 0.15 c/a; ports ``res`` cells per a."""
    a = 1e-6
    along, across = 16 * res, width * res
    shape = (along, across, 1) if axis == 0 else (across, along, 1)
    g = YeeGrid(shape, a / res, ("pml", "pml", "periodic"), pml_cells=res)
    size = [math.inf, a, math.inf] if axis == 0 else [a, math.inf, math.inf]
    centre = [0.0, 0.0, 0.0]
    centre[1 - axis] = across * g.dx / 2 + 0.3 * g.dx
    eps = rasterize(g, [Block(tuple(centre), tuple(size), eps=12.0)])
    span = (res + 2, across - res - 2)
    return g, eps, span, 0.15 * C0 / a


@pytest.mark.parametrize("pol, dtype", [("ez", torch.float64), ("hz", torch.float64), ("ez", torch.float32)])
def test_straight_waveguide_mode_coefficient_equals_flux_and_power_is_conserved(pol, dtype):
    # float32 too: SI-unit mode powers (~1e-42) underflow single precision unless formed in double
    g, eps, span, f0 = _straight_guide(pol)
    res = 10
    src, behind = ModePort(0, 3 * res, span, pol, "src"), ModePort(0, 2 * res, span, pol, "behind")
    near, far = ModePort(0, 6 * res, span, pol, "near"), ModePort(0, 12 * res, span, pol, "far")
    check_ports(g, [src, behind, near, far])
    co = coefficients(g, Materials(eps_r=eps), dtype=dtype)
    steps = int(200e-6 / C0 / g.time_step)
    r = run(
        co,
        steps,
        src.source(eps, g, ModulatedGaussian(f0, 0.5 * f0), f0),
        [p.monitor([f0]) for p in (behind, near, far)],
    )
    c = near.coefficients(r.dft["near"], eps, g, [f0])
    flux_near, flux_far = near.flux(r.dft["near"], g), far.flux(r.dft["far"], g)
    forward = c["forward"].abs() ** 2
    assert abs(float(forward / flux_near) - 1) < 1e-3  # measured 2e-6 (ez), 2.4e-6 (hz)
    assert abs(float(flux_far / flux_near) - 1) < 1e-3  # measured 4e-6, 2e-6
    reflected = float(c["backward"].abs() ** 2 / forward)
    assert 1e-7 < reflected < 1e-4  # the CPML's reflection of the guided mode, 2e-5: small, but not lost to underflow
    leak = behind.coefficients(r.dft["behind"], eps, g, [f0])["backward"].abs() ** 2
    assert float(leak / forward) < 1e-5  # measured 8e-8, 2e-8: the Huygens sheet launches one way


def test_a_port_along_y_launches_backwards_on_request(float64):
    g, eps, span, f0 = _straight_guide("ez", axis=1)
    src, probe = ModePort(1, 12 * 10, span, "ez", "src"), ModePort(1, 5 * 10, span, "ez", "probe")
    co = coefficients(g, Materials(eps_r=eps), dtype=torch.float64)
    steps = int(200e-6 / C0 / g.time_step)
    sources = src.source(eps, g, ModulatedGaussian(f0, 0.5 * f0), f0, direction=-1)
    r = run(co, steps, sources, [probe.monitor([f0])])
    c = probe.coefficients(r.dft["probe"], eps, g, [f0])
    flux = probe.flux(r.dft["probe"], g)
    assert float(flux) < 0  # power flows towards −y
    assert abs(float(c["backward"].abs() ** 2 / -flux) - 1) < 1e-3
    assert float(c["forward"].abs() ** 2 / -flux) < 1e-4  # the CPML's reflection: 2e-5


def test_ports_refuse_the_pml_overlaps_and_cores_without_modes(float64):
    g, eps, span, f0 = _straight_guide("ez")
    with pytest.raises(ValueError, match="CPML"):
        ModePort(0, 5, span, "ez", "p").check(g)
    with pytest.raises(ValueError, match="overlap"):
        check_ports(g, [ModePort(0, 40, span, "ez", "a"), ModePort(0, 41, span, "ez", "b")])
    cladding_only = (span[0], span[0] + 20)  # a section beside the core: nothing is guided there
    with pytest.raises(ValueError, match="guided"):
        ModePort(0, 40, cladding_only, "ez", "p").source(eps, g, ModulatedGaussian(f0, f0), f0)
