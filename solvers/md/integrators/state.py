"""The MD state shared by every integrator, the force evaluation, and the checks of a state.

:class:`MDState` is frozen: each integrator step returns a new one. Forces come from ``energy_fn``
by autograd (:func:`energy_and_forces`); with ``differentiable=True`` the graph is kept (gradients
of trajectories with respect to positions, velocities and force-field parameters), otherwise
forces are detached, which is faster. :func:`make_init` builds the ``init`` half of every
``(init, step)`` pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from physics.forcefields.space import wrap


@dataclass(frozen=True)
class MDState:
    """Positions, velocities and forces ``[N, 3]``, potential energy, masses, the step count and the
    integrator's own state (thermostat chain, random seeds, box of a barostat)."""

    R: Tensor  # positions [N, 3]
    V: Tensor  # velocities [N, 3]
    F: Tensor  # forces [N, 3]
    energy: Tensor  # potential energy (0-d)
    mass: Tensor  # [N, 1] or 0-d
    step: int = 0
    thermostat: Any = None  # integrator-specific (chain momenta, seeds)


def energy_and_forces(energy_fn, R: Tensor, differentiable: bool, kw: dict) -> tuple[Tensor, Tensor]:
    """``(U, F = −∂U/∂R)`` of ``energy_fn(R, **kw)``; the fused analytic path when the energy offers one."""
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


def positive_mass(mass, R: Tensor) -> Tensor:
    """``mass`` as a tensor broadcastable to ``R [N, 3]`` (``[N, 1]`` or 0-d); refuses non-positive masses."""
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
            raise NonFiniteState(
                f"non-finite {dict(R='position', V='velocity', F='force')[name]} of atom {atom} at "
                f"step {state.step}; reduce dt or check the initial configuration for overlaps."
            )
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


def make_init(energy_fn, differentiable: bool, box=None):
    """``init(R, V=None, mass=1.0, thermostat=None, **energy_kwargs) -> MDState`` with checked inputs."""

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

                warnings.warn(
                    f"{int(outside.sum())} atoms (first: atom {int(torch.nonzero(outside)[0])}) lie outside the "
                    "periodic box; they were wrapped into it.",
                    stacklevel=2,
                )
                R = wrap(R, b)
        V = torch.zeros_like(R) if V is None else V
        if V.shape != R.shape:
            raise ValueError(f"velocities {tuple(V.shape)} must match positions {tuple(R.shape)}.")
        e, f = energy_and_forces(energy_fn, R, differentiable, kw)
        if not bool(torch.isfinite(e)) or not bool(torch.isfinite(f).all()):
            if R.shape[0] > 1 and R.shape[0] <= 20000:
                i, j, r = _closest_pair(R.detach(), torch.as_tensor(box).to(R) if box is not None else None)
                raise ValueError(
                    f"the initial energy is not finite: atoms {i} and {j} are {r:.3g} apart (overlapping). "
                    "Separate them (e.g. minimise with FIRE using a soft potential first)."
                )
            raise ValueError("the initial energy or forces are not finite; check for overlapping atoms.")
        return MDState(R, V, f, e, positive_mass(mass, R), 0, thermostat)

    return init
