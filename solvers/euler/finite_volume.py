"""1-D compressible Euler equations by finite volumes: WENO5 + (HLLC | Roe) + SSPRK3.

    ∂_t (ρ, ρu, E) + ∂_x (ρu, ρu² + p, (E + p)u) = 0,    p = (γ - 1)(E - ½ρu²)

Conserved state ``U`` ``[batch, 3, n]`` on cells of width ``dx``; transmissive boundaries
(3 ghost cells copying the edge cell). Reconstruction is WENO5 on primitive variables.
``dt`` is passed explicitly; :func:`max_stable_dt` gives the CFL-limited step.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from solvers.euler.fluxes import hllc, roe, total_energy
from solvers.euler.weno5 import reconstruct
from solvers.time_integrators import rk_step

FLUXES = {"hllc": hllc, "roe": roe}


@dataclass(frozen=True)
class EulerState:
    U: Tensor
    t: float = 0.0


def primitive(U: Tensor, gamma: float = 1.4) -> Tensor:
    """``(ρ, u, p)`` ``[..., 3, n]`` from conserved ``(ρ, ρu, E)``."""
    rho, mom, E = U.unbind(-2)
    u = mom / rho
    return torch.stack([rho, u, (gamma - 1) * (E - 0.5 * rho * u * u)], -2)


def conserved(W: Tensor, gamma: float = 1.4) -> Tensor:
    """``(ρ, ρu, E)`` from primitive ``(ρ, u, p)``."""
    rho, u, p = W.unbind(-2)
    return torch.stack([rho, rho * u, total_energy(rho, u, p, gamma)], -2)


def rhs(U: Tensor, dx: float, flux: str = "hllc", gamma: float = 1.4) -> Tensor:
    """``-∂F/∂x`` by conservative differences of interface fluxes."""
    if flux not in FLUXES:
        raise ValueError(f"flux={flux!r} is not available; choose one of {sorted(FLUXES)}.")
    W = primitive(U, gamma)
    Wp = torch.cat([W[..., :1].expand(*W.shape[:-1], 3), W, W[..., -1:].expand(*W.shape[:-1], 3)], -1)
    wl, wr = reconstruct(Wp)
    F = FLUXES[flux](wl, wr, gamma)
    return -(F[..., 1:] - F[..., :-1]) / dx


def max_stable_dt(U: Tensor, dx: float, cfl: float = 0.5, gamma: float = 1.4) -> float:
    """``cfl · dx / max(|u| + a)``: the CFL-limited step (SSPRK3 + WENO5 is stable for ``cfl ≲ 0.5``)."""
    W = primitive(U, gamma)
    a = torch.sqrt(gamma * W[..., 2, :] / W[..., 0, :])
    return float(cfl * dx / (W[..., 1, :].abs() + a).max())


def step(state: EulerState, dt: float, dx: float, flux: str = "hllc", gamma: float = 1.4) -> EulerState:
    """One SSPRK3 step (pure)."""
    U = rk_step(lambda t, u: rhs(u, dx, flux, gamma), state.U, state.t, dt, "ssprk3")
    return replace(state, U=U, t=state.t + dt)


def sod_initial(n: int, dtype=torch.float64) -> tuple[Tensor, float]:
    """Sod's shock tube on ``[0, 1]`` (Toro Table 4.3): ``U`` ``[1, 3, n]`` and ``dx``."""
    dx = 1.0 / n
    x = (torch.arange(n, dtype=dtype) + 0.5) * dx
    left = x < 0.5
    W = torch.stack([torch.where(left, 1.0, 0.125), torch.zeros_like(x), torch.where(left, 1.0, 0.1)], 0)
    return conserved(W)[None], dx
