"""1-D compressible Euler equations by finite volumes: WENO5 + (HLLC | HLLE | Roe | Roe–HLLE) + SSPRK3.

    ∂_t (ρ, ρu, E) + ∂_x (ρu, ρu² + p, (E + p)u) = 0,    p = (γ - 1)(E - ½ρu²)

Conserved state ``U`` ``[batch, 3, n]`` on cells of width ``dx``; transmissive boundaries
(3 ghost cells copying the edge cell). Reconstruction is WENO5 on primitive variables; where it
would produce a non-positive density or pressure at a face, that face falls back to the cell
averages (first order), the usual positivity safeguard (Zhang & Shu 2010 in spirit).
``dt`` is passed explicitly; :func:`max_stable_dt` gives the CFL-limited step. Both :func:`step`
and :func:`max_stable_dt` refuse a state with a non-finite value or a non-positive density or
pressure, naming the cell and the step (:class:`NonPhysicalStateError`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import torch
from torch import Tensor

from solvers.grid.euler.fluxes import hllc, hlle, roe, roe_hlle, total_energy
from solvers.grid.euler.weno5 import reconstruct
from solvers.time_integrators import rk_step

FLUXES = {"hllc": hllc, "hlle": hlle, "roe": roe, "roe_hlle": roe_hlle}


class NonPhysicalStateError(FloatingPointError):
    """The Euler state has NaN/Inf or a non-positive density or pressure; the message names the cell and step."""


@dataclass(frozen=True)
class EulerState:
    """Conserved variables ``U [batch, 3, n]`` at time ``t`` after ``steps`` steps."""

    U: Tensor
    t: float = 0.0
    steps: int = 0


def primitive(U: Tensor, gamma: float = 1.4) -> Tensor:
    """``(ρ, u, p)`` ``[..., 3, n]`` from conserved ``(ρ, ρu, E)``."""
    rho, mom, E = U.unbind(-2)
    u = mom / rho
    return torch.stack([rho, u, (gamma - 1) * (E - 0.5 * rho * u * u)], -2)


def conserved(W: Tensor, gamma: float = 1.4) -> Tensor:
    """``(ρ, ρu, E)`` from primitive ``(ρ, u, p)``."""
    rho, u, p = W.unbind(-2)
    return torch.stack([rho, rho * u, total_energy(rho, u, p, gamma)], -2)


def check_physical(U: Tensor, step: int, dx: float | None = None, gamma: float = 1.4, hint: str = "") -> None:
    """Raise :class:`NonPhysicalStateError` at the first cell with NaN/Inf, ``ρ ≤ 0`` or ``p ≤ 0``."""
    W = primitive(U, gamma)
    ok = torch.isfinite(U).all(-2) & (W[..., 0, :] > 0) & (W[..., 2, :] > 0)
    if bool(ok.all()):
        return
    b, i = [int(v) for v in torch.nonzero(~ok)[0]]
    rho, u, p = (float(v) for v in W[b, :, i])
    where = (
        f"cell {i}"
        + (f" (x = {(i + 0.5) * dx:.4g})" if dx is not None else "")
        + (f", batch {b}" if U.shape[0] > 1 else "")
    )
    raise NonPhysicalStateError(
        f"Euler state is not physical at {where} after step {step}: ρ = {rho:.4g}, u = {u:.4g}, p = {p:.4g}. "
        + (hint or "Use a positivity-preserving flux (flux=hlle or hllc, or roe_hlle instead of roe) or a smaller cfl.")
    )


def _positive_faces(wl: Tensor, wr: Tensor, Wp: Tensor) -> tuple[Tensor, Tensor]:
    """First-order faces where WENO5's face states have ``ρ ≤ 0`` or ``p ≤ 0`` (face k is between padded cells
    ``k + 2`` and ``k + 3``)."""
    n_faces = wl.shape[-1]
    left_cell, right_cell = Wp[..., 2 : 2 + n_faces], Wp[..., 3 : 3 + n_faces]
    bad_l = ~((wl[..., 0:1, :] > 0) & (wl[..., 2:3, :] > 0))
    bad_r = ~((wr[..., 0:1, :] > 0) & (wr[..., 2:3, :] > 0))
    return torch.where(bad_l, left_cell, wl), torch.where(bad_r, right_cell, wr)


def rhs(U: Tensor, dx: float, flux: str = "hllc", gamma: float = 1.4) -> Tensor:
    """``-∂F/∂x`` by conservative differences of interface fluxes."""
    if flux not in FLUXES:
        raise ValueError(f"flux={flux!r} is not available; choose one of {sorted(FLUXES)}.")
    W = primitive(U, gamma)
    Wp = torch.cat([W[..., :1].expand(*W.shape[:-1], 3), W, W[..., -1:].expand(*W.shape[:-1], 3)], -1)
    wl, wr = _positive_faces(*reconstruct(Wp), Wp)
    F = FLUXES[flux](wl, wr, gamma)
    return -(F[..., 1:] - F[..., :-1]) / dx


def max_stable_dt(U: Tensor, dx: float, cfl: float = 0.5, gamma: float = 1.4, step: int | None = None) -> float:
    """``cfl · dx / max(|u| + a)``: the CFL-limited step (SSPRK3 + WENO5 is stable for ``cfl ≲ 0.5``).

    Raises :class:`NonPhysicalStateError` (naming the cell) instead of returning NaN for a non-physical state.
    """
    check_physical(U, -1 if step is None else step, dx, gamma)
    W = primitive(U, gamma)
    a = torch.sqrt(gamma * W[..., 2, :] / W[..., 0, :])
    return float(cfl * dx / (W[..., 1, :].abs() + a).max())


def step(state: EulerState, dt: float, dx: float, flux: str = "hllc", gamma: float = 1.4) -> EulerState:
    """One SSPRK3 step (pure); the new state is checked (:func:`check_physical`)."""
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt!r}; use max_stable_dt(U, dx, cfl).")
    U = rk_step(lambda t, u: rhs(u, dx, flux, gamma), state.U, state.t, dt, "ssprk3")
    check_physical(U, state.steps + 1, dx, gamma)
    return replace(state, U=U, t=state.t + dt, steps=state.steps + 1)


def riemann_initial(
    n: int, left: Sequence[float], right: Sequence[float], x0: float = 0.5, gamma: float = 1.4, dtype=torch.float64
) -> tuple[Tensor, float]:
    """A Riemann problem on ``[0, 1]``: primitive ``(ρ, u, p)`` = ``left`` for ``x < x0``, ``right`` beyond.

    Returns ``U [1, 3, n]`` and ``dx``.
    """
    for side, w in (("left", left), ("right", right)):
        if len(w) != 3 or not (w[0] > 0 and w[2] > 0):
            raise ValueError(f"{side} state must be (density > 0, velocity, pressure > 0), got {list(w)}.")
    dx = 1.0 / n
    x = (torch.arange(n, dtype=dtype) + 0.5) * dx
    is_left = x < x0
    W = torch.stack(
        [torch.where(is_left, torch.full_like(x, float(a)), torch.full_like(x, float(b))) for a, b in zip(left, right)],
        0,
    )
    return conserved(W, gamma)[None], dx


def sod_initial(n: int, dtype=torch.float64) -> tuple[Tensor, float]:
    """Sod's shock tube on ``[0, 1]`` (Toro Table 4.3): ``U`` ``[1, 3, n]`` and ``dx``."""
    return riemann_initial(n, (1.0, 0.0, 1.0), (0.125, 0.0, 0.1), 0.5, dtype=dtype)
