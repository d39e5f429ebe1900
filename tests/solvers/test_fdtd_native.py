"""The native Yee step (solvers/fdtd/native_step.py, yee_kernel.cpp) against the torch step it replaces.

Two implementations of the same equations: the torch step (a dozen tensor operations per curl) and the fused
native kernel (one pass per half step). They must agree to rounding on every boundary kind, material map and
mirror plane, and ``run`` must hand autograd's work to the torch step."""

from __future__ import annotations

import functools

import pytest
import torch

from physics.maxwell import (
    DistributedSource,
    GaussianPulse,
    Materials,
    ModulatedGaussian,
    PlaneSource,
    PointSource,
)
from solvers.fdtd import (
    DFTMonitor,
    NativeStepper,
    Probe,
    YeeGrid,
    coefficients,
    init_state,
    native_step_unsupported,
    run,
    simulation,
    step,
)
from solvers.fdtd.native_step import YEE_KERNEL
from solvers.fdtd.yee import active_components

pytestmark = pytest.mark.skipif(YEE_KERNEL.load() is None, reason="no C++ compiler: the native FDTD kernel is off")


def _materials(kind: str, shape) -> Materials:
    g = torch.Generator().manual_seed(1)
    if kind == "vacuum":
        return Materials()
    if kind == "lossy":
        return Materials(eps_r=1 + 3 * torch.rand(shape, generator=g), sigma=20 * torch.rand(shape, generator=g))
    if kind == "anisotropic":
        return Materials(eps_r={c: 1 + 3 * torch.rand(shape, generator=g) for c in ("ex", "ey", "ez")})
    box = torch.zeros(shape, dtype=torch.bool)
    box[2:5, 3:6, : max(1, shape[2] // 3)] = True
    return Materials(pec=box) if kind == "pec" else Materials(pmc=box, mu_r=1 + torch.rand(shape, generator=g))


CASES = [
    ((14, 15, 16), ("pml", "pml", "pml"), (0, 0, 0), "vacuum", "ez"),
    ((14, 15, 16), ("pml", "pml", "pml"), (0, 0, 0), "lossy", "ex"),
    ((14, 15, 16), ("periodic", "pec", "pml"), (0, 0, 0), "anisotropic", "ey"),
    ((14, 15, 16), ("pec", "periodic", "periodic"), (0, 0, 0), "pec", "ez"),
    ((14, 15, 16), ("pml", "pml", "pml"), (0, 0, 0), "pmc", "hx"),
    ((14, 15, 16), ("pml", "pml", "pml"), (1, 0, -1), "vacuum", "ey"),
    ((24, 20, 1), ("pml", "pml", "periodic"), (0, 0, 0), "lossy", "ez"),
    ((24, 20, 1), ("pml", "pec", "periodic"), (0, -1, 0), "vacuum", "hz"),
    ((40, 1, 1), ("pml", "periodic", "periodic"), (0, 0, 0), "lossy", "ey"),
]


def _run_both(shape, boundaries, mirror, material, component, dtype, steps):
    g = YeeGrid(shape, 1e-3, boundaries, pml_cells=3, mirror=mirror)
    co = coefficients(g, _materials(material, shape), dtype=dtype)
    src = [PointSource(tuple(n // 2 for n in shape), GaussianPulse(width=4 * g.time_step), component)]
    active = active_components(g, src)
    native = NativeStepper(co, src, active)
    a = b = init_state(co, dtype)
    for _ in range(steps):
        a, b = step(a, co, src, active), native(b)
    return a, b


@pytest.mark.parametrize("shape, boundaries, mirror, material, component", CASES)
def test_native_step_equals_the_torch_step(shape, boundaries, mirror, material, component):
    """70 steps in float64 (the waves cross the CPML): fields and CPML auxiliaries equal to rounding."""
    a, b = _run_both(shape, boundaries, mirror, material, component, torch.float64, 70)
    for kind in "eh":
        scale = max(float(v.abs().max()) for c, v in a.fields.items() if c[0] == kind)
        assert scale > 0
        for c, v in a.fields.items():
            if c[0] == kind:
                assert float((v - b.fields[c]).abs().max()) <= 1e-11 * scale, c
        for key, v in a.cpml.items():
            if key[0] == kind:
                assert float((v - b.cpml[key]).abs().max()) <= 1e-11 * scale * 1e3, key  # ψ ~ D·Δt/κ scale
    assert int(a.n) == int(b.n) == 70


def test_native_float32_is_as_close_to_float64_as_the_torch_step():
    """Rounding in float32: the native step's distance from the float64 run is of the torch step's order."""
    args = ((14, 15, 16), ("pml", "pml", "pml"), (0, 0, 0), "lossy", "ez")
    ref, _ = _run_both(*args, torch.float64, 60)
    t32, n32 = _run_both(*args, torch.float32, 60)
    scale = float(ref.fields["ez"].abs().max())
    err_torch = float((t32.fields["ez"].double() - ref.fields["ez"]).abs().max()) / scale
    err_native = float((n32.fields["ez"].double() - ref.fields["ez"]).abs().max()) / scale
    assert err_torch < 1e-5 and err_native < 3 * err_torch + 1e-6


def test_run_uses_the_native_step_and_records_the_same_monitors():
    g = YeeGrid((40, 36, 1), 1e-3, ("pml", "pml", "periodic"))
    co = coefficients(g, _materials("lossy", g.shape), dtype=torch.float64)
    src = [PointSource((20, 18, 0), GaussianPulse(width=6 * g.time_step), "ez")]
    f0 = 1 / (20 * g.time_step)
    monitors = [Probe((28, 12, 0)), DFTMonitor((f0, 1.5 * f0), ("ez", "hy"), (slice(5, 35), 30, 0))]
    fast, slow = run(co, 150, src, monitors, native=True), run(co, 150, src, monitors, native=False)
    scale = float(slow.probes["probe"].abs().max())
    assert scale > 0 and float((fast.probes["probe"] - slow.probes["probe"]).abs().max()) <= 1e-11 * scale
    for c in ("ez", "hy"):
        ref = slow.dft["dft"][c]
        assert float((fast.dft["dft"][c] - ref).abs().max()) <= 1e-11 * float(ref.abs().max())


def test_autograd_runs_take_the_torch_step_and_keep_their_gradient():
    """A material map that requires grad: ``native_step_unsupported`` names autograd, ``native=True`` refuses,
    and the default run (torch step) gives the gradient that the torch step gives."""
    g = YeeGrid((30, 30, 1), 1e-3, ("pml", "pml", "periodic"))
    eps = torch.full(g.shape, 2.0, dtype=torch.float64, requires_grad=True)
    co = coefficients(g, Materials(eps_r=eps), dtype=torch.float64)
    src = [PointSource((15, 15, 0), GaussianPulse(width=6 * g.time_step), "ez")]
    assert "autograd" in native_step_unsupported(co, src)
    with pytest.raises(ValueError, match="autograd needs a backward pass"):
        run(co, 5, src, [Probe((20, 15, 0))], native=True)
    probe = [Probe((20, 15, 0))]
    (grad,) = torch.autograd.grad(run(co, 60, src, probe).probes["probe"].pow(2).sum(), eps)
    co2 = coefficients(g, Materials(eps_r=eps), dtype=torch.float64)
    (ref,) = torch.autograd.grad(run(co2, 60, src, probe, native=False).probes["probe"].pow(2).sum(), eps)
    assert float(ref.abs().max()) > 0
    torch.testing.assert_close(grad, ref, rtol=1e-12, atol=0)


def test_a_trainable_source_amplitude_still_gets_its_gradient():
    """Nothing in the grid requires grad, so the native step starts; once the source has written its trainable
    amplitude into the fields, the stepper hands each step to the torch step: d(probe²)/d(amplitude) is exact."""
    g = YeeGrid((30, 30, 1), 1e-3, ("pml", "pml", "periodic"))
    co = coefficients(g, Materials(eps_r=2.0), dtype=torch.float64)
    amp = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    pulse = GaussianPulse(width=6 * g.time_step)

    def profile(t):
        return amp * pulse(t)

    def loss(native):
        src = [PointSource((15, 15, 0), profile, "ez")]
        return run(co, 60, src, [Probe((20, 15, 0))], native=native).probes["probe"].pow(2).sum()

    assert native_step_unsupported(co, [PointSource((15, 15, 0), profile, "ez")]) == ""
    value = loss(None)
    (grad,) = torch.autograd.grad(value, amp)
    assert float(grad) == pytest.approx(2 * float(value.detach()) / 1.5, rel=1e-10)  # probe ∝ amp, so d(p²)/da = 2p²/a


def test_what_the_native_step_does_not_cover_is_named():
    g = YeeGrid((30, 30, 1), 1e-3, ("pml", "pml", "periodic"))
    drude = coefficients(g, Materials(drude_omega_p=1e12, drude_gamma=1e11), dtype=torch.float64)
    assert "dispersive" in native_step_unsupported(drude)
    bloch = YeeGrid((20, 20, 1), 1e-3, ("periodic", "periodic", "periodic"), bloch=(100.0, 0.0, 0.0))
    assert "complex" in native_step_unsupported(coefficients(bloch, Materials(), dtype=torch.float64))
    with pytest.raises(ValueError, match="dispersive media"):
        NativeStepper(drude)
    with pytest.raises(ValueError, match="native=True and compile=True"):
        run(coefficients(g, Materials()), 2, native=True, compile=True)


def _every_source_kind(g, dtype):
    gen = torch.Generator().manual_seed(3)
    patch = torch.zeros(g.shape, dtype=dtype)
    patch[3:6, 4:8, 5:7] = torch.rand(3, 4, 2, generator=gen, dtype=dtype)
    wide = torch.rand(g.shape, generator=gen, dtype=dtype)  # nonzero everywhere: stays a DistributedSource
    pulse = ModulatedGaussian(1 / (16 * g.time_step), 1 / (40 * g.time_step))
    return [
        PointSource((6, 6, 7), pulse, "ex", hard=True),
        PlaneSource(0, 4, pulse, "ez"),
        DistributedSource(patch, GaussianPulse(width=5 * g.time_step), "hy"),
        DistributedSource(1e-3 * wide, pulse, "ey"),
        PointSource((8, 5, 6), pulse, "hz"),
    ]


def test_advance_equals_one_step_at_a_time_with_every_kind_of_source():
    """``NativeStepper.advance`` (many steps, sources and recordings in one native call, fields updated in place)
    against the same stepper called once per step (its sources applied by the torch code): fields, CPML
    auxiliaries and the recorded cells agree to rounding, and the given state is left as it was."""
    g = YeeGrid((12, 13, 14), 1e-3, ("pml", "pml", "pml"), pml_cells=3)
    co = coefficients(g, _materials("lossy", g.shape), dtype=torch.float64)
    stepper = NativeStepper(co, _every_source_kind(g, torch.float64))
    start = init_state(co, torch.float64)
    for _ in range(5):  # a state with nonzero fields and auxiliaries
        start = stepper(start)
    before = {c: v.clone() for c, v in start.fields.items()}
    points = [("ez", torch.tensor([5, 700, 1999])), ("hy", torch.arange(40, 90))]
    a, rows = start, {c: [] for c, _ in points}
    for _ in range(23):
        a = stepper(a)
        for c, ix in points:
            rows[c].append(a.fields[c].reshape(-1)[ix])
    b, recorded = stepper.advance(start, 23, points)
    assert int(b.n) == int(a.n) == 28
    for c, v in a.fields.items():
        scale = float(v.abs().max())
        assert scale > 0 and float((v - b.fields[c]).abs().max()) <= 1e-11 * scale, c
        assert torch.equal(start.fields[c], before[c]), f"advance modified the given state's {c}"
    for key, v in a.cpml.items():
        assert float((v - b.cpml[key]).abs().max()) <= 1e-11 * float(v.abs().max()) + 1e-300, key
    for (c, _), values in zip(points, recorded):
        ref = torch.stack(rows[c])
        assert values.shape == ref.shape and float((values - ref).abs().max()) <= 1e-11 * float(ref.abs().max())


def test_run_records_the_same_monitors_when_its_recordings_come_in_small_pieces(monkeypatch):
    """``run``'s native chunks record monitor cells in pieces of at most ``budget`` bytes: a budget of two steps'
    recordings gives the DFTs and probes of the torch step (steps not a multiple of the chunk, nor of a piece)."""
    g = YeeGrid((12, 13, 14), 1e-3, ("pml", "pml", "pml"), pml_cells=3)
    co = coefficients(g, _materials("lossy", g.shape), dtype=torch.float64)
    src = _every_source_kind(g, torch.float64)
    f0 = 1 / (16 * g.time_step)
    monitors = [
        Probe((7, 7, 7), "ey"),
        DFTMonitor((f0, 1.3 * f0), ("ex", "hz"), (slice(2, 10), 9, slice(None)), "plane"),
        DFTMonitor((0.8 * f0,), ("hx",), (slice(None), slice(None), slice(None)), "volume"),
    ]
    cells = 2 * 8 * 14 + 12 * 13 * 14 + 1
    monkeypatch.setattr(simulation, "_native_chunk", functools.partial(simulation._native_chunk, budget=2 * 8 * cells))
    fast, slow = run(co, 57, src, monitors, chunk=20, native=True), run(co, 57, src, monitors, native=False)
    ref = slow.probes["probe"]
    assert fast.probes["probe"].shape == ref.shape == (57,)
    assert float((fast.probes["probe"] - ref).abs().max()) <= 1e-11 * float(ref.abs().max())
    for name, comps in (("plane", ("ex", "hz")), ("volume", ("hx",))):
        for c in comps:
            ref = slow.dft[name][c]
            assert float(ref.abs().max()) > 0
            assert float((fast.dft[name][c] - ref).abs().max()) <= 1e-11 * float(ref.abs().max()), (name, c)
