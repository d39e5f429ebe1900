"""Energy minimisation by L-BFGS (Liu & Nocedal 1989) to a force tolerance, with constraints held by a stiff
penalty and restored exactly at the end, as OpenMM's LocalEnergyMinimizer does.

    U_min(R) = U(R) + ½ k_c Σ_a (|r_a| − d_a)²          (k_c: ``constraint_stiffness``, kJ/mol/nm²)

Stops when the largest force component ``max |∂U/∂R|`` falls below ``force_tolerance`` (kJ/mol/nm, the
unit OpenMM uses) or after ``max_iterations``. A line-search trial point with a non-finite energy (two atoms
thrown together) is not a failed run: the last good positions are restored, L-BFGS's memory is cleared and
the search continues with a smaller first step, up to ``max_restarts`` times.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
from torch import Tensor

from solvers.md.constraints import DistanceConstraints, shake


@dataclass(frozen=True)
class MinimizationResult:
    """Positions ``[N, 3]``, the final energy and largest force component, iterations and restarts."""

    R: Tensor
    energy: float
    max_force: float
    iterations: int
    restarts: int
    converged: bool


def _penalty(R: Tensor, c: DistanceConstraints | None, k: float, box) -> Tensor:
    if c is None or not c.index.numel():
        return R.new_zeros(())
    from physics.forcefields.space import displacement

    i, j = c.index.to(R.device).unbind(1)
    r = torch.linalg.norm(displacement(R[i], R[j], box), dim=-1)
    return 0.5 * k * ((r - c.distance.to(R)) ** 2).sum()


def minimize_lbfgs(
    energy_fn,
    R: Tensor,
    force_tolerance: float = 10.0,
    max_iterations: int = 1000,
    constraints: DistanceConstraints | None = None,
    constraint_stiffness: float = 1e6,
    mass=None,
    box=None,
    history_size: int = 20,
    max_restarts: int = 5,
) -> MinimizationResult:
    """Minimise ``energy_fn(R)`` from ``R`` (see the module docstring). ``mass`` weights the final SHAKE."""
    x = R.detach().clone().requires_grad_(True)
    best = x.detach().clone()
    restarts, lr, iterations = 0, 1.0, 0

    def objective():
        opt.zero_grad()
        e = energy_fn(x) + _penalty(x, constraints, constraint_stiffness, box)
        if torch.isfinite(e):
            e.backward()
        return e

    while True:
        opt = torch.optim.LBFGS(
            [x], lr=lr, max_iter=max_iterations - iterations, history_size=history_size, line_search_fn="strong_wolfe"
        )
        opt.param_groups[0]["tolerance_grad"] = force_tolerance  # L-BFGS stops on max |gradient|
        opt.param_groups[0]["tolerance_change"] = 0.0
        try:
            opt.step(objective)
            with torch.no_grad():
                finite = bool(torch.isfinite(x).all()) and bool(torch.isfinite(energy_fn(x)))
        except (IndexError, RuntimeError):  # torch's strong-Wolfe search breaks this way on a NaN trial point
            finite = False
        iterations += opt.state[x]["n_iter"] if x in opt.state else 0
        if finite:
            best = x.detach().clone()
            break
        if restarts >= max_restarts:
            raise FloatingPointError(
                f"minimisation hit a non-finite energy {restarts + 1} times; check the structure for clashes "
                "(two atoms on top of each other) or missing atoms."
            )
        restarts, lr = restarts + 1, lr * 0.1
        warnings.warn(
            "a line-search point had a non-finite energy; restored the last good positions, cleared L-BFGS's "
            f"memory and continued with step {lr:g}.",
            stacklevel=2,
        )
        with torch.no_grad():
            x.copy_(best)
        if iterations >= max_iterations:
            break
    with torch.enable_grad():
        Rg = best.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(energy_fn(Rg) + _penalty(Rg, constraints, constraint_stiffness, box), Rg)
    max_force = float(g.abs().max())  # of the minimised (penalised) objective
    R_out = best
    if constraints is not None and constraints.index.numel():
        R_out = shake(constraints, R_out, R_out, 1.0 if mass is None else mass, box)
    with torch.no_grad():
        e = float(energy_fn(R_out))
    return MinimizationResult(
        R_out.detach(), e, max_force, iterations, restarts, converged=max_force <= force_tolerance
    )
