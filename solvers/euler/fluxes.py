"""Approximate Riemann solvers for the 1-D Euler equations (ideal gas, ratio of heats ``gamma``).

Inputs are primitive states ``(ρ, u, p)`` stacked as ``[..., 3, m]``; outputs are fluxes
``[..., 3, m]`` of the conserved variables ``(ρ, ρu, E)``.

* HLLC: Toro, Spruce & Speares (1994); wave speeds by Davis/Einfeldt bounds (Toro 2009, §10.6).
* Roe: Roe (1981) with Harten's entropy fix (Toro 2009, §11.3).
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
    w = lambda c: c.unsqueeze(-2)  # noqa: E731
    return torch.where(w(sl >= 0), fl, torch.where(w(s_star >= 0), f_star_l, torch.where(w(sr > 0), f_star_r, fr)))


def roe(left: Tensor, right: Tensor, gamma: float = 1.4) -> Tensor:
    """Roe flux with Harten's entropy fix between primitive states ``[..., 3, m]``."""
    rl, ul, pl = left.unbind(-2)
    rr, ur, pr = right.unbind(-2)
    El, Er = total_energy(rl, ul, pl, gamma), total_energy(rr, ur, pr, gamma)
    hl, hr = (El + pl) / rl, (Er + pr) / rr
    sl, sr = torch.sqrt(rl), torch.sqrt(rr)
    u = (sl * ul + sr * ur) / (sl + sr)
    h = (sl * hl + sr * hr) / (sl + sr)
    a = torch.sqrt((gamma - 1) * (h - 0.5 * u * u))
    dr, du, dp = rr - rl, ur - ul, pr - pl
    rho = sl * sr
    alphas = ((dp - rho * a * du) / (2 * a * a), dr - dp / (a * a), (dp + rho * a * du) / (2 * a * a))
    lams = (u - a, u, u + a)
    vecs = (torch.stack([torch.ones_like(u), u - a, h - u * a], -2), torch.stack([torch.ones_like(u), u, 0.5 * u * u], -2),
            torch.stack([torch.ones_like(u), u + a, h + u * a], -2))
    delta = 0.1 * a  # Harten's entropy fix width
    diss = 0
    for al, lam, r in zip(alphas, lams, vecs):
        mag = torch.where(lam.abs() < delta, (lam * lam + delta * delta) / (2 * delta), lam.abs())
        diss = diss + (al * mag).unsqueeze(-2) * r
    return 0.5 * (_euler_flux(rl, ul, pl, El) + _euler_flux(rr, ur, pr, Er)) - 0.5 * diss
