"""Explicit (forward Euler / RK) diffusion ``u_t = ν Δu`` with finite differences.

Stable for ``ν dt / dx² ≤ 1 / (2 ndim)`` (2nd-order stencil); :func:`step` warns past it.
Fields ``[batch, channels, *grid]``; boundaries as in :func:`sciml.fields.laplacian`.
"""

from __future__ import annotations

from sciml.fields import laplacian
from solvers.time_integrators import check_cfl, rk_step


def step(u, dt: float, dx: float, nu, *, boundary: str = "periodic", order: int = 2, method: str = "euler"):
    """One explicit step (pure)."""
    ndim = u.ndim - 2
    check_cfl(0.0, dx, dt, diffusivity=float(nu), ndim=ndim, scheme=f"explicit diffusion ({method})")
    return rk_step(lambda t, v: nu * laplacian(v, dx, order=order, boundary=boundary), u, 0.0, dt, method)
