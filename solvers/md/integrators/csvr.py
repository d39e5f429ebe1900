"""Canonical stochastic velocity rescaling (Bussi, Donadio & Parrinello 2007, eq. A7) around velocity Verlet."""

from __future__ import annotations

import math
from dataclasses import replace

import torch

from physics.forcefields.quantities import degrees_of_freedom, kinetic_energy
from solvers.md.integrators.state import MDState
from solvers.md.integrators.verlet import nve, verlet_step


def csvr(energy_fn, dt: float, kT: float, tau: float = 0.1, box=None, seed: int = 0, dof: int | None = None):
    """Velocity Verlet with canonical stochastic velocity rescaling (Bussi et al. 2007, eq. A7)."""
    init, _ = nve(energy_fn, dt, box)

    def step(state: MDState, **kw) -> MDState:
        s = verlet_step(state, energy_fn, dt, box, False, kw)
        nd = degrees_of_freedom(s.R.shape[0], dof)
        K = kinetic_energy(s.V, s.mass)
        K_bar = 0.5 * nd * kT
        c = math.exp(-dt / tau)
        g = torch.Generator(device=s.V.device).manual_seed(seed * 1_000_003 + s.step)
        r = torch.randn(nd, generator=g, dtype=s.V.dtype, device=s.V.device)
        r1, rest = r[0], (r[1:] ** 2).sum()
        K_new = c * K + (1 - c) * K_bar * (r1 * r1 + rest) / nd + 2 * r1 * torch.sqrt(c * (1 - c) * K * K_bar / nd)
        return replace(s, V=s.V * torch.sqrt(K_new / K))

    return init, step
