"""Inverse design: maximise a differentiable objective of the design variables by bounded L-BFGS-B, with the
projection sharpness ``β`` annealed in stages (the usual topology-optimisation continuation).

The objective is a Python function ``objective(x, beta) -> Tensor`` (a scalar to *maximise*, e.g. a transmission
from :class:`~solvers.fdtd.mode_ports.ModePort` coefficients); gradients come from autograd through the FDTD (the
adjoint method, computed by reverse-mode differentiation; ``checkpoint_every`` in :func:`solvers.fdtd.run` trades
recomputation for memory). Each stage runs scipy's L-BFGS-B (Byrd et al. 1995) with bounds ``0 ≤ x ≤ 1`` from the
previous stage's design.

A non-finite objective or gradient (a blown-up field, a NaN in a line search) is a recoverable fault: the evaluation
reports a value worse than anything seen with a zero gradient, so the line search backs off; it is counted in
``recoveries``. A stage whose every evaluation fails raises.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class DesignHistory:
    """What :func:`optimize_design` returns: the final variables, the objective at each evaluation with its ``β``,
    the design at the end of each stage, and the number of recovered faults."""

    x: np.ndarray
    objective: list = field(default_factory=list)
    beta: list = field(default_factory=list)
    stage_designs: list = field(default_factory=list)  # (β, x) at the end of each stage
    recoveries: int = 0
    seconds: float = 0.0


def optimize_stages(value_and_grad, x0, betas=(4.0, 8.0, 16.0, 32.0), iterations_per_stage: int = 15, callback=None):
    """Maximise ``f`` over ``x ∈ [0, 1]`` (shape of ``x0``), one L-BFGS-B stage per ``beta``, for any
    ``value_and_grad(x, beta) -> (f, ∂f/∂x)`` on NumPy arrays (our FDTD through :func:`optimize_design`, or a
    peer's solver with its own gradient)."""
    import scipy.optimize  # here, not at import: every `sciml run` loads this module's experiment

    x = np.clip(np.asarray(x0, dtype=np.float64), 0.0, 1.0)
    shape = x.shape
    if iterations_per_stage < 1 or not betas:
        raise ValueError("need at least one beta stage and iterations_per_stage >= 1.")
    hist = DesignHistory(x=x.copy())
    start = time.time()
    for beta in betas:
        good = {"worst": None, "any": False}

        def negated(flat, beta=beta, good=good):
            v, g = value_and_grad(flat.reshape(shape), beta)
            v, gn = float(v), np.asarray(g, dtype=np.float64).ravel()
            if not (np.isfinite(v) and np.all(np.isfinite(gn))):
                hist.recoveries += 1
                worst = good["worst"] if good["worst"] is not None else 0.0
                return -(worst - 1.0 - abs(worst)), np.zeros_like(flat)  # worse than anything seen, flat
            good["any"] = True
            good["worst"] = v if good["worst"] is None else min(good["worst"], v)
            hist.objective.append(v)
            hist.beta.append(beta)
            if callback is not None:
                callback(len(hist.objective), beta, v)
            return -v, -gn

        res = scipy.optimize.minimize(
            negated,
            x.ravel(),
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, 1.0)] * x.size,
            options={"maxiter": iterations_per_stage, "maxfun": 2 * iterations_per_stage + 5},
        )
        if not good["any"]:
            raise FloatingPointError(
                f"every evaluation at beta = {beta} was NaN or Inf: the simulation diverges for these designs "
                "(check the time step and the materials)."
            )
        x = np.clip(res.x.reshape(shape), 0.0, 1.0)
        hist.stage_designs.append((beta, x.copy()))
    hist.x = x
    hist.seconds = time.time() - start
    return hist


def optimize_design(
    objective,
    x0,
    betas=(4.0, 8.0, 16.0, 32.0),
    iterations_per_stage: int = 15,
    dtype=torch.float64,
    callback=None,
) -> DesignHistory:
    """Maximise the torch ``objective(x, beta)`` over ``x ∈ [0, 1]`` by :func:`optimize_stages`, gradients by
    autograd."""

    def value_and_grad(x, beta):
        xt = torch.tensor(x, dtype=dtype, requires_grad=True)
        val = objective(xt, beta)
        (g,) = torch.autograd.grad(val, xt)
        return float(val.detach()), g.detach().cpu().numpy()

    return optimize_stages(value_and_grad, x0, betas, iterations_per_stage, callback)


__all__ = ["optimize_design", "optimize_stages", "DesignHistory"]
