"""Langevin dynamics by BAOAB splitting (Leimkuhler & Matthews 2013): friction ``gamma`` (1/time) at ``kT``."""

from __future__ import annotations

import math
from dataclasses import replace

import torch
from torch import Tensor

from physics.forcefields.space import wrap
from solvers.md.integrators.state import MDState, energy_and_forces, make_init


def step_normal(state: MDState, seed: int) -> Tensor:
    """Standard normal noise ``[N, 3]`` for this step, reproducible from ``(seed, state.step)``."""
    g = torch.Generator(device=state.V.device).manual_seed(seed * 1_000_003 + state.step)
    return torch.randn(state.V.shape, generator=g, dtype=state.V.dtype, device=state.V.device)


def langevin(
    energy_fn, dt: float, kT: float, gamma: float = 1.0, box=None, seed: int = 0, differentiable: bool = False
):
    """BAOAB Langevin dynamics at temperature ``kT`` (energy units). Returns ``(init, step)``."""
    c1 = math.exp(-gamma * dt)
    c2 = math.sqrt(1 - c1 * c1)

    def step(state: MDState, **kw) -> MDState:
        V = state.V + 0.5 * dt * state.F / state.mass  # B
        R = state.R + 0.5 * dt * V  # A
        V = c1 * V + c2 * torch.sqrt(kT / state.mass) * step_normal(state, seed)  # O
        R = wrap(R + 0.5 * dt * V, box)  # A
        e, f = energy_and_forces(energy_fn, R, differentiable, kw)
        V = V + 0.5 * dt * f / state.mass  # B
        return replace(state, R=R, V=V, F=f, energy=e, step=state.step + 1)

    return make_init(energy_fn, differentiable, box), step
