"""Langevin dynamics by BAOAB splitting (Leimkuhler & Matthews 2013): friction ``gamma`` (1/time) at ``kT``.

With distance constraints each A (drift) is followed by SHAKE, its velocity set to the constrained
displacement, and each B and O by RATTLE: the constrained BAOAB of Leimkuhler & Matthews, Proc. R. Soc. A
472, 20160138 (2016).
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch
from torch import Tensor

from physics.forcefields.space import wrap
from solvers.md.constraints import rattle, shake
from solvers.md.integrators.state import MDState, energy_and_forces, make_init


def step_normal(state: MDState, seed: int) -> Tensor:
    """Standard normal noise ``[N, 3]`` for this step, reproducible from ``(seed, state.step)``."""
    g = torch.Generator(device=state.V.device).manual_seed(seed * 1_000_003 + state.step)
    return torch.randn(state.V.shape, generator=g, dtype=state.V.dtype, device=state.V.device)


def langevin(
    energy_fn,
    dt: float,
    kT: float,
    gamma: float = 1.0,
    box=None,
    seed: int = 0,
    differentiable: bool = False,
    constraints=None,
):
    """BAOAB Langevin dynamics at temperature ``kT`` (energy units). Returns ``(init, step)``.

    ``constraints``: :class:`solvers.md.constraints.DistanceConstraints` (SHAKE/RATTLE, see the module docstring).
    """
    c1 = math.exp(-gamma * dt)
    c2 = math.sqrt(1 - c1 * c1)
    c = constraints

    def drift(R: Tensor, V: Tensor, m: Tensor) -> tuple[Tensor, Tensor]:
        moved = R + 0.5 * dt * V
        if c is None:
            return moved, V
        moved = shake(c, moved, R, m, box)
        return moved, rattle(c, moved, (moved - R) / (0.5 * dt), m, box)

    def project(R: Tensor, V: Tensor, m: Tensor) -> Tensor:
        return V if c is None else rattle(c, R, V, m, box)

    def step(state: MDState, **kw) -> MDState:
        m = state.mass
        V = project(state.R, state.V + 0.5 * dt * state.F / m, m)  # B
        R, V = drift(state.R, V, m)  # A
        V = project(R, c1 * V + c2 * torch.sqrt(kT / m) * step_normal(state, seed), m)  # O
        R, V = drift(R, V, m)  # A
        R = wrap(R, box)
        e, f = energy_and_forces(energy_fn, R, differentiable, kw)
        V = project(R, V + 0.5 * dt * f / m, m)  # B
        return replace(state, R=R, V=V, F=f, energy=e, step=state.step + 1)

    return make_init(energy_fn, differentiable, box), step
