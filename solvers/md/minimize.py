"""Energy minimisation: steepest descent and FIRE (Bitzek et al. 2006, *Phys. Rev. Lett.* 97:170201).

Both are ``(init, step)`` pairs over :class:`MinState`; :func:`minimize` loops until the largest
force component is below ``ftol`` (or ``max_steps``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from physics.forcefields.space import wrap
from solvers.md.integrators.state import energy_and_forces


@dataclass(frozen=True)
class MinState:
    """A minimiser's state: positions, forces, energy, and FIRE's velocity, step and mixing."""

    R: Tensor
    F: Tensor
    energy: Tensor
    V: Tensor | None = None
    dt: float = 0.0
    alpha: float = 0.1
    n_pos: int = 0


def steepest_descent(energy_fn, step_size: float = 1e-3, box=None):
    """``(init, step)`` moving atoms along the forces by ``step_size`` per step."""

    def init(R, **kw):
        e, f = energy_and_forces(energy_fn, R, False, kw)
        return MinState(R, f, e)

    def step(s: MinState, **kw):
        R = wrap(s.R + step_size * s.F, box)
        e, f = energy_and_forces(energy_fn, R, False, kw)
        return replace(s, R=R, F=f, energy=e)

    return init, step


def fire(
    energy_fn,
    dt_start: float = 0.005,
    dt_max: float = 0.05,
    n_min: int = 5,
    f_inc: float = 1.1,
    f_dec: float = 0.5,
    alpha_start: float = 0.1,
    f_alpha: float = 0.99,
    box=None,
):
    """``(init, step)`` of FIRE (Bitzek et al. 2006): MD with velocity mixing and an adaptive step."""

    def init(R, **kw):
        e, f = energy_and_forces(energy_fn, R, False, kw)
        return MinState(R, f, e, torch.zeros_like(R), dt_start, alpha_start, 0)

    def step(s: MinState, **kw):
        V = s.V + s.dt * s.F  # unit masses
        R = wrap(s.R + s.dt * V, box)
        e, f = energy_and_forces(energy_fn, R, False, kw)
        power = float((f * V).sum())
        vn, fn = torch.linalg.norm(V), torch.linalg.norm(f)
        V = (1 - s.alpha) * V + s.alpha * vn * f / (fn + 1e-30)
        if power > 0:
            n_pos = s.n_pos + 1
            dt, alpha = (min(s.dt * f_inc, dt_max), s.alpha * f_alpha) if n_pos > n_min else (s.dt, s.alpha)
        else:
            n_pos, dt, alpha, V = 0, s.dt * f_dec, alpha_start, torch.zeros_like(V)
        return MinState(R, f, e, V, dt, alpha, n_pos)

    return init, step


def minimize(init, step, R: Tensor, ftol: float = 1e-6, max_steps: int = 10000, **kw) -> tuple[MinState, int]:
    """Run ``step`` until ``max |F| < ftol``; returns the state and the steps taken."""
    s = init(R, **kw)
    for k in range(max_steps):
        if float(s.F.abs().max()) < ftol:
            return s, k
        s = step(s, **kw)
    return s, max_steps
