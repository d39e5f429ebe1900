"""One explicit Runge–Kutta step from a Butcher tableau.

``rhs(t, y)`` returns ``dy/dt`` with the shape of ``y`` (a tensor or a tuple of tensors).
"""

from __future__ import annotations

from typing import Callable, Union

from torch import Tensor

from solvers.time_integrators.tableaux import ButcherTableau, get_tableau

State = Union[Tensor, tuple]


def _axpy(y, ks, coeffs, dt):
    """``y + dt Σ coeff_j k_j`` for tensors or tuples of tensors."""
    if isinstance(y, tuple):
        return tuple(_axpy(yi, [k[i] for k in ks], coeffs, dt) for i, yi in enumerate(y))
    out = y
    for a, k in zip(coeffs, ks):
        if a != 0.0:
            out = out + (dt * a) * k
    return out


def rk_step(
    rhs: Callable[[float, State], State], y: State, t: float, dt: float, method: str | ButcherTableau = "rk4"
) -> State:
    """Advance ``y`` from ``t`` to ``t + dt`` with the explicit RK ``method``."""
    tab = get_tableau(method) if isinstance(method, str) else method
    ks: list = []
    for i, ci in enumerate(tab.c):
        yi = _axpy(y, ks, tab.a[i], dt) if i else y
        ks.append(rhs(t + ci * dt, yi))
    return _axpy(y, ks, tab.b, dt)
