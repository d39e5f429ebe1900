"""Berendsen weak-coupling thermostat (Berendsen et al. 1984) around velocity Verlet: relaxes ``T`` to ``kT``
with time constant ``tau`` but does not sample the canonical ensemble."""

from __future__ import annotations

from dataclasses import replace

import torch

from physics.forcefields.quantities import degrees_of_freedom, kinetic_energy
from solvers.md.integrators.state import MDState
from solvers.md.integrators.verlet import nve, verlet_step


def berendsen(energy_fn, dt: float, kT: float, tau: float = 0.1, box=None, dof: int | None = None):
    """Velocity Verlet with Berendsen rescaling ``λ² = 1 + (dt/τ)(T₀/T − 1)`` (does not sample NVT exactly)."""
    init, _ = nve(energy_fn, dt, box)

    def step(state: MDState, **kw) -> MDState:
        s = verlet_step(state, energy_fn, dt, box, False, kw)
        nd = degrees_of_freedom(s.R.shape[0], dof)
        T = 2 * kinetic_energy(s.V, s.mass) / nd
        lam = torch.sqrt(torch.clamp(1 + dt / tau * (kT / T - 1), min=0.0))
        return replace(s, V=s.V * lam)

    return init, step
