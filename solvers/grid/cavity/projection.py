"""Lid-driven cavity: incompressible Navier–Stokes by Chorin's projection on a staggered (MAC) grid.

    u_t + (u·∇)u = -∇p + (1/Re) Δu,   ∇·u = 0   on [0, 1]², lid u = 1 at y = 1, no slip elsewhere.

MAC layout on ``n × n`` cells (``h = 1/n``): ``u`` on vertical faces ``[n+1, n]``, ``v`` on
horizontal faces ``[n, n+1]``, ``p`` at cell centres ``[n, n]``. Each step: explicit Euler
predictor with 2nd-order central advection and diffusion (wall ghosts ``u_ghost = 2 u_wall - u``),
then a pressure Poisson solve with zero-flux walls (exact DCT solver, :func:`sciml.fields.solve_poisson`)
and the projection ``u ← u* - dt ∇p`` (Chorin 1968; Harlow & Welch 1965).
Validated against Ghia, Ghia & Shin (1982), Table I.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import Tensor

from sciml.fields import mac_divergence, mac_gradient, solve_poisson
from solvers.time_integrators import check_cfl


@dataclass(frozen=True)
class CavityState:
    """MAC-grid velocities ``u [n+1, n]``, ``v [n, n+1]``, pressure ``p [n, n]`` and time ``t``."""

    u: Tensor  # [n+1, n]
    v: Tensor  # [n, n+1]
    p: Tensor  # [n, n]
    t: float = 0.0


def initial_state(n: int, dtype=torch.float64) -> CavityState:
    """Fluid at rest on ``n × n`` cells."""
    if n < 8:
        raise ValueError(f"cavity grid needs at least 8 cells per side, got n={n}.")
    return CavityState(
        torch.zeros(n + 1, n, dtype=dtype), torch.zeros(n, n + 1, dtype=dtype), torch.zeros(n, n, dtype=dtype)
    )


def _pad_u(u: Tensor, lid: float) -> Tensor:
    """``u`` with ghost rows below (no slip) and above (lid): ``[n+1, n+2]``."""
    return torch.cat([-u[:, :1], u, 2 * lid - u[:, -1:]], 1)


def _pad_v(v: Tensor) -> Tensor:
    """``v`` with ghost columns left and right (no slip): ``[n+2, n+1]``."""
    return torch.cat([-v[:1], v, -v[-1:]], 0)


def divergence(u: Tensor, v: Tensor, h: float) -> Tensor:
    """Cell-centred ``∇·u`` ``[n, n]`` (the MAC divergence of :mod:`sciml.fields.staggered`)."""
    return mac_divergence([u[None], v[None]], h)[0]


def step(state: CavityState, dt: float, re: float, lid: float = 1.0) -> CavityState:
    """One projection step (pure)."""
    u, v = state.u, state.v
    n = v.shape[0]
    h = 1.0 / n
    nu = 1.0 / re
    up, vp = _pad_u(u, lid), _pad_v(v)
    # u-momentum at interior u-faces i = 1..n-1 (all j)
    uc = u[1:-1]
    ux = (u[2:] - u[:-2]) / (2 * h)
    uy = (up[1:-1, 2:] - up[1:-1, :-2]) / (2 * h)
    v_at_u = 0.25 * (v[:-1, :-1] + v[1:, :-1] + v[:-1, 1:] + v[1:, 1:])
    lap_u = (u[2:] - 2 * uc + u[:-2]) / h**2 + (up[1:-1, 2:] - 2 * uc + up[1:-1, :-2]) / h**2
    u_star = u.clone()
    u_star[1:-1] = uc + dt * (-(uc * ux + v_at_u * uy) + nu * lap_u)
    # v-momentum at interior v-faces f = 1..n-1 (all c)
    vc = v[:, 1:-1]
    vy = (v[:, 2:] - v[:, :-2]) / (2 * h)
    vx = (vp[2:, 1:-1] - vp[:-2, 1:-1]) / (2 * h)
    u_at_v = 0.25 * (u[:-1, :-1] + u[1:, :-1] + u[:-1, 1:] + u[1:, 1:])
    lap_v = (vp[2:, 1:-1] - 2 * vc + vp[:-2, 1:-1]) / h**2 + (v[:, 2:] - 2 * vc + v[:, :-2]) / h**2
    v_star = v.clone()
    v_star[:, 1:-1] = vc + dt * (-(u_at_v * vx + vc * vy) + nu * lap_v)
    # projection
    rhs = divergence(u_star, v_star, h) / dt
    p = solve_poisson((rhs - rhs.mean())[None, None], h, "neumann")[0, 0]
    gx, gy = mac_gradient(p[None], h)  # zero on the wall faces: no-penetration is kept
    return replace(state, u=u_star - dt * gx[0], v=v_star - dt * gy[0], p=p, t=state.t + dt)


def stable_dt(n: int, re: float, lid: float = 1.0, safety: float = 0.8) -> float:
    """``safety × min(h/|U|, Re h²/4)``: the advective and viscous limits of the explicit predictor."""
    h = 1.0 / n
    return safety * min(h / abs(lid), re * h * h / 4)


def solve_steady(
    n: int, re: float, *, tol: float = 1e-6, max_steps: int = 200_000, dt: float | None = None, callback=None
) -> CavityState:
    """March to steady state: stop when ``max|Δu|/dt < tol``."""
    dt = stable_dt(n, re) if dt is None else dt
    check_cfl(1.0, 1.0 / n, dt, diffusivity=1.0 / re, ndim=2, scheme="the explicit cavity predictor")
    s = initial_state(n)
    for k in range(1, max_steps + 1):
        new = step(s, dt, re)
        change = float(torch.maximum((new.u - s.u).abs().max(), (new.v - s.v).abs().max())) / dt
        s = new
        if not np.isfinite(change):
            raise FloatingPointError(f"cavity run became non-finite at step {k}; reduce dt (now {dt:g}).")
        if callback is not None:
            callback(k, s, change)
        if change < tol:
            return s
    raise RuntimeError(
        f"cavity did not reach steady state (max|du/dt| = {change:.2e} > tol={tol:g}) in {max_steps} steps."
    )


def centreline_u(state: CavityState, y: np.ndarray, lid: float = 1.0) -> np.ndarray:
    """``u(0.5, y)`` by linear interpolation of the face values on ``x = 0.5`` (``n`` even)."""
    n = state.v.shape[0]
    if n % 2:
        raise ValueError("centreline_u needs an even n so that a column of u-faces lies on x = 0.5.")
    col = state.u[n // 2].detach().cpu().numpy()
    yc = (np.arange(n) + 0.5) / n
    ys = np.concatenate([[0.0], yc, [1.0]])
    us = np.concatenate([[0.0], col, [lid]])
    return np.interp(y, ys, us)
