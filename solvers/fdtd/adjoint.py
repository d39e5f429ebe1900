"""Gradients of DFT monitor outputs with respect to the permittivity and the conductivity by an adjoint FDTD run
(the frequency-domain adjoint method of Meep's ``mpa``; Hammond et al., *Opt. Express* 30, 4467, 2022), instead of
reverse-mode autograd through every step: one adjoint run for all frequencies.

:func:`dft_with_adjoint` returns what :func:`solvers.fdtd.run` would put in ``result.dft``; it is differentiable in
the permittivity maps and the conductivity map. Both runs take the native step, so a gradient costs two forward
runs and no tape.

**Derivation** (Yee scheme with conductivity ``σ``). The E update is ``w E^{n+1} = w' E^n + ∇×H^{n+½}`` with
``w = ε₀ε_r/Δt + σ/2 = ε₀ ε_eff/Δt``, ``w' = ε₀ε_r/Δt − σ/2`` and ``ε_eff = ε_r + σΔt/(2ε₀)``. To first order, a
change ``δε_i`` (relative) or ``δσ_i`` at an E cell ``i`` acts at every step ``m`` as an additive kick

    δE_i^m = −(δε_i/ε_eff,i)(E_i^m − E_i^{m−1}) − (δσ_i Δt/(2ε₀ ε_eff,i))(E_i^m + E_i^{m−1}).

With DFT weights ``z^m Δt``, ``z = e^{−iωΔt}``, ``Σ_m (E^m ∓ E^{m−1}) z^m = (1 ∓ z) Ê/Δt``, and a unit kick at step
``m`` changes a monitor's DFT by ``z^m R̂_{k←i}`` (the DFT of the impulse response). So for a real objective ``J``
of the DFT outputs (``g_k`` its gradient in torch's convention, ``δJ = Re(ḡ_k δX̂_k)``)

    ∂J/∂ε_i = −Re[(1 − z) Ê_i Σ_k ḡ_k R̂_{k←i}] / (ε_eff,i Δt),
    ∂J/∂σ_i = −Re[(1 + z) Ê_i Σ_k ḡ_k R̂_{k←i}] / (2ε₀ ε_eff,i).

A kick ``κ`` is the current ``w κ``, and the operator that maps currents to fields is symmetric (``∇⁻× = (∇⁺×)ᵀ``,
the ``σ`` and ``ε`` terms diagonal; a CPML is a diagonal stretching that is the identity outside its layers), so
``R̂_{k←i}/ε_eff,i = R̂_{i←k}/ε_eff,k`` between cells outside the CPML. An adjoint run whose kicks at the monitor
cells have spectra ``Ŝ_k = ḡ_k/ε_eff,k`` then has DFT ``Ŷ_i = Σ_k R̂_{i←k} Ŝ_k``, and

    ∂J/∂ε_i = −Re[(1 − z) Ê_i Ŷ_i] / Δt,    ∂J/∂σ_i = −Re[(1 + z) Ê_i Ŷ_i] / (2ε₀).

Without conductivity ``ε_eff = ε_r``; the adjoint run has the same conductivity as the forward one.

Gradients with respect to an H monitor become kicks on E: with the fields rung down,
``2i sin(ωΔt/2) Ĥ = (Δt/μ) K Ê`` (``K`` the H update's curl), so ``g_E = conj(γ) Kᵀ g_H``, ``γ = Δt/(2iμ sin(ωΔt/2))``.
Real kicks with given complex spectra at ``F`` frequencies are ``F`` quadrature pairs of pulses under one envelope,
whose real weights per cell solve a ``2F × 2F`` system exactly: one adjoint run serves every frequency (frequencies
closer than the envelope resolves run one at a time). Each pulse has its kicks summed to zero
(:class:`ChargeFreePulse`): in 3-D a net kick leaves a static charge whose field never rings down.

**Validity.** Fields must ring down within ``steps`` in both runs (the same condition as for the DFT to mean
anything; conductivity only helps); monitors and the design box lie outside the CPML and hold no sources. The
medium may hold Drude or Lorentz terms, a permeability map and PEC/PMC objects, all held fixed: their responses
are local and reciprocal, so the operator stays symmetric and the derivation above is unchanged. Each condition is
checked; both runs are made in two legs, and a warning says when their last tenth of steps still moved the DFTs by
more than 1e-3. Agreement with autograd and with central differences is tested in
``tests/solvers/test_fdtd_adjoint.py``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import torch

from physics.maxwell import (
    EPS0,
    DistributedSource,
    GaussianPulse,
    Materials,
    ModulatedGaussian,
    PlaneSource,
    PointSource,
)
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.mode_ports import check_clear_of_cpml
from solvers.fdtd.monitors import DFTMonitor
from solvers.fdtd.simulation import run
from solvers.fdtd.yee import E_CURL, _curl, active_components, backward_diff, coefficients, source_sample_time

E_COMPONENTS = ("ex", "ey", "ez")
REACH = "the adjoint gradient needs reciprocity, which the absorbing layers break"


@dataclass(frozen=True)
class ChargeFreePulse:
    """``pulse(t) − c·envelope(t)``: a modulated Gaussian less the multiple ``c`` (``offset``) of its envelope that
    makes its kicks sum to zero. A soft E source whose kicks do not sum to zero leaves a static charge in 3-D, whose
    field never rings down (a 2-D line current along z has no divergence)."""

    pulse: ModulatedGaussian
    offset: float

    def __call__(self, t):
        """The profile at times ``t`` (tensor, s)."""
        return self.pulse(t) - self.offset * GaussianPulse(self.pulse.width, self.pulse.delay)(t)


def _kick_times(steps: int, dt: float) -> torch.Tensor:
    """When a soft E source is sampled for the kicks it adds to ``E^1 … E^steps``."""
    return source_sample_time(torch.arange(1, steps + 1, dtype=torch.float64) * dt, dt, hard=False)


def charge_free(pulse: ModulatedGaussian, steps: int, dt: float) -> ChargeFreePulse:
    """``pulse`` with zero net kick over ``steps`` soft-source samples."""
    t = _kick_times(steps, dt)
    return ChargeFreePulse(pulse, float(pulse(t).sum() / GaussianPulse(pulse.width, pulse.delay)(t).sum()))


def kick_spectrum(profile, steps: int, dt: float, frequency: float) -> complex:
    """``Σ_{m=1}^{steps} p(t_m) e^{−iωmΔt}``: the spectrum of a soft source's kicks (``p`` sampled at the step's
    centre ``t_m``, added to ``E^m``) with the DFT monitors' phase convention."""
    p = profile(_kick_times(steps, dt)).to(torch.float64)
    w = 2 * math.pi * frequency * dt * torch.arange(1, steps + 1, dtype=torch.float64)
    return complex((p * torch.cos(w)).sum(), -(p * torch.sin(w)).sum())


def _spans(grid: YeeGrid, region: tuple):
    """``(axis, lo, hi)`` of a region (an int or a slice per axis)."""
    for ax, (index, n) in enumerate(zip(region, grid.shape)):
        cells = range(n)[index] if isinstance(index, slice) else [int(index)]
        yield ax, min(cells), max(cells)


def _check_no_sources_in(grid: YeeGrid, sources, box: tuple) -> None:
    inside = torch.zeros(grid.shape, dtype=torch.bool)
    inside[box] = True
    for s in sources:
        if isinstance(s, PointSource):
            hit = bool(inside[tuple(int(p) for p in s.position)])
        elif isinstance(s, DistributedSource):
            hit = bool((torch.as_tensor(s.pattern).detach().broadcast_to(grid.shape)[inside] != 0).any())
        elif isinstance(s, PlaneSource):
            hit = bool(inside.select(s.axis, s.index).any())
        else:
            continue
        if hit:
            raise ValueError(
                f"a {type(s).__name__} on {s.component} acts inside the design box {box}: the adjoint gradient "
                "there would count the source as a field change. Pass a box that leaves out the sources."
            )


def _h_to_e(grads_h: dict, co, frequency: float) -> dict:
    """``conj(γ) Kᵀ g_H`` per E component for the H gradients ``grads_h`` (component → full-grid complex arrays at
    ``frequency``). ``K`` is the H update's curl (:data:`.yee.H_CURL`, forward differences), whose transpose is
    minus the E update's (:data:`.yee.E_CURL`, backward differences)."""
    gamma = co.dt / (2j * math.sin(math.pi * frequency * co.dt))
    scaled = {c: g / co.mu.to(torch.float64) for c, g in grads_h.items()}
    curls, _ = _curl(scaled, E_CURL, {}, {}, co, backward_diff)
    return {c: -gamma.conjugate() * v for c, v in curls.items() if v is not None}


def _run_in_two_legs(co, steps: int, sources, monitors: list, what: str, tail: float = 0.1) -> dict:
    """The DFT records of ``run``, in two legs: the share of each monitor's DFT that the last ``tail`` of the steps
    added measures how far the fields are from rung down; above 1e-3 a warning says that the adjoint gradient (that
    of the rung-down DFTs) then differs from the gradient of the truncated objective."""
    head = max(1, int(round(steps * (1 - tail)))) if steps > 1 else steps
    first = run(co, head, sources, monitors)
    if head == steps:
        return first.dft
    rest = run(co, steps - head, sources, monitors, state=first.state)
    dft = {n: {c: v + rest.dft[n][c] for c, v in comps.items()} for n, comps in first.dft.items()}

    def size(records: dict) -> float:
        return math.sqrt(sum(float(v.abs().square().sum()) for v in records.values()))

    late = max((size(rest.dft[m.name]) / max(size(dft[m.name]), 1e-300) for m in monitors), default=0.0)
    if late > 1e-3:
        warnings.warn(
            f"the last {steps - head} of {steps} steps of the {what} run still changed its DFTs by {late:.1e} of "
            "their size: the fields have not rung down, so the adjoint gradient (that of the rung-down DFTs) differs "
            "from the gradient of this truncated objective by about as much. Run more steps.",
            stacklevel=2,
        )
    return dft


class _AdjointDFT(torch.autograd.Function):
    @staticmethod
    def forward(ctx, setup, sigma, eps_ex, eps_ey, eps_ez):
        grid, steps, sources, monitors, dtype, box, medium = setup
        eps = {"ex": eps_ex.detach(), "ey": eps_ey.detach(), "ez": eps_ez.detach()}
        sigma = sigma.detach()
        co = coefficients(grid, replace(medium, eps_r=eps, sigma=sigma), dtype=dtype)
        wanted = [
            c
            for c in E_COMPONENTS
            if ctx.needs_input_grad[1] or ctx.needs_input_grad[2 + "xyz".index(c[1])]  # σ acts on every component
        ]
        active = active_components(grid, sources)
        wanted = [c for c in wanted if active is None or c in active]
        freqs = sorted({float(f) for m in monitors for f in m.frequencies})
        design = [DFTMonitor(tuple(freqs), (c,), box, f"__design_{c}") for c in wanted]
        dft = _run_in_two_legs(co, steps, sources, list(monitors) + design, "forward")
        ctx.setup, ctx.freqs, ctx.eps, ctx.sigma = setup, freqs, eps, sigma
        ctx.forward_dft = {c: dft[f"__design_{c}"][c] for c in wanted}
        return tuple(dft[m.name][c] for m in monitors for c in m.components)

    @staticmethod
    def backward(ctx, *grads):
        grid, steps, sources, monitors, dtype, box, medium = ctx.setup
        co = coefficients(grid, replace(medium, eps_r=ctx.eps, sigma=ctx.sigma), dtype=torch.float64)
        out = {c: torch.zeros(grid.shape, dtype=torch.float64) for c in E_COMPONENTS}
        out_sigma = torch.zeros(grid.shape, dtype=torch.float64)
        if not ctx.forward_dft:
            return None, None, None, None, None
        pieces = iter(grads)
        per_monitor = [(m, c, next(pieces)) for m in monitors for c in m.components]
        kicks = {}  # frequency -> E component -> full-grid gradient (torch's convention)
        for f in ctx.freqs:
            kicks_e, grads_h = {}, {}
            for m, c, g in per_monitor:
                if g is None or f not in [float(v) for v in m.frequencies]:
                    continue
                full = torch.zeros(grid.shape, dtype=torch.complex128)
                full[m.region] = g[[float(v) for v in m.frequencies].index(f)].to(torch.complex128)
                table = kicks_e if c[0] == "e" else grads_h
                table[c] = table.get(c, 0) + full
            for c, v in _h_to_e(grads_h, co, f).items():
                kicks_e[c] = kicks_e.get(c, 0) + v
            if kicks_e:
                kicks[f] = kicks_e
        # ε_eff = ε_r + σΔt/(2ε₀): the adjoint kicks' scale at each E cell (module docstring)
        loss = ctx.sigma.to(torch.float64).broadcast_to(grid.shape) * co.dt / (2 * EPS0)
        eps_eff = {c: ctx.eps[c].to(torch.float64).broadcast_to(grid.shape) + loss for c in E_COMPONENTS}
        responses = _adjoint_runs(co, eps_eff, steps, kicks, box, list(ctx.forward_dft)) if kicks else {}
        for f, y in responses.items():
            z = complex(math.cos(2 * math.pi * f * co.dt), -math.sin(2 * math.pi * f * co.dt))
            k = ctx.freqs.index(f)
            for c, e_hat in ctx.forward_dft.items():
                product = e_hat[k].to(torch.complex128) * y[c]
                out[c][box] += -((1 - z) * product).real / co.dt
                out_sigma[box] += -((1 + z) * product).real / (2 * EPS0)
        grad_sigma = out_sigma.to(dtype) if ctx.needs_input_grad[1] else None
        grad_eps = (out[c].to(dtype) if ctx.needs_input_grad[2 + i] else None for i, c in enumerate(E_COMPONENTS))
        return (None, grad_sigma, *grad_eps)


def _adjoint_runs(
    co, eps: dict, steps: int, kicks: dict, box: tuple, components: list, max_condition: float = 1e4
) -> dict:
    """``{f: {c: Ŷ_c(f) over box}}``: the DFTs of the fields driven by kicks whose spectra at each frequency ``f``
    are ``conj(kicks[f][c]) / ε_c`` (full-grid complex arrays per E component; ``eps`` the maps of
    ``ε_eff = ε_r + σΔt/(2ε₀)``), from one run on ``co`` (the forward run's medium).

    Each frequency has a quadrature pair of pulses under one shared envelope; their real weights per cell solve the
    ``2F × 2F`` system that sets every kick spectrum at every frequency. Frequencies too close for the envelope
    (condition number above ``max_condition``) run one at a time."""
    grid = co.grid
    freqs = sorted(kicks)
    centre, spread = sum(freqs) / len(freqs), max(freqs) - min(freqs)
    # the band, and a pulse (8 envelope widths) over within the first third of the run
    bandwidth = min(max(0.1 * centre, 1.5 * spread, 24 / (math.pi * steps * co.dt)), centre)
    pulses = [
        charge_free(ModulatedGaussian(f, bandwidth, phase=phase), steps, co.dt)
        for f in freqs
        for phase in (0.0, math.pi / 2)  # the sine and cosine carriers under one envelope
    ]
    basis = torch.zeros(2 * len(freqs), len(pulses), dtype=torch.float64)
    for i, f in enumerate(freqs):
        for j, pulse in enumerate(pulses):
            s = kick_spectrum(pulse, steps, co.dt, f)
            basis[2 * i, j], basis[2 * i + 1, j] = s.real, s.imag
    if len(freqs) > 1 and float(torch.linalg.cond(basis)) > max_condition:
        return {f: _adjoint_runs(co, eps, steps, {f: kicks[f]}, box, components)[f] for f in freqs}
    sources = []
    for c in sorted({c for per_f in kicks.values() for c in per_f}):
        eps_r = eps[c].to(torch.float64).broadcast_to(grid.shape).reshape(-1)
        rows = []
        for f in freqs:
            g = kicks[f].get(c)
            target = torch.zeros(eps_r.shape, dtype=torch.complex128) if g is None else g.conj().reshape(-1) / eps_r
            rows += [target.real, target.imag]
        weights = torch.linalg.solve(basis, torch.stack(rows))  # [2F pulses, cells]
        for pulse, w in zip(pulses, weights):
            if bool(w.any()):
                sources.append(DistributedSource(w.reshape(grid.shape).to(co.ca.dtype), pulse, c))
    monitor = DFTMonitor(tuple(freqs), tuple(components), box, "__adjoint")
    with torch.no_grad():
        dft = _run_in_two_legs(co, steps, sources, [monitor], "adjoint")["__adjoint"]
    return {f: {c: dft[c][k].to(torch.complex128) for c in components} for k, f in enumerate(freqs)}


def _is_number(value, number: float) -> bool:
    """Whether a material field is the plain number ``number`` (its default), not a map."""
    return isinstance(value, (int, float)) and value == number


def dft_with_adjoint(
    grid: YeeGrid,
    eps: dict,
    steps: int,
    sources,
    monitors,
    box: tuple | None = None,
    dtype=torch.float64,
    sigma=0.0,
    medium: Materials | None = None,
) -> dict:
    """``{monitor name: {component: [n_freq, *region]}}``: the DFT records of ``monitors`` after ``steps`` steps
    with ``sources`` on ``grid`` with relative permittivity maps ``eps`` (``{"ex", "ey", "ez"}`` →
    ``[nx, ny, nz]``) and electric conductivity ``sigma`` (S/m, a number or a ``[nx, ny, nz]`` map, as in
    :class:`physics.maxwell.Materials`), differentiable in ``eps`` and ``sigma`` by the adjoint method (module
    docstring). ``medium`` gives the rest of the medium, held fixed: ``mu_r``, PEC/PMC masks, and Drude or Lorentz
    terms (reciprocal and local, so the adjoint run in the same medium applies). The gradient is taken on ``box``
    (a slice per axis; default the grid inside the CPML) and is zero elsewhere."""
    others = [type(m).__name__ for m in monitors if not isinstance(m, DFTMonitor)]
    if others:
        raise ValueError(
            f"dft_with_adjoint records DFT monitors only, got {others}: the adjoint method differentiates DFTs. "
            "Record probes and snapshots with solvers.fdtd.run on the same simulation."
        )
    if box is None:
        box = tuple(slice(grid.absorber_cells(a)[0], n - grid.absorber_cells(a)[1]) for a, n in enumerate(grid.shape))
    for what, region in [("the design box", box)] + [(f"DFT monitor {m.name!r}", m.region) for m in monitors]:
        check_clear_of_cpml(grid, what, _spans(grid, region), REACH)
    if grid.is_bloch:
        raise ValueError("the adjoint gradient needs real fields; on a Bloch grid differentiate run() by autograd.")
    _check_no_sources_in(grid, sources, box)
    # validated and broadcast by the materials' own checks (finite, >= 0, the grid's shape), still differentiable
    sigma = Materials(sigma=sigma).tensors(grid.shape, torch.float64, "cpu")["sigma"]
    medium = medium or Materials()
    if not (_is_number(medium.eps_r, 1.0) and _is_number(medium.sigma, 0.0)):
        raise ValueError(
            "dft_with_adjoint takes the permittivity as eps and the conductivity as sigma (they are what it "
            "differentiates); medium gives the rest (mu_r, pec/pmc, Drude and Lorentz terms). Build the medium "
            "without eps_r and sigma."
        )
    maps = {c: torch.as_tensor(eps[c]).broadcast_to(grid.shape) for c in E_COMPONENTS}
    setup = (grid, steps, tuple(sources), tuple(monitors), dtype, box, medium)
    outs = _AdjointDFT.apply(setup, sigma, *maps.values())
    pieces = iter(outs)
    return {m.name: {c: next(pieces) for c in m.components} for m in monitors}


__all__ = ["dft_with_adjoint", "kick_spectrum", "ChargeFreePulse", "charge_free"]
