"""Fitting pair-potential parameters to a target RDF by relative-entropy minimisation.

Shell, J. Chem. Phys. 129, 144108 (2008); Chaimovich & Shell, J. Chem. Phys. 134, 094112 (2011).
For a model ``U_θ`` sampled in the canonical ensemble at ``β = 1/kT``, the relative entropy of the model
from a target ensemble has the gradient and (Gauss–Newton) curvature

    ∂S_rel/∂θ  = β (⟨∂U/∂θ⟩_target − ⟨∂U/∂θ⟩_θ)
    ∂²S_rel/∂θ² ≈ β² Cov_θ(∂U/∂θ)                       (the model's fluctuation matrix)

For a pair potential the target average needs only the target's radial distribution function:

    ⟨∂U/∂θ⟩ = (N ρ / 2) ∫ g(r) ∂φ(r; θ)/∂θ 4π r² dr,

so the target enters as ``(r, g(r))`` alone: the RDF is all that is fitted. By Henderson's theorem
(1974) a pair potential is fixed by its RDF at a given density and temperature, so the minimum sits
at the parameters that generated the target. :func:`rdf_average` evaluates the integral on the bins of
:func:`~solvers.md.observables.rdf` (the same on both sides, so binning errors cancel at the fixed point);
:func:`newton_step` turns the two averages and the model's per-frame derivatives into an update.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import torch
from torch import Tensor


def rdf_average(
    r: np.ndarray,
    g: np.ndarray,
    n_atoms: int,
    volume: float,
    f: Callable[[Tensor], Tensor],
    cutoff: float | None = None,
) -> Tensor:
    """``(N ρ / 2) Σ_bins g f(r) ΔV_shell`` for a pair quantity ``f(r)`` (tensor-valued, e.g. ``∂φ/∂θ`` ``[..., P]``).

    ``r`` are bin centres of width ``r[1] − r[0]``; bins beyond ``cutoff`` are left out.
    """
    dr = float(r[1] - r[0])
    keep = np.ones_like(r, dtype=bool) if cutoff is None else r < cutoff
    rr = torch.as_tensor(r[keep], dtype=torch.float64)
    shell = 4 / 3 * math.pi * ((rr + dr / 2) ** 3 - (rr - dr / 2) ** 3)
    w = torch.as_tensor(g[keep], dtype=torch.float64) * shell * (n_atoms * n_atoms / volume / 2)
    vals = f(rr)
    return (w.reshape(-1, *([1] * (vals.ndim - 1))) * vals).sum(0)


def pair_parameter_derivatives(phi: Callable[..., Tensor], theta: Tensor) -> Callable[[Tensor], Tensor]:
    """``r ↦ ∂φ(r; θ)/∂θ`` ``[len(r), P]`` for ``phi(r, *theta)``, by autograd."""

    th = theta.detach().clone()

    def f(r: Tensor) -> Tensor:
        return torch.func.jacrev(lambda t: phi(r, *t))(th)

    return f


def newton_step(
    target_mean: Tensor,
    model_mean: Tensor,
    model_frames: Sequence[Tensor] | Tensor,
    kT: float,
    damping: float = 1.0,
    max_relative_step: float = 0.1,
    theta: Tensor | None = None,
) -> Tensor:
    """``Δθ = −damping · H⁻¹ ∂S_rel/∂θ`` with ``H = β² Cov(∂U/∂θ)`` over the model frames ``[F, P]``.

    Each component is capped at ``max_relative_step · |θ|`` (trust region) when ``theta`` is given.
    """
    beta = 1.0 / kT
    grad = beta * (target_mean - model_mean)
    X = torch.as_tensor(
        torch.stack(list(model_frames)) if not torch.is_tensor(model_frames) else model_frames, dtype=torch.float64
    )
    H = beta * beta * torch.cov(X.T).reshape(len(grad), len(grad))
    H = H + 1e-9 * torch.eye(len(grad), dtype=H.dtype) * float(H.diagonal().abs().max())
    step = -damping * torch.linalg.solve(H, grad)
    if theta is not None:
        cap = max_relative_step * theta.abs()
        step = torch.maximum(torch.minimum(step, cap), -cap)
    return step
