"""Approximate Riemann solvers for the 1-D Euler equations (ideal gas, ratio of heats ``gamma``).

Inputs are primitive states ``(ρ, u, p)`` stacked as ``[..., 3, m]``; outputs are fluxes
``[..., 3, m]`` of the conserved variables ``(ρ, ρu, E)``.

* HLLC: Toro, Spruce & Speares (1994); wave speeds by Davis/Einfeldt bounds (Toro 2009, §10.6).
* HLLE: Harten, Lax & van Leer (1983) with Einfeldt's (1988) speeds from the Roe average; positivity
  preserving (Einfeldt, Munz, Roe & Sjögreen 1991), so it survives strong rarefactions.
* Roe: Roe (1981) with Harten's entropy fix (Toro 2009, §11.3). The Roe linearisation is not positivity
  preserving: in a strong double rarefaction its intermediate states have negative density or pressure
  and the scheme produces NaN (Einfeldt et al. 1991). :func:`roe_hlle` uses HLLE at exactly those
  interfaces and Roe elsewhere.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _euler_flux(rho, u, p, E):
    return torch.stack([rho * u, rho * u * u + p, (E + p) * u], -2)


def total_energy(rho, u, p, gamma):
    """``E = p/(γ-1) + ½ρu²``."""
    return p / (gamma - 1) + 0.5 * rho * u * u


def hllc(left: Tensor, right: Tensor, gamma: float = 1.4) -> Tensor:
    """HLLC flux between primitive states ``left`` and ``right`` ``[..., 3, m]``."""
    rl, ul, pl = left.unbind(-2)
    rr, ur, pr = right.unbind(-2)
    El, Er = total_energy(rl, ul, pl, gamma), total_energy(rr, ur, pr, gamma)
    al, ar = torch.sqrt(gamma * pl / rl), torch.sqrt(gamma * pr / rr)
    sl = torch.minimum(ul - al, ur - ar)
    sr = torch.maximum(ul + al, ur + ar)
    s_star = (pr - pl + rl * ul * (sl - ul) - rr * ur * (sr - ur)) / (rl * (sl - ul) - rr * (sr - ur))
    fl, fr = _euler_flux(rl, ul, pl, El), _euler_flux(rr, ur, pr, Er)

    def star(r, u, p, E, s):
        c = r * (s - u) / (s - s_star)
        return torch.stack([c, c * s_star, c * (E / r + (s_star - u) * (s_star + p / (r * (s - u))))], -2)

    ul_c = torch.stack([rl, rl * ul, El], -2)
    ur_c = torch.stack([rr, rr * ur, Er], -2)
    f_star_l = fl + sl.unsqueeze(-2) * (star(rl, ul, pl, El, sl) - ul_c)
    f_star_r = fr + sr.unsqueeze(-2) * (star(rr, ur, pr, Er, sr) - ur_c)
    w = lambda c: c.unsqueeze(-2)
    return torch.where(w(sl >= 0), fl, torch.where(w(s_star >= 0), f_star_l, torch.where(w(sr > 0), f_star_r, fr)))


def _roe_average(rl, ul, pl, El, rr, ur, pr, Er, gamma):
    hl, hr = (El + pl) / rl, (Er + pr) / rr
    sl, sr = torch.sqrt(rl), torch.sqrt(rr)
    u = (sl * ul + sr * ur) / (sl + sr)
    h = (sl * hl + sr * hr) / (sl + sr)
    a = torch.sqrt(((gamma - 1) * (h - 0.5 * u * u)).clamp_min(0))
    return u, h, a, sl * sr


def _roe_waves(left: Tensor, right: Tensor, gamma: float):
    """Roe-averaged wave strengths ``α_k``, speeds ``λ_k`` and right eigenvectors ``r_k`` (Toro 2009, §11.2)."""
    rl, ul, pl = left.unbind(-2)
    rr, ur, pr = right.unbind(-2)
    El, Er = total_energy(rl, ul, pl, gamma), total_energy(rr, ur, pr, gamma)
    u, h, a, rho = _roe_average(rl, ul, pl, El, rr, ur, pr, Er, gamma)
    dr, du, dp = rr - rl, ur - ul, pr - pl
    alphas = ((dp - rho * a * du) / (2 * a * a), dr - dp / (a * a), (dp + rho * a * du) / (2 * a * a))
    lams = (u - a, u, u + a)
    one = torch.ones_like(u)
    vecs = (
        torch.stack([one, u - a, h - u * a], -2),
        torch.stack([one, u, 0.5 * u * u], -2),
        torch.stack([one, u + a, h + u * a], -2),
    )
    return (rl, ul, pl, El), (rr, ur, pr, Er), alphas, lams, vecs, a


def roe(left: Tensor, right: Tensor, gamma: float = 1.4) -> Tensor:
    """Roe flux with Harten's entropy fix between primitive states ``[..., 3, m]``.

    ``F = ½(F_L + F_R) − ½ Σ_k |λ_k|_δ α_k r_k`` with ``|λ|_δ = (λ² + δ²)/(2δ)`` for ``|λ| < δ = 0.1 a``
    (Harten 1983), which keeps sonic rarefactions from standing as expansion shocks.
    """
    (rl, ul, pl, El), (rr, ur, pr, Er), alphas, lams, vecs, a = _roe_waves(left, right, gamma)
    delta = 0.1 * a  # Harten's entropy fix width
    diss = 0
    for al, lam, r in zip(alphas, lams, vecs):
        mag = torch.where(lam.abs() < delta, (lam * lam + delta * delta) / (2 * delta), lam.abs())
        diss = diss + (al * mag).unsqueeze(-2) * r
    return 0.5 * (_euler_flux(rl, ul, pl, El) + _euler_flux(rr, ur, pr, Er)) - 0.5 * diss


def hlle(left: Tensor, right: Tensor, gamma: float = 1.4) -> Tensor:
    """HLLE flux (Einfeldt 1988): HLL with ``s_L = min(u_L − a_L, ũ − ã)``, ``s_R = max(u_R + a_R, ũ + ã)``.

    ``F = (s_R⁺ F_L − s_L⁻ F_R + s_R⁺ s_L⁻ (U_R − U_L)) / (s_R⁺ − s_L⁻)`` with ``s_L⁻ = min(s_L, 0)``,
    ``s_R⁺ = max(s_R, 0)``: positivity preserving for density and pressure under the usual CFL limit.
    """
    rl, ul, pl = left.unbind(-2)
    rr, ur, pr = right.unbind(-2)
    El, Er = total_energy(rl, ul, pl, gamma), total_energy(rr, ur, pr, gamma)
    u, _, a, _ = _roe_average(rl, ul, pl, El, rr, ur, pr, Er, gamma)
    al, ar = torch.sqrt(gamma * pl / rl), torch.sqrt(gamma * pr / rr)
    s_l = torch.minimum(torch.minimum(ul - al, u - a), torch.zeros_like(u))
    s_r = torch.maximum(torch.maximum(ur + ar, u + a), torch.zeros_like(u))
    fl, fr = _euler_flux(rl, ul, pl, El), _euler_flux(rr, ur, pr, Er)
    jump = torch.stack([rr - rl, rr * ur - rl * ul, Er - El], -2)
    w = lambda c: c.unsqueeze(-2)
    return (w(s_r) * fl - w(s_l) * fr + w(s_r * s_l) * jump) / w(s_r - s_l)


def roe_hlle(left: Tensor, right: Tensor, gamma: float = 1.4) -> Tensor:
    """Roe where its intermediate states are physical, HLLE where one has ``ρ ≤ 0`` or ``p ≤ 0``.

    Roe's solution is ``U_L + Σ_{k≤j} α_k r_k`` between waves ``j`` and ``j+1``; in a strong double rarefaction
    these lose positivity (Einfeldt et al. 1991) and Roe's flux produces NaN. Falling back to the positivity-
    preserving HLLE at those interfaces keeps Roe's sharp contacts everywhere else.
    """
    (rl, ul, pl, El), _, alphas, _, vecs, _ = _roe_waves(left, right, gamma)
    state = torch.stack([rl, rl * ul, El], -2)
    bad = torch.zeros_like(rl, dtype=torch.bool)
    for al, r in zip(alphas[:2], vecs[:2]):
        state = state + al.unsqueeze(-2) * r
        rho, mom, E = state.unbind(-2)
        p = (gamma - 1) * (E - 0.5 * mom * mom / rho)
        bad = bad | ~(rho > 0) | ~(p > 0)
    return torch.where(bad.unsqueeze(-2), hlle(left, right, gamma), roe(left, right, gamma))
