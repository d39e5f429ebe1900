"""Conjugate gradients for symmetric positive-definite operators, with an implicit adjoint.

``x = cg_solve(apply_A, b, params)`` solves ``A(params) x = b``. Backward does not store the
iterations: for a loss ``L(x)`` it solves the adjoint system ``A λ = ∂L/∂x`` (``A`` is
symmetric) and returns ``∂L/∂b = λ`` and ``∂L/∂θ = -λᵀ (∂A/∂θ) x`` through one vector–Jacobian
product of ``apply_A`` (implicit function theorem; Blondel et al. 2022, *Efficient and modular
implicit differentiation*). Memory is O(size of x), whatever the iteration count.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor


class ConvergenceError(RuntimeError):
    """CG did not reach the tolerance within ``max_iter`` iterations."""


def _cg(apply_A: Callable[[Tensor], Tensor], b: Tensor, x0: Tensor | None, tol: float, max_iter: int) -> Tensor:
    x = torch.zeros_like(b) if x0 is None else x0.clone()
    r = b - apply_A(x)
    p = r.clone()
    rs = torch.sum(r * r)
    bnorm = torch.sqrt(torch.sum(b * b)).clamp_min(1e-300)
    for _ in range(max_iter):
        if torch.sqrt(rs) <= tol * bnorm:
            return x
        ap = apply_A(p)
        alpha = rs / torch.sum(p * ap)
        x = x + alpha * p
        r = r - alpha * ap
        rs_new = torch.sum(r * r)
        p = r + (rs_new / rs) * p
        rs = rs_new
    if torch.sqrt(rs) <= tol * bnorm:
        return x
    raise ConvergenceError(
        f"conjugate gradient stopped at relative residual {float(torch.sqrt(rs) / bnorm):.2e} > tol={tol:g} after "
        f"{max_iter} iterations. Raise max_iter, loosen tol, or check that the operator is symmetric positive-definite."
    )


class _CGSolve(torch.autograd.Function):
    @staticmethod
    def forward(ctx, b, tol, max_iter, apply_A, n_params, *params):
        with torch.no_grad():
            x = _cg(lambda v: apply_A(v, *params), b, None, tol, max_iter)
        ctx.apply_A, ctx.tol, ctx.max_iter = apply_A, tol, max_iter
        ctx.save_for_backward(x, *params)
        return x

    @staticmethod
    def backward(ctx, grad_x):
        x, *params = ctx.saved_tensors
        with torch.no_grad():
            lam = _cg(lambda v: ctx.apply_A(v, *params), grad_x, None, ctx.tol, ctx.max_iter)
        grads_p: Sequence[Tensor | None] = [None] * len(params)
        needs = [p.requires_grad for p in params]
        if any(needs):
            with torch.enable_grad():
                ps = [p.detach().requires_grad_(n) for p, n in zip(params, needs)]
                ax = ctx.apply_A(x.detach(), *ps)
                used = [p for p, n in zip(ps, needs) if n]
                g = torch.autograd.grad(ax, used, grad_outputs=-lam, allow_unused=True)
            it = iter(g)
            grads_p = [next(it) if n else None for n in needs]
        return (lam, None, None, None, None, *grads_p)


def cg_solve(
    apply_A: Callable[..., Tensor],
    b: Tensor,
    params: Sequence[Tensor] = (),
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> Tensor:
    """Solve ``apply_A(x, *params) = b`` for SPD ``A``; differentiable in ``b`` and ``params``."""
    return _CGSolve.apply(b, tol, max_iter, apply_A, len(params), *params)
