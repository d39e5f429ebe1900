"""FDTD validation against analytic electromagnetics (numbers in ../shared/REFERENCES.md)."""

import math

import numpy as np
import pytest
import torch

from physics.maxwell import C0, GaussianPulse, Materials, ModulatedGaussian, PlaneSource, PointSource
from solvers.fdtd import (
    DFTMonitor,
    Probe,
    YeeGrid,
    coefficients,
    divergence_b,
    energy,
    init_state,
    reflection_db,
    resonances,
    run,
    step,
)
from solvers.fdtd.yee import FDTDState


def test_pec_cavity_tm_resonances_match_analytic(float64):
    nx, ny, dx = 40, 30, 1e-2
    g = YeeGrid((nx, ny, 1), dx, ("pec", "pec", "periodic"))
    co = coefficients(g, Materials(), dtype=torch.float64)
    r = run(co, 8000, [PointSource((7, 5, 0), GaussianPulse(width=4 * g.time_step))], [Probe((29, 21, 0), "ez")])
    a, b = nx * dx, ny * dx
    exact = [C0 / 2 * math.hypot(m / a, n / b) for m, n in ((1, 1), (2, 1), (1, 2), (2, 2))]
    found = resonances(r.probes["probe"].numpy(), g.time_step, 0.5 * exact[0], 1.1 * exact[-1], count=10)
    for f in exact:
        nearest = found[np.argmin(np.abs(found - f))]
        assert abs(nearest - f) / f < 0.005, (f, nearest)


def test_lossless_pec_cavity_conserves_energy_and_div_b(float64):
    g = YeeGrid((10, 9, 8), 1e-2, ("pec", "pec", "pec"))
    co = coefficients(g, Materials(eps_r=torch.rand(10, 9, 8) + 1.0), dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    s0 = init_state(co, torch.float64)
    fields = {c: torch.randn(10, 9, 8, generator=gen, dtype=torch.float64) * (c[0] == "e") for c in s0.fields}
    for c in ("ex", "ey", "ez"):
        fields[c] = fields[c] * co.keep_e[c]
    state = FDTDState(fields, s0.cpml, s0.dispersion, s0.tfsf, s0.n)
    w = []
    for _ in range(10000):
        new = step(state, co)
        w.append(float(energy(state, new, co)))
        state = new
    w = np.array(w)
    assert np.abs(w - w[0]).max() / w[0] < 1e-6
    scale = float(max(state.fields[c].abs().max() for c in ("hx", "hy", "hz")) * co.mu.max() / g.dx)
    assert float(divergence_b(state, co).abs().max()) < 1e-10 * scale


def _line_run(eps, nx, steps, src, probe, dx):
    g = YeeGrid((nx, 1, 1), dx, ("pml", "periodic", "periodic"), pml_cells=20)
    co = coefficients(g, Materials(eps_r=eps), dtype=torch.float64)
    return run(co, steps, [src], [Probe((probe, 0, 0), "ez")]), g


def test_fresnel_reflection_at_normal_incidence(float64):
    n1, n2, nx, dx = 1.4, 3.5, 1200, 1e-3
    f0 = C0 / (n2 * 30 * dx)  # 30 cells per wavelength in the dense medium
    g0 = YeeGrid((nx, 1, 1), dx, ("pml", "periodic", "periodic"))
    src = PlaneSource(0, 100, ModulatedGaussian(f0, 0.5 * f0), "ez")
    eps_slab = torch.full((nx, 1, 1), n1**2)
    eps_slab[600:] = n2**2
    steps = int(2.6 * 1000 * dx * n2 / (C0 * g0.time_step))
    ref, g = _line_run(torch.full((nx, 1, 1), n1**2), nx, steps, src, 300, dx)
    tot, _ = _line_run(eps_slab, nx, steps, src, 300, dx)
    e_inc, e_ref = ref.probes["probe"].numpy(), (tot.probes["probe"] - ref.probes["probe"]).numpy()
    dt = g.time_step
    freqs = np.array([0.7, 0.85, 1.0]) * f0  # >= 30 cells per wavelength in n2 (the error is O(dx^2): 0.9 % at 30)
    t = np.arange(1, steps + 1) * dt
    dft = lambda s: np.abs((s[None, :] * np.exp(-2j * np.pi * freqs[:, None] * t[None, :])).sum(1))
    r = (dft(e_ref) / dft(e_inc)) ** 2
    exact = ((n1 - n2) / (n1 + n2)) ** 2
    assert np.all(np.abs(r - exact) / exact < 0.01), (r, exact)


def test_cpml_reflection_below_minus_40_db(float64):
    def probe_run(n):
        g = YeeGrid((n, n, 1), 1e-3, ("pml", "pml", "periodic"), pml_cells=10)
        co = coefficients(g, Materials(), dtype=torch.float64)
        c = n // 2
        src = PointSource((c, c, 0), GaussianPulse(width=6 * g.time_step))
        return run(co, 130, [src], [Probe((c + 25, c, 0), "ez")]).probes["probe"]

    small, big = probe_run(80), probe_run(400)  # the big domain's walls are too far to echo within 130 steps
    assert reflection_db(small, big) < -40


def test_point_source_far_field_falls_as_one_over_r(float64):
    n, dx = 260, 1e-3
    g = YeeGrid((n, n, 1), dx, ("pml", "pml", "periodic"), pml_cells=12)
    co = coefficients(g, Materials(), dtype=torch.float64)
    f0 = C0 / (20 * dx)  # 20 cells per wavelength
    c = n // 2
    mon = DFTMonitor((f0,), ("ez",), (slice(None), slice(None), 0))
    r = run(co, 700, [PointSource((c, c, 0), ModulatedGaussian(f0, 0.3 * f0))], [mon])
    e2 = r.dft["dft"]["ez"][0].abs().numpy() ** 2
    ratios = []
    for ang in np.linspace(0, 2 * np.pi, 8, endpoint=False):
        p1 = (c + int(round(40 * np.cos(ang))), c + int(round(40 * np.sin(ang))))
        p2 = (c + int(round(80 * np.cos(ang))), c + int(round(80 * np.sin(ang))))
        r1, r2 = np.hypot(p1[0] - c, p1[1] - c), np.hypot(p2[0] - c, p2[1] - c)
        ratios.append(e2[p1] / e2[p2] * (r1 / r2) * 2)  # corrected to exactly r -> 2r
    ratio = float(np.mean(ratios))
    assert 1.88 <= ratio <= 2.12, ratio


def test_gradient_wrt_permittivity_matches_central_differences(float64):
    g = YeeGrid((24, 20, 1), 1e-3, ("pml", "pml", "periodic"), pml_cells=5)
    f0 = C0 / (10 * g.dx)

    def objective(eps):
        co = coefficients(g, Materials(eps_r=eps), dtype=torch.float64)
        r = run(
            co,
            60,
            [PointSource((8, 10, 0), ModulatedGaussian(f0, 0.5 * f0))],
            [Probe((16, 12, 0))],
            checkpoint_every=20,
        )
        return (r.probes["probe"] ** 2).sum() * 1e6

    gen = torch.Generator().manual_seed(1)
    eps = (1.0 + torch.rand(24, 20, 1, generator=gen, dtype=torch.float64)).requires_grad_(True)
    (grad,) = torch.autograd.grad(objective(eps), eps)
    v = torch.randn(24, 20, 1, generator=gen, dtype=torch.float64)
    h = 1e-5
    with torch.no_grad():
        fd = (objective(eps + h * v) - objective(eps - h * v)) / (2 * h)
    ad = (grad * v).sum()
    assert abs(float(ad - fd)) / abs(float(fd)) < 1e-4


def test_bad_input_is_refused_before_stepping():
    with pytest.raises(ValueError, match="Courant"):
        YeeGrid((20, 20, 1), 1e-3, ("pec", "pec", "periodic"), dt=1e-11)
    with pytest.raises(ValueError, match="thicker than the domain"):
        YeeGrid((15, 40, 1), 1e-3, pml_cells=10)
    g = YeeGrid((30, 30, 1), 1e-3, ("pec", "pec", "periodic"))
    for bad, msg in ((-1.0, "> 0"), (float("nan"), "NaN")):
        with pytest.raises(ValueError, match=msg):
            coefficients(g, Materials(eps_r=torch.full((30, 30, 1), bad)))
    co = coefficients(g, Materials())
    with pytest.raises(ValueError, match="outside the grid"):
        run(co, 5, [PointSource((40, 3, 0), GaussianPulse(1e-12))])


def test_drude_half_space_reflection_matches_analytic(float64):
    # ε(ω) = 1 − ωp²/(ω² + iγω): reflective below the plasma frequency, transparent above
    nx, dx = 1200, 1e-3
    f0 = C0 / (40 * dx)
    wp, gam = 2 * math.pi * f0, 0.2 * math.pi * f0
    g = YeeGrid((nx, 1, 1), dx, ("pml", "periodic", "periodic"), pml_cells=20)
    src = PlaneSource(0, 100, ModulatedGaussian(f0, 0.6 * f0), "ez")
    steps = int(2.6 * 1000 * dx / (C0 * g.time_step))

    def probe(wp_map):
        co = coefficients(g, Materials(drude_omega_p=wp_map, drude_gamma=gam), dtype=torch.float64)
        return run(co, steps, [src], [Probe((300, 0, 0), "ez")]).probes["probe"].numpy()

    vac = torch.zeros(nx, 1, 1, dtype=torch.float64)
    metal = vac.clone()
    metal[600:] = wp
    e_inc = probe(vac)
    e_ref = probe(metal) - e_inc
    t = np.arange(1, steps + 1) * g.time_step
    freqs = np.array([0.6, 0.8, 1.0, 1.3, 1.6]) * f0
    dft = lambda s: np.abs((s[None, :] * np.exp(-2j * np.pi * freqs[:, None] * t[None, :])).sum(1))
    r = (dft(e_ref) / dft(e_inc)) ** 2
    w = 2 * np.pi * freqs
    n = np.sqrt(1 - wp**2 / (w**2 + 1j * gam * w))
    exact = np.abs((1 - n) / (1 + n)) ** 2
    assert np.abs(r - exact).max() < 0.01, (r, exact)


def test_lorentz_half_space_reflection_matches_analytic(float64):
    # ε(ω) = ε∞ + Δε ω0²/(ω0² − ω² − iγω): a dielectric below the resonance, metallic just above it
    nx, dx = 1200, 1e-3
    f0 = C0 / (60 * dx)  # 60 cells per vacuum wavelength: |r|² errors 0.0003–0.004 (second order)
    w0, gam, einf, de = 2 * math.pi * f0, 0.2 * math.pi * f0, 1.5, 2.0
    g = YeeGrid((nx, 1, 1), dx, ("pml", "periodic", "periodic"), pml_cells=20)
    src = PlaneSource(0, 100, ModulatedGaussian(f0, 0.7 * f0), "ez")
    steps = int(3.0 * 1000 * dx / (C0 * g.time_step))

    def probe(medium):
        eps = torch.ones(nx, 1, 1, dtype=torch.float64)
        de_map = torch.zeros(nx, 1, 1, dtype=torch.float64)
        if medium:
            eps[600:], de_map[600:] = einf, de
        co = coefficients(
            g, Materials(eps_r=eps, lorentz_delta_eps=de_map, lorentz_omega0=w0, lorentz_gamma=gam), dtype=torch.float64
        )
        return run(co, steps, [src], [Probe((300, 0, 0), "ez")]).probes["probe"].numpy()

    e_inc = probe(False)
    e_ref = probe(True) - e_inc
    t = np.arange(1, steps + 1) * g.time_step
    freqs = np.array([0.5, 0.7, 1.3, 1.6]) * f0
    dft = lambda s: np.abs((s[None, :] * np.exp(-2j * np.pi * freqs[:, None] * t[None, :])).sum(1))
    r = (dft(e_ref) / dft(e_inc)) ** 2
    w = 2 * np.pi * freqs
    n = np.sqrt(einf + de * w0**2 / (w0**2 - w**2 - 1j * gam * w))
    exact = np.abs((1 - n) / (1 + n)) ** 2
    assert np.abs(r - exact).max() < 0.006, (r, exact)


def test_pmc_reflects_totally_with_the_opposite_sign_of_pec(float64):
    nx, dx = 800, 1e-3
    f0 = C0 / (40 * dx)
    g = YeeGrid((nx, 1, 1), dx, ("pml", "periodic", "periodic"), pml_cells=20)
    src = PlaneSource(0, 100, ModulatedGaussian(f0, 0.5 * f0), "ez")
    steps = int(2.2 * 500 * dx / (C0 * g.time_step))
    wall = torch.zeros(nx, 1, 1, dtype=torch.bool)
    wall[500:] = True

    def probe(**objects):
        co = coefficients(g, Materials(**objects), dtype=torch.float64)
        return run(co, steps, [src], [Probe((300, 0, 0), "ez")]).probes["probe"].numpy()

    inc = probe()
    pec, pmc = probe(pec=wall) - inc, probe(pmc=wall) - inc
    energy_ratio = lambda e: (e**2).sum() / (inc**2).sum()
    assert abs(energy_ratio(pec) - 1) < 0.02 and abs(energy_ratio(pmc) - 1) < 0.02
    assert np.corrcoef(pec, pmc)[0, 1] < -0.95  # E reflects with r = −1 at PEC and +1 at PMC


def _fresnel(pol, n1, n2, theta):
    ci, ct = np.cos(theta), np.sqrt(1 - (n1 / n2 * np.sin(theta)) ** 2)
    r = (n1 * ci - n2 * ct) / (n1 * ci + n2 * ct) if pol == "s" else (n2 * ci - n1 * ct) / (n2 * ci + n1 * ct)
    return r * r


@pytest.mark.parametrize("pol", ["s", "p"])
def test_fresnel_reflection_at_oblique_incidence(float64, pol):
    # errors are O(dx²): 0.6–1.6 % at 33 cells per wavelength in the glass, 0.15–0.4 % at 67 (measured)
    from solvers.fdtd.layered_stack import oblique_stack_response

    dx, scale = 1e-3, 1.5
    lams = np.array([50.0, 55.0, 60.0]) * scale * dx  # P = 150 cells: θ = 30°, 33.4°, 36.9°
    out = oblique_stack_response([], [], lams, 100 * scale * dx, dx, pol, n_out=1.5)
    R, exact = out["R"], _fresnel(pol, 1.0, 1.5, out["angle"])
    assert np.all(np.abs(R / exact - 1) < 0.01), (R, exact)


def test_s_parameters_of_a_dielectric_slab_match_the_airy_formula(float64):
    # a two-port: |S11|², |S21|² of a slab (n = 2, thickness 60 cells) against Airy's formulas, and |S11|² + |S21|² = 1
    from solvers.fdtd import s_parameters

    nx, dx, n, d = 1400, 1e-3, 2.0, 60
    f0 = C0 / (80 * dx)  # ≥ 33 cells per wavelength in the slab: the O(Δx²) phase error stays small
    g = YeeGrid((nx, 1, 1), dx, ("pml", "periodic", "periodic"), pml_cells=20)
    src = PlaneSource(0, 100, ModulatedGaussian(f0, 0.6 * f0), "ez")
    freqs = np.array([0.6, 0.8, 1.0, 1.2]) * f0
    ports = DFTMonitor(tuple(freqs), ("ez",), (slice(300, 1101, 800), 0, 0), "ports")  # x = 300 and x = 1100
    steps = int(3.2 * nx * dx / (C0 * g.time_step))
    out = []
    for slab in (False, True):
        eps = torch.ones(nx, 1, 1)
        if slab:
            eps[700 : 700 + d] = n**2
        out.append(
            run(coefficients(g, Materials(eps_r=eps), dtype=torch.float64), steps, [src], [ports]).dft["ports"]["ez"]
        )
    inc, tot = out
    s = s_parameters(inc[:, 0], tot[:, 0] - inc[:, 0], tot[:, 1])
    R, T = (s["S11"].abs() ** 2).numpy(), (s["S21"].abs() ** 2).numpy()
    r = ((n - 1) / (n + 1)) ** 2
    delta = 2 * np.pi * freqs / C0 * n * d * dx * 2  # round-trip phase
    T_exact = 1 / (1 + 4 * r / (1 - r) ** 2 * np.sin(delta / 2) ** 2)
    assert np.abs(T - T_exact).max() < 0.01, (T, T_exact)
    assert np.abs(R - (1 - T_exact)).max() < 0.01
    assert np.abs(R + T - 1).max() < 2e-3


def test_compiled_run_matches_the_eager_run_with_probes_and_dft_monitors(float64):
    """``run(compile=True)`` compiles one step with its monitors (real DFT accumulators as re/im pairs): the same
    probe record and DFT as the eager torch step (measured: equal to 2e-16 of the signal on an AMD EPYC, 8e-12
    relative on a few nearly cancelling late samples on an Intel Xeon, whose kernels vectorise differently)."""
    dx = 1e-3
    g = YeeGrid((48, 48, 1), dx, ("pml", "pml", "periodic"))
    co = coefficients(g, Materials(), dtype=torch.float64)
    src = [PointSource((24, 24, 0), ModulatedGaussian(C0 / (15 * dx), C0 / (20 * dx)), "ez")]
    monitors = [DFTMonitor((C0 / (15 * dx), C0 / (12 * dx)), ("ez", "hx"), (slice(14, 34), 30, 0)), Probe((30, 20, 0))]
    eager = run(co, 120, src, monitors, chunk=40, native=False)
    compiled = run(co, 120, src, monitors, chunk=40, compile=True)
    for c in ("ez", "hx"):
        ref = eager.dft["dft"][c]
        assert ref.is_complex() and float(ref.abs().max()) > 0
        assert float((compiled.dft["dft"][c] - ref).abs().max()) <= 1e-12 * float(ref.abs().max())
    scale = float(eager.probes["probe"].abs().max())  # relative to the signal: late samples nearly cancel
    torch.testing.assert_close(compiled.probes["probe"], eager.probes["probe"], rtol=1e-12, atol=1e-12 * scale)


@pytest.mark.slow
def test_compiled_checkpointed_run_gives_the_eager_gradient(float64):
    """Autograd through ``run(compile=True, checkpoint_every=30)``: the gradient of a DFT objective with respect to ε
    equals the eager run's (measured: equal to round-off; the compiled backward takes ~20 s to build)."""
    dx = 1e-3
    g = YeeGrid((48, 48, 1), dx, ("pml", "pml", "periodic"))
    src = [PointSource((20, 24, 0), ModulatedGaussian(C0 / (15 * dx), C0 / (20 * dx)), "ez")]
    mon = [DFTMonitor((C0 / (15 * dx),), ("ez",), (slice(30, 36), slice(20, 28), 0), "box")]

    def gradient(compile):
        eps = torch.ones(48, 48, 1, dtype=torch.float64)
        eps[24:28, 20:28] = 2.0
        eps.requires_grad_(True)
        r = run(
            coefficients(g, Materials(eps_r=eps), dtype=torch.float64),
            150,
            src,
            mon,
            compile=compile,
            checkpoint_every=30,
        )
        (r.dft["box"]["ez"].abs() ** 2).sum().backward()
        return eps.grad

    eager, compiled = gradient(False), gradient(True)
    assert float(eager.abs().max()) > 0
    assert float((compiled - eager).abs().max()) <= 1e-10 * float(eager.abs().max())
