"""The PINN loss as pure functions of the model, the problem and the points.

    L = Σ_k w_k · mean(r_k²)        (Raissi, Perdikaris & Karniadakis 2019)

over the interior residuals of the PDE and, where hard constraints do not impose them exactly,
the boundary and initial conditions, plus a data term for inverse problems. Nothing here holds
state: :func:`loss_terms` takes everything it reads, so it can be compiled, differentiated and
called from callbacks (RAR's :func:`residual_magnitude`) without reaching into a solver.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor

from physics.pdes.base import PDE, Condition
from sciml.autodiff import Derivatives, ValueOnly, derivatives
from solvers.pinn.adaptivity import causal_loss
from solvers.pinn.collocation import CollocationPoints
from solvers.pinn.methods import PINNMethods


def derivatives_at(model, problem: PDE, x: Tensor, engine: str, first_only: bool = False) -> Derivatives:
    """Values and the derivatives ``problem`` needs of ``model`` at points ``x [N, D]``.

    ``first_only`` skips second derivatives (boundary conditions with normal derivatives).
    """
    return derivatives(
        model,
        x,
        engine,
        second_dims=() if first_only else problem.second_dim_indices(),
        input_names=problem.input_names,
        output_names=problem.output_names,
        laplacian_only=problem.laplacian_only and not first_only,
    )


def active_conditions(problem: PDE, hard_constraints: bool) -> list[Condition]:
    """Soft conditions in the loss: all of them, or with hard constraints only those the transform does not cover."""
    return [c for c in problem.conditions() if not hard_constraints or c.with_hard_constraints]


def term_names(problem: PDE, hard_constraints: bool, has_data: bool, probe: Tensor, model, engine: str) -> list[str]:
    """Names of every loss term: the residuals (found by evaluating them on ``probe`` points), conditions, data."""
    residuals = list(problem.residual(derivatives_at(model, problem, probe, engine), probe).keys())
    return residuals + [c.name for c in active_conditions(problem, hard_constraints)] + (["data"] if has_data else [])


def residual_magnitude(model, problem: PDE, x: Tensor, engine: str) -> Tensor:
    """``Σ_k |r_k(x)|`` ``[N]`` at points ``x [N, D]`` (detached): where the PDE is least satisfied."""
    with torch.enable_grad():
        res = problem.residual(derivatives_at(model, problem, x, engine), x)
    return sum(r.detach().abs() for r in res.values())


def _mean_square(
    r: Tensor,
    x: Tensor,
    methods: PINNMethods,
    point_weights: Tensor | None,
    time_index: int | None,
    time_bounds: Sequence[float] | None,
) -> Tensor:
    sq = r * r
    if point_weights is not None:
        sq = point_weights * sq
    if not methods.causal_bins:
        return sq.mean()
    return causal_loss(
        sq, x[:, time_index], float(time_bounds[0]), float(time_bounds[1]), methods.causal_bins, methods.causal_epsilon
    )


def loss_terms(
    model,
    problem: PDE,
    points: CollocationPoints,
    methods: PINNMethods,
    *,
    engine: str,
    conditions: Sequence[Condition],
    point_weights: Tensor | None = None,
    time_bounds: Sequence[float] | None = None,
    observations=None,
) -> dict[str, Tensor]:
    """Mean-square residual of every term (0-d tensors by name) at ``points``.

    ``model`` maps ``[N, D] → [N, F]`` (hard constraints already inside it); ``conditions`` are the soft ones
    (:func:`active_conditions`); ``point_weights [N_interior]`` are self-adaptive weights; ``time_bounds =
    (t0, t1)`` for causal training; ``observations`` (``x [M, D]``, ``y [M, K]``, output names) add ``"data"``.
    """
    x = points.interior
    time_index = problem.input_names.index("t") if methods.causal_bins else None
    d = derivatives_at(model, problem, x, engine)
    terms = {
        k: _mean_square(r, x, methods, point_weights, time_index, time_bounds)
        for k, r in problem.residual(d, x).items()
    }
    for cond in conditions:
        xc = points.boundary if cond.region == "boundary" else points.initial
        if xc is None:
            raise ValueError(f"Condition {cond.name!r} needs {cond.region} points; set sampling.n_{cond.region} > 0.")
        normals = points.normals if cond.region == "boundary" else None
        if cond.derivatives:
            dc = derivatives_at(model, problem, xc, engine, first_only=True)
        else:
            dc = ValueOnly(model(xc), xc.shape[1], problem.input_names, problem.output_names)
        r = cond.residual(dc, xc, normals)
        terms[cond.name] = (r * r).mean()
    if observations is not None:
        idx = [problem.output_names.index(o) for o in observations.outputs]
        pred = model(observations.x)[:, idx]
        terms["data"] = ((pred - observations.y) ** 2).mean()
    return terms


__all__ = ["derivatives_at", "active_conditions", "term_names", "residual_magnitude", "loss_terms"]
