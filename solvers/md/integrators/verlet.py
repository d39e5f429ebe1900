"""Velocity Verlet (Swope et al. 1982): time-reversible and symplectic; the NVE integrator.

init, step = nve(energy_fn, dt, box=box)              # constraints=DistanceConstraints(...) for RATTLE
state = init(R, V, mass=1.0, neighbors=nbrs.idx)
state = step(state, neighbors=nbrs.idx)      # keyword arguments go to energy_fn
"""

from __future__ import annotations

from dataclasses import replace

from physics.forcefields.space import wrap
from solvers.md.constraints import rattle, shake
from solvers.md.integrators.state import MDState, energy_and_forces, make_init


def verlet_step(state: MDState, energy_fn, dt: float, box, differentiable: bool, kw: dict, constraints=None) -> MDState:
    """One velocity-Verlet step: half kick, drift (wrapped into ``box``), new forces, half kick.

    With ``constraints`` (:class:`solvers.md.constraints.DistanceConstraints`) this is RATTLE: SHAKE after
    the drift (the half-step velocity becomes the constrained displacement over ``dt``), RATTLE after the
    second kick (Andersen 1983)."""
    V = state.V + 0.5 * dt * state.F / state.mass
    R = state.R + dt * V
    if constraints is not None:
        R = shake(constraints, R, state.R, state.mass, box)
        V = (R - state.R) / dt
    R = wrap(R, box)
    e, f = energy_and_forces(energy_fn, R, differentiable, kw)
    V = V + 0.5 * dt * f / state.mass
    if constraints is not None:
        V = rattle(constraints, R, V, state.mass, box)
    return replace(state, R=R, V=V, F=f, energy=e, step=state.step + 1)


def nve(energy_fn, dt: float, box=None, differentiable: bool = False, constraints=None):
    """Velocity Verlet (RATTLE with ``constraints``). Returns ``(init, step)``."""

    def step(state: MDState, **kw) -> MDState:
        return verlet_step(state, energy_fn, dt, box, differentiable, kw, constraints)

    return make_init(energy_fn, differentiable, box), step
