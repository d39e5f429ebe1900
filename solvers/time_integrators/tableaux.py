"""Explicit Runge–Kutta methods stored as Butcher tableaux (data, not code).

``y_{n+1} = y_n + dt Σ_i b_i k_i``, ``k_i = f(t_n + c_i dt, y_n + dt Σ_{j<i} a_ij k_j``.
References: Butcher (2016), *Numerical Methods for ODEs*; SSPRK3 from Shu & Osher (1988).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ButcherTableau:
    """Coefficients of an explicit RK method; ``a`` is strictly lower triangular (rows of length i)."""

    name: str
    order: int
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    c: tuple[float, ...]

    def __post_init__(self):
        s = len(self.b)
        if len(self.c) != s or len(self.a) != s or any(len(row) != i for i, row in enumerate(self.a)):
            raise ValueError(f"tableau {self.name!r} is malformed: a must have rows of length 0..{s - 1}.")
        if abs(sum(self.b) - 1) > 1e-14:
            raise ValueError(f"tableau {self.name!r}: weights b must sum to 1, got {sum(self.b)}.")


EULER = ButcherTableau("euler", 1, ((),), (1.0,), (0.0,))
HEUN = ButcherTableau("heun", 2, ((), (1.0,)), (0.5, 0.5), (0.0, 1.0))
SSPRK3 = ButcherTableau("ssprk3", 3, ((), (1.0,), (0.25, 0.25)), (1 / 6, 1 / 6, 2 / 3), (0.0, 1.0, 0.5))
RK4 = ButcherTableau(
    "rk4", 4, ((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)), (1 / 6, 1 / 3, 1 / 3, 1 / 6), (0.0, 0.5, 0.5, 1.0)
)

TABLEAUX = {t.name: t for t in (EULER, HEUN, SSPRK3, RK4)}


def get_tableau(name: str) -> ButcherTableau:
    """Look up a tableau by name (``euler``, ``heun``, ``ssprk3``, ``rk4``)."""
    if name not in TABLEAUX:
        raise ValueError(f"Unknown Runge–Kutta method {name!r}; choose one of {sorted(TABLEAUX)}.")
    return TABLEAUX[name]
