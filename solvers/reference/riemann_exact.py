"""Exact solution of the Riemann problem for the 1-D Euler equations (ideal gas).

Newton iteration for the star pressure ``p*`` from the pressure functions ``f_L + f_R + Δu = 0``,
then sampling of the self-similar solution at ``ξ = (x - x0)/t``. Toro (2009), *Riemann Solvers
and Numerical Methods for Fluid Dynamics*, 3rd ed., ch. 4 (Sod's test: Table 4.3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StarState:
    """The star region of a Riemann problem: pressure ``p``, velocity ``u`` and densities either side."""

    p: float
    u: float
    rho_l: float
    rho_r: float


def _f(p, rho, pk, gamma):
    a = math.sqrt(gamma * pk / rho)
    if p > pk:  # shock
        A, B = 2 / ((gamma + 1) * rho), (gamma - 1) / (gamma + 1) * pk
        f = (p - pk) * math.sqrt(A / (p + B))
        df = math.sqrt(A / (B + p)) * (1 - (p - pk) / (2 * (B + p)))
    else:  # rarefaction
        f = 2 * a / (gamma - 1) * ((p / pk) ** ((gamma - 1) / (2 * gamma)) - 1)
        df = 1 / (rho * a) * (p / pk) ** (-(gamma + 1) / (2 * gamma))
    return f, df


def star_state(left, right, gamma: float = 1.4, tol: float = 1e-14) -> StarState:
    """``(p*, u*, ρ*_L, ρ*_R)`` for primitive states ``(ρ, u, p)`` on each side."""
    (rl, ul, pl), (rr, ur, pr) = left, right
    if min(rl, rr, pl, pr) <= 0:
        raise ValueError("densities and pressures of both states must be positive.")
    p = max(tol, 0.5 * (pl + pr))
    for _ in range(100):
        fl, dfl = _f(p, rl, pl, gamma)
        fr, dfr = _f(p, rr, pr, gamma)
        p_new = max(tol, p - (fl + fr + ur - ul) / (dfl + dfr))
        if abs(p_new - p) / (0.5 * (p_new + p)) < tol:
            p = p_new
            break
        p = p_new
    u = 0.5 * (ul + ur) + 0.5 * (_f(p, rr, pr, gamma)[0] - _f(p, rl, pl, gamma)[0])

    def rho_star(rho, pk):
        g = (gamma - 1) / (gamma + 1)
        return rho * ((p / pk + g) / (g * p / pk + 1)) if p > pk else rho * (p / pk) ** (1 / gamma)

    return StarState(p, u, rho_star(rl, pl), rho_star(rr, pr))


def sample(left, right, x: np.ndarray, t: float, x0: float = 0.5, gamma: float = 1.4) -> np.ndarray:
    """Primitive ``(ρ, u, p)`` ``[3, len(x)]`` of the exact solution at time ``t > 0``."""
    (rl, ul, pl), (rr, ur, pr) = left, right
    s = star_state(left, right, gamma)
    out = np.empty((3, len(x)))
    for i, xi in enumerate((np.asarray(x) - x0) / t):
        if xi <= s.u:  # left of contact
            a = math.sqrt(gamma * pl / rl)
            if s.p > pl:
                sh = ul - a * math.sqrt((gamma + 1) / (2 * gamma) * s.p / pl + (gamma - 1) / (2 * gamma))
                out[:, i] = (rl, ul, pl) if xi < sh else (s.rho_l, s.u, s.p)
            else:
                a_star = a * (s.p / pl) ** ((gamma - 1) / (2 * gamma))
                if xi < ul - a:
                    out[:, i] = (rl, ul, pl)
                elif xi > s.u - a_star:
                    out[:, i] = (s.rho_l, s.u, s.p)
                else:
                    c = 2 / (gamma + 1) + (gamma - 1) / ((gamma + 1) * a) * (ul - xi)
                    out[:, i] = (
                        rl * c ** (2 / (gamma - 1)),
                        2 / (gamma + 1) * (a + (gamma - 1) / 2 * ul + xi),
                        pl * c ** (2 * gamma / (gamma - 1)),
                    )
        else:
            a = math.sqrt(gamma * pr / rr)
            if s.p > pr:
                sh = ur + a * math.sqrt((gamma + 1) / (2 * gamma) * s.p / pr + (gamma - 1) / (2 * gamma))
                out[:, i] = (rr, ur, pr) if xi > sh else (s.rho_r, s.u, s.p)
            else:
                a_star = a * (s.p / pr) ** ((gamma - 1) / (2 * gamma))
                if xi > ur + a:
                    out[:, i] = (rr, ur, pr)
                elif xi < s.u + a_star:
                    out[:, i] = (s.rho_r, s.u, s.p)
                else:
                    c = 2 / (gamma + 1) - (gamma - 1) / ((gamma + 1) * a) * (ur - xi)
                    out[:, i] = (
                        rr * c ** (2 / (gamma - 1)),
                        2 / (gamma + 1) * (-a + (gamma - 1) / 2 * ur + xi),
                        pr * c ** (2 * gamma / (gamma - 1)),
                    )
    return out
