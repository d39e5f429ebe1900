"""Nosé–Hoover chain NVT (Martyna, Klein & Tuckerman 1992): ``M`` chained thermostats around velocity Verlet.

:func:`nhc_conserved` gives the extended energy that an exact trajectory conserves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from physics.forcefields.quantities import degrees_of_freedom, kinetic_energy
from solvers.md.integrators.state import MDState, make_init
from solvers.md.integrators.verlet import verlet_step


@dataclass(frozen=True)
class ChainState:
    """Positions ``xi``, momenta ``p`` and masses ``Q`` of the ``M`` chained thermostats."""

    xi: Tensor  # thermostat positions [M]
    p: Tensor  # thermostat momenta [M]
    Q: Tensor  # masses [M]


def nose_hoover_chain(
    energy_fn,
    dt: float,
    kT: float,
    tau: float = 0.5,
    chain: int = 3,
    box=None,
    dof: int | None = None,
    differentiable: bool = False,
):
    """Nosé–Hoover chain NVT (``Q₁ = N_dof kT τ²``, ``Q_j = kT τ²``). Returns ``(init, step)``."""
    base_init = make_init(energy_fn, differentiable, box)

    def init(R, V=None, mass=1.0, **kw):
        s = base_init(R, V, mass, **kw)
        nd = degrees_of_freedom(R.shape[0], dof)
        Q = torch.full((chain,), kT * tau * tau, dtype=R.dtype, device=R.device)
        Q[0] = nd * kT * tau * tau
        z = torch.zeros(chain, dtype=R.dtype, device=R.device)
        return replace(s, thermostat=ChainState(z, z.clone(), Q))

    def half(state: MDState) -> MDState:
        c = state.thermostat
        nd = degrees_of_freedom(state.R.shape[0], dof)
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
        s = verlet_step(s, energy_fn, dt, box, differentiable, kw)
        return half(s)

    return init, step


def nhc_conserved(state: MDState, kT: float, dof: int | None = None) -> Tensor:
    """``KE + U + Σ p²/2Q + N_dof kT ξ₁ + kT Σ_{j>1} ξ_j``: constant along an exact NHC trajectory."""
    c = state.thermostat
    nd = degrees_of_freedom(state.R.shape[0], dof)
    return (
        kinetic_energy(state.V, state.mass)
        + state.energy
        + (c.p**2 / (2 * c.Q)).sum()
        + nd * kT * c.xi[0]
        + kT * c.xi[1:].sum()
    )
