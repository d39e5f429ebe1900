"""Implicit (backward Euler) diffusion ``(I - ν dt Δ) u^{n+1} = u^n``, unconditionally stable.

The linear system is symmetric positive-definite and solved by conjugate gradients with the
implicit adjoint (:func:`sciml.fields.cg_solve`), so gradients with respect to ``u`` and ``ν``
do not store CG iterations.
"""

from __future__ import annotations

import torch

from sciml.fields import cg_solve, laplacian


def step(u, dt: float, dx: float, nu, *, boundary: str = "periodic", tol: float = 1e-12, max_iter: int = 2000):
    """One backward-Euler step (pure). ``nu`` may be a float or a 0-d tensor."""
    nu_t = torch.as_tensor(nu, dtype=u.dtype, device=u.device)

    def apply_a(v, nu_):
        return v - nu_ * dt * laplacian(v, dx, order=2, boundary=boundary)

    return cg_solve(apply_a, u, (nu_t,), tol=tol, max_iter=max_iter)
