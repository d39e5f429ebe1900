"""Molecular-dynamics integrators as ``(init, step)`` pairs over a frozen :class:`MDState`.

    init, step = nve(energy_fn, dt, box=box)
    state = init(R, V, mass=1.0, pairs=nbrs.pairs)
    state = step(state, pairs=nbrs.pairs)       # keyword arguments go to energy_fn

- :func:`nve` — velocity Verlet (Swope et al. 1982), time-reversible and symplectic.
- :func:`langevin` — BAOAB splitting (Leimkuhler & Matthews 2013), friction ``gamma`` (1/time).
- :func:`nose_hoover_chain` — NVT with a chain of ``M`` thermostats (Martyna, Klein & Tuckerman 1992);
  :func:`nhc_conserved` gives the conserved extended energy.
- :func:`berendsen` and :func:`csvr` — weak-coupling and stochastic velocity rescaling (Bussi, Donadio &
  Parrinello 2007) thermostats around velocity Verlet.

Forces come from ``energy_fn`` by autograd. With ``differentiable=True`` the step keeps the graph
(gradients of trajectories with respect to positions, velocities and force-field parameters);
otherwise forces are detached, which is faster. Units: any consistent set (reduced LJ by default,
``k_B = 1``); pass ``kB`` for real units (e.g. 0.0019872 kcal/mol/K).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import Tensor

from physics.forcefields.quantities import kinetic_energy
from physics.forcefields.space import wrap


@dataclass(frozen=True)
class MDState:
    R: Tensor  # positions [N, 3]
    V: Tensor  # velocities [N, 3]
    F: Tensor  # forces [N, 3]
    energy: Tensor  # potential energy (0-d)
    mass: Tensor  # [N, 1] or 0-d
    step: int = 0
    thermostat: Any = None  # integrator-specific (chain momenta, seeds)


def _ef(energy_fn, R: Tensor, differentiable: bool, kw: dict) -> tuple[Tensor, Tensor]:
    if differentiable:  # keep the graph: gradients flow to R's history and to the force field's parameters
        Rg = R if R.requires_grad else R.detach().requires_grad_(True)
        e = energy_fn(Rg, **kw)
        (g,) = torch.autograd.grad(e, Rg, create_graph=True)
        return e, -g
    fast = getattr(energy_fn, "energy_and_forces", None)  # fused analytic path (dense neighbour lists)
    if fast is not None:
        return fast(R, **kw)
    with torch.enable_grad():
        Rg = R.detach().requires_grad_(True)
        e = energy_fn(Rg, **kw)
        (g,) = torch.autograd.grad(e, Rg)
    return e.detach(), -g


def _mass(mass, R: Tensor) -> Tensor:
    m = torch.as_tensor(mass, dtype=R.dtype, device=R.device)
    if m.ndim == 1:
        m = m.reshape(-1, 1)
    if bool((m <= 0).any()):
        raise ValueError("masses must be positive.")
    return m


class NonFiniteState(FloatingPointError):
    """Positions, velocities or forces became NaN/Inf; the message names the step and the first bad atom."""


def check_state(state: MDState) -> MDState:
    """Raise :class:`NonFiniteState` naming the step and atom if anything is NaN/Inf; return ``state``."""
    for name in ("R", "V", "F"):
        t = getattr(state, name)
        bad = ~torch.isfinite(t).all(-1)
        if bool(bad.any()):
            atom = int(torch.nonzero(bad)[0])
            raise NonFiniteState(f"non-finite {dict(R='position', V='velocity', F='force')[name]} of atom {atom} at "
                                 f"step {state.step}; reduce dt or check the initial configuration for overlaps.")
    if not bool(torch.isfinite(state.energy)):
        raise NonFiniteState(f"non-finite potential energy at step {state.step}.")
    return state


def _closest_pair(R: Tensor, box) -> tuple[int, int, float]:
    from physics.forcefields.space import displacement

    n = R.shape[0]
    i, j = torch.triu_indices(n, n, 1, device=R.device)
    d = torch.linalg.norm(displacement(R[i], R[j], box), dim=-1)
    k = int(torch.argmin(d))
    return int(i[k]), int(j[k]), float(d[k])


def _init(energy_fn, differentiable, box=None):
    def init(R: Tensor, V: Tensor | None = None, mass=1.0, thermostat=None, **kw) -> MDState:
        if R.ndim != 2 or R.shape[1] != 3:
            raise ValueError(f"positions must be [N, 3], got {tuple(R.shape)}.")
        if not bool(torch.isfinite(R).all()):
            raise ValueError(f"positions contain NaN/Inf (atom {int(torch.nonzero(~torch.isfinite(R).all(-1))[0])}).")
        if box is not None:
            b = torch.as_tensor(box).to(R)
            outside = ((R < 0) | (R >= b)).any(-1)
            if bool(outside.any()):
                import warnings

                warnings.warn(f"{int(outside.sum())} atoms (first: atom {int(torch.nonzero(outside)[0])}) lie outside the "
                              "periodic box; they were wrapped into it.", stacklevel=2)
                R = wrap(R, b)
        V = torch.zeros_like(R) if V is None else V
        if V.shape != R.shape:
            raise ValueError(f"velocities {tuple(V.shape)} must match positions {tuple(R.shape)}.")
        e, f = _ef(energy_fn, R, differentiable, kw)
        if not bool(torch.isfinite(e)) or not bool(torch.isfinite(f).all()):
            if R.shape[0] > 1 and R.shape[0] <= 20000:
                i, j, r = _closest_pair(R.detach(), torch.as_tensor(box).to(R) if box is not None else None)
                raise ValueError(f"the initial energy is not finite: atoms {i} and {j} are {r:.3g} apart (overlapping). "
                                 "Separate them (e.g. minimise with FIRE using a soft potential first).")
            raise ValueError("the initial energy or forces are not finite; check for overlapping atoms.")
        return MDState(R, V, f, e, _mass(mass, R), 0, thermostat)

    return init


def _verlet(state: MDState, energy_fn, dt: float, box, differentiable: bool, kw: dict) -> MDState:
    V = state.V + 0.5 * dt * state.F / state.mass
    R = wrap(state.R + dt * V, box)
    e, f = _ef(energy_fn, R, differentiable, kw)
    V = V + 0.5 * dt * f / state.mass
    return replace(state, R=R, V=V, F=f, energy=e, step=state.step + 1)


def nve(energy_fn, dt: float, box=None, differentiable: bool = False):
    """Velocity Verlet. Returns ``(init, step)``."""

    def step(state: MDState, **kw) -> MDState:
        return _verlet(state, energy_fn, dt, box, differentiable, kw)

    return _init(energy_fn, differentiable, box), step


def _normal(state: MDState, seed: int) -> Tensor:
    g = torch.Generator(device=state.V.device).manual_seed(seed * 1_000_003 + state.step)
    return torch.randn(state.V.shape, generator=g, dtype=state.V.dtype, device=state.V.device)


def langevin(energy_fn, dt: float, kT: float, gamma: float = 1.0, box=None, seed: int = 0, differentiable: bool = False):
    """BAOAB Langevin dynamics at temperature ``kT`` (energy units). Returns ``(init, step)``."""
    c1 = math.exp(-gamma * dt)
    c2 = math.sqrt(1 - c1 * c1)

    def step(state: MDState, **kw) -> MDState:
        V = state.V + 0.5 * dt * state.F / state.mass  # B
        R = state.R + 0.5 * dt * V  # A
        V = c1 * V + c2 * torch.sqrt(kT / state.mass) * _normal(state, seed)  # O
        R = wrap(R + 0.5 * dt * V, box)  # A
        e, f = _ef(energy_fn, R, differentiable, kw)
        V = V + 0.5 * dt * f / state.mass  # B
        return replace(state, R=R, V=V, F=f, energy=e, step=state.step + 1)

    return _init(energy_fn, differentiable, box), step


@dataclass(frozen=True)
class ChainState:
    xi: Tensor  # thermostat positions [M]
    p: Tensor  # thermostat momenta [M]
    Q: Tensor  # masses [M]


def nose_hoover_chain(energy_fn, dt: float, kT: float, tau: float = 0.5, chain: int = 3, box=None,
                      dof: int | None = None, differentiable: bool = False):
    """Nosé–Hoover chain NVT (``Q₁ = N_dof kT τ²``, ``Q_j = kT τ²``). Returns ``(init, step)``."""
    base_init = _init(energy_fn, differentiable, box)

    def init(R, V=None, mass=1.0, **kw):
        s = base_init(R, V, mass, **kw)
        nd = 3 * R.shape[0] - 3 if dof is None else dof
        Q = torch.full((chain,), kT * tau * tau, dtype=R.dtype, device=R.device)
        Q[0] = nd * kT * tau * tau
        z = torch.zeros(chain, dtype=R.dtype, device=R.device)
        return replace(s, thermostat=ChainState(z, z.clone(), Q))

    def half(state: MDState) -> MDState:
        c = state.thermostat
        nd = 3 * state.R.shape[0] - 3 if dof is None else dof
        p, Q, xi = c.p.clone(), c.Q, c.xi.clone()
        ke2 = 2 * kinetic_energy(state.V, state.mass)
        M = p.shape[0]
        dt2, dt4, dt8 = dt / 2, dt / 4, dt / 8

        def force(j, ke2_):
            return (ke2_ - nd * kT) if j == 0 else (p[j - 1] ** 2 / Q[j - 1] - kT)

        p[M - 1] = p[M - 1] + force(M - 1, ke2) * dt4
        for j in range(M - 2, -1, -1):
            s = torch.exp(-p[j + 1] / Q[j + 1] * dt8)
            p[j] = (p[j] * s + force(j, ke2) * dt4) * s
        scale = torch.exp(-p[0] / Q[0] * dt2)
        ke2 = ke2 * scale * scale
        xi = xi + p / Q * dt2
        for j in range(M - 1):
            s = torch.exp(-p[j + 1] / Q[j + 1] * dt8)
            p[j] = (p[j] * s + force(j, ke2) * dt4) * s
        p[M - 1] = p[M - 1] + force(M - 1, ke2) * dt4
        return replace(state, V=state.V * scale, thermostat=ChainState(xi, p, Q))

    def step(state: MDState, **kw) -> MDState:
        s = half(state)
        s = _verlet(s, energy_fn, dt, box, differentiable, kw)
        return half(s)

    return init, step


def nhc_conserved(state: MDState, kT: float, dof: int | None = None) -> Tensor:
    """``KE + U + Σ p²/2Q + N_dof kT ξ₁ + kT Σ_{j>1} ξ_j``: constant along an exact NHC trajectory."""
    c = state.thermostat
    nd = 3 * state.R.shape[0] - 3 if dof is None else dof
    return (kinetic_energy(state.V, state.mass) + state.energy + (c.p**2 / (2 * c.Q)).sum()
            + nd * kT * c.xi[0] + kT * c.xi[1:].sum())


def berendsen(energy_fn, dt: float, kT: float, tau: float = 0.1, box=None, dof: int | None = None):
    """Velocity Verlet with Berendsen rescaling ``λ² = 1 + (dt/τ)(T₀/T − 1)`` (does not sample NVT exactly)."""
    init, _ = nve(energy_fn, dt, box)

    def step(state: MDState, **kw) -> MDState:
        s = _verlet(state, energy_fn, dt, box, False, kw)
        nd = 3 * s.R.shape[0] - 3 if dof is None else dof
        T = 2 * kinetic_energy(s.V, s.mass) / nd
        lam = torch.sqrt(torch.clamp(1 + dt / tau * (kT / T - 1), min=0.0))
        return replace(s, V=s.V * lam)

    return init, step


def csvr(energy_fn, dt: float, kT: float, tau: float = 0.1, box=None, seed: int = 0, dof: int | None = None):
    """Velocity Verlet with canonical stochastic velocity rescaling (Bussi et al. 2007, eq. A7)."""
    init, _ = nve(energy_fn, dt, box)

    def step(state: MDState, **kw) -> MDState:
        s = _verlet(state, energy_fn, dt, box, False, kw)
        nd = 3 * s.R.shape[0] - 3 if dof is None else dof
        K = kinetic_energy(s.V, s.mass)
        K_bar = 0.5 * nd * kT
        c = math.exp(-dt / tau)
        g = torch.Generator(device=s.V.device).manual_seed(seed * 1_000_003 + s.step)
        r = torch.randn(nd, generator=g, dtype=s.V.dtype, device=s.V.device)
        r1, rest = r[0], (r[1:] ** 2).sum()
        K_new = c * K + (1 - c) * K_bar * (r1 * r1 + rest) / nd + 2 * r1 * torch.sqrt(c * (1 - c) * K * K_bar / nd)
        return replace(s, V=s.V * torch.sqrt(K_new / K))

    return init, step


def maxwell_boltzmann(n: int, kT: float, mass=1.0, seed: int = 0, dtype=torch.float64, device=None) -> Tensor:
    """Velocities ``[n, 3]`` at exactly ``kT`` (``N_dof = 3n − 3``) with zero total momentum."""
    g = torch.Generator().manual_seed(seed)
    m = torch.as_tensor(mass, dtype=dtype)
    m = m.reshape(-1, 1) if m.ndim else m
    V = torch.randn(n, 3, generator=g, dtype=dtype) / torch.sqrt(m)
    V = V - (m * V).sum(0) / (m * torch.ones(n, 1, dtype=dtype)).sum(0)
    T = 2 * kinetic_energy(V, m) / (3 * n - 3)
    return (V * torch.sqrt(kT / T)).to(device=device)
