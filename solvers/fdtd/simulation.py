"""Running an FDTD simulation: the time loop, monitors, chunked compilation and checkpointing.

    grid = YeeGrid((200, 200, 1), dx=1e-3, boundaries=("pml", "pml", "periodic"))
    co = coefficients(grid, Materials(eps_r=eps_map))
    result = run(co, steps=600, sources=[PointSource((100, 100, 0), ModulatedGaussian(10e9, 5e9))],
                 monitors=[Probe((150, 100, 0))])
    result.probes["probe"]  # [600]

``run`` is differentiable: gradients flow to the material maps used to build ``co`` and to tensor
parameters of the source profiles. ``checkpoint_every=K`` recomputes each chunk of ``K`` steps in the
backward pass (memory ∝ steps/K instead of steps). ``compile=True`` compiles one step with its monitors
with ``torch.compile`` (seconds of compilation, then about 2.4× on a 320² 2-D grid at one thread); DFT
accumulators of real fields are kept as real (re, im) pairs so that they compile. A forward run on the CPU
(nothing to differentiate) steps with the fused native kernel of :mod:`.native_step` unless ``native=False``:
the same equations in one pass per component, several times faster than the tensor-operation step. It
advances a whole chunk per native call, recording the monitors' cells each step; each DFT is then one matrix
product per chunk, ``[2F, steps] @ [steps, cells]``, with the phases ``(cos ωt_n, −sin ωt_n) Δt``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from solvers.fdtd.monitors import DFTMonitor, Probe, Snapshots, dft_phase
from solvers.fdtd.native_step import NativeStepper, native_step_unsupported
from solvers.fdtd.yee import Coefficients, FDTDState, active_components, init_state, sparse_sources, step


@dataclass
class RunResult:
    """What :func:`run` returns: the final state and the monitors' records by name."""

    state: FDTDState
    probes: dict = field(default_factory=dict)  # name -> [steps]
    dft: dict = field(default_factory=dict)  # name -> {component: [n_freq, *region]}
    snapshots: dict = field(default_factory=dict)  # name -> {"t": [k], component: [k, *grid]}


def _check_inside(grid, position, what: str) -> None:
    if len(position) != 3 or any(not 0 <= int(p) < n for p, n in zip(position, grid.shape)):
        raise ValueError(
            f"{what} at cell {tuple(position)} is outside the grid {grid.shape}; positions are "
            "(i, j, k) cell indices with 0 <= i < nx (k = 0 in 2-D)."
        )


def validate(co: Coefficients, sources, monitors) -> None:
    """Clear errors before stepping: sources and probes inside the grid, planes inside their axis."""
    from physics.maxwell import PlaneSource, PointSource

    g = co.grid
    if g.is_bloch:
        from solvers.fdtd.tfsf import TFSFPlaneWave

        if any(isinstance(s, TFSFPlaneWave) for s in sources):
            raise ValueError(
                "TFSF plane waves are not supported on a Bloch grid (their incident line is real). Excite Bloch "
                "modes with point or distributed sources."
            )
    for s in sources:
        if isinstance(s, PointSource):
            _check_inside(g, s.position, f"source on {s.component}")
        elif isinstance(s, PlaneSource) and not 0 <= s.index < g.shape[s.axis]:
            raise ValueError(f"plane source index {s.index} is outside axis {s.axis} (0..{g.shape[s.axis] - 1}).")
    for m in monitors:
        if isinstance(m, Probe):
            _check_inside(g, m.position, f"probe {m.name!r}")


def _one_step(co, sources, monitors, active=None, stepper=None):
    """``(state, accum) -> (state, accum, probe values)``: one step (``stepper(state)``, the torch step by
    default) and its monitors (the unit ``compile`` compiles)."""

    def advance(state: FDTDState, accum: dict):
        accum = dict(accum)
        state = stepper(state) if stepper is not None else step(state, co, sources, active)
        values = {}
        for m in monitors:
            if isinstance(m, Probe):
                values[m.name] = state.fields[m.component][tuple(int(p) for p in m.position)]
            elif isinstance(m, DFTMonitor):
                phases = {}  # e^{−iωt} Δt, once per kind (E at nΔt, H at (n − ½)Δt)
                for c in m.components:
                    f = state.fields[c][m.region]
                    if c[0] not in phases:
                        t = (state.n.to(torch.float64) - (0.5 if c[0] == "h" else 0.0)) * co.dt
                        phases[c[0]] = _phase(m.frequencies, t, f, co.dt)
                    key = f"{m.name}/{c}"
                    accum[key] = accum[key] + phases[c[0]].reshape(*phases[c[0]].shape, *([1] * f.ndim)) * f
        return state, accum, values

    return advance


def _chunk(unit, monitors, k: int):
    """A function ``(state, accum) -> (state, accum, probe rows)`` that calls ``unit`` (one step) ``k`` times."""

    def advance(state: FDTDState, accum: dict):
        probe_rows = {m.name: [] for m in monitors if isinstance(m, Probe)}
        for _ in range(k):
            state, accum, values = unit(state, accum)
            for name, v in values.items():
                probe_rows[name].append(v)
        return state, accum, {n: torch.stack(v) for n, v in probe_rows.items()}

    return advance


def _native_chunk(stepper: NativeStepper, co, monitors, k: int, fallback, budget: int = 1 << 27):
    """Like :func:`_chunk`, through :meth:`NativeStepper.advance`: the native call records each monitor's cells
    every step (``[steps, m]``, in pieces of at most ``budget`` bytes), and the DFTs are then one product per
    component with the phases ``e^{−iωt_n} Δt`` of those steps. ``fallback`` (the step-by-step chunk) runs when
    ``advance`` declines (autograd must see the run)."""
    cells = torch.arange(math.prod(co.grid.shape), dtype=torch.int64).reshape(co.grid.shape)
    points, uses = [], []
    for m in monitors:
        if isinstance(m, Probe):
            points.append((m.component, cells[tuple(int(p) for p in m.position)].reshape(1)))
            uses.append((m, None))
        elif isinstance(m, DFTMonitor):
            for c in m.components:
                region = cells[m.region]
                points.append((c, region.reshape(-1)))
                uses.append((m, (c, region.shape)))
    size = sum(len(ix) for _, ix in points) * co.ca.element_size()
    piece = max(1, min(k, budget // max(size, 1)))

    def advance(state: FDTDState, accum: dict):
        accum, rows, done = dict(accum), {m.name: [] for m, use in uses if use is None}, 0
        while done < k:
            n = min(piece, k - done)
            out = stepper.advance(state, n, points)
            if out is None:  # decided by the first piece: the later ones start from its detached fields
                return fallback(state, accum)
            start = state.n.to(torch.float64)
            state, samples = out
            steps_done = start + torch.arange(1, n + 1, dtype=torch.float64)  # the n of each recorded state
            for (m, use), values in zip(uses, samples):
                if use is None:
                    rows[m.name].append(values[:, 0])
                    continue
                c, shape = use
                t = (steps_done - (0.5 if c[0] == "h" else 0.0)) * co.dt
                phase = _phase(m.frequencies, t[:, None], values, co.dt)  # [2, n, F] real
                phase = phase.permute(0, 2, 1).reshape(-1, n)  # [2F, n]
                key = f"{m.name}/{c}"
                accum[key] = accum[key] + (phase @ values).reshape(accum[key].shape)
            done += n
        return state, accum, {name: torch.cat(v) for name, v in rows.items()}

    return advance


def _phase(frequencies, t, f: Tensor, dt: float) -> Tensor:
    """``e^{−iωt} Δt`` ``[n_freq]`` complex for complex (Bloch) fields; for real fields the pair
    ``(cos ωt, −sin ωt) Δt`` as a real ``[2, n_freq]``, so the accumulators stay real and compile."""
    if f.is_complex():
        return dft_phase(frequencies, t, f.real.dtype, f.device) * dt
    w = 2 * torch.pi * torch.as_tensor(frequencies, dtype=torch.float64, device=f.device)
    return (torch.stack([torch.cos(w * t), -torch.sin(w * t)]) * dt).to(f.dtype)


def run(
    co: Coefficients,
    steps: int,
    sources=(),
    monitors=(),
    state: FDTDState | None = None,
    checkpoint_every: int = 0,
    chunk: int = 50,
    compile: bool = False,
    progress: bool = False,
    native: bool | None = None,
) -> RunResult:
    """Advance ``steps`` steps from ``state`` (zero fields by default); see the module docstring.

    ``native``: step with the fused native kernel (:mod:`.native_step`). ``None`` (default) uses it whenever it
    applies (a CPU run without ``compile`` that autograd does not differentiate, no dispersive media, no TFSF
    or Bloch fields); ``True`` insists (an error says why it cannot), ``False`` keeps the torch step."""
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}.")
    validate(co, sources, monitors)
    ref = co.ca
    active = active_components(co.grid, sources, state)
    sources = sparse_sources(sources)
    state = state if state is not None else init_state(co, ref.dtype, ref.device)
    accum = {}
    for m in monitors:
        if isinstance(m, DFTMonitor):
            for c in m.components:
                f = state.fields[c][m.region]
                # real fields: real and imaginary parts as a leading pair (real tensors compile); complex: complex
                pair = () if f.is_complex() else (2,)
                accum[f"{m.name}/{c}"] = f.new_zeros(*pair, len(m.frequencies), *f.shape)
    k = checkpoint_every if checkpoint_every > 0 else chunk
    probes = {m.name: [] for m in monitors if isinstance(m, Probe)}
    snaps = {m.name: {"t": []} for m in monitors if isinstance(m, Snapshots)}
    snap_monitors = [m for m in monitors if isinstance(m, Snapshots)]
    if snap_monitors:
        k = min([k] + [m.every for m in snap_monitors])
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc="FDTD", unit="step")
    done = 0
    advancers = {}
    stepping = [m for m in monitors if not isinstance(m, Snapshots)]
    stepper = _native_stepper(native, compile, co, sources, state, active)
    unit = _one_step(co, sources, stepping, active, stepper)
    if compile:  # one step is the compiled unit: compile time does not grow with the chunk
        unit = torch.compile(unit, dynamic=False)
    while done < steps:
        n = min(k, steps - done)
        if n not in advancers:
            advancers[n] = _chunk(unit, stepping, n)
            if stepper is not None:  # many steps per native call; one at a time where autograd must see them
                advancers[n] = _native_chunk(stepper, co, stepping, n, advancers[n])
        fn = advancers[n]
        if checkpoint_every > 0 and torch.is_grad_enabled():
            state, accum, rows = checkpoint(fn, state, accum, use_reentrant=False)
        else:
            state, accum, rows = fn(state, accum)
        for name, r in rows.items():
            probes[name].append(r)
        done += n
        for m in snap_monitors:
            if int(state.n) % m.every == 0:
                snaps[m.name]["t"].append(int(state.n) * co.dt)
                for c in m.components:
                    snaps[m.name].setdefault(c, []).append(state.fields[c].detach().clone())
        if bar is not None:
            bar.update(n)
    if bar is not None:
        bar.close()
    dft = {}
    for key, v in accum.items():
        name, c = key.split("/")
        dft.setdefault(name, {})[c] = v if v.is_complex() else torch.complex(v[0], v[1])
    out_snaps = {
        name: {c: (torch.tensor(v) if c == "t" else torch.stack(v)) for c, v in d.items() if len(v)}
        for name, d in snaps.items()
    }
    return RunResult(state, {n: torch.cat(v) if v else torch.zeros(0) for n, v in probes.items()}, dft, out_snaps)


def _native_stepper(native: bool | None, compile: bool, co, sources, state, active):
    """The native stepper that ``native`` asks for, or None for the torch step."""
    if native is False:
        return None
    if compile:
        if native:
            raise ValueError("native=True and compile=True exclude each other: the native kernel is already compiled.")
        return None
    why = native_step_unsupported(co, sources, state)
    if why:
        if native:
            raise ValueError(f"native=True, but the native FDTD step cannot run this simulation: {why}.")
        return None
    return NativeStepper(co, sources, active)


def probe_signal(result: RunResult, name: str = "probe") -> Tensor:
    """The recorded time series ``[steps]`` of probe ``name``."""
    return result.probes[name]


__all__ = ["run", "RunResult", "validate", "probe_signal"]
