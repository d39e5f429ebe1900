"""Viscous Burgers' equation in 1-D.

``u_t + u u_x = ν u_xx`` on ``x ∈ [a, b]``, ``t ∈ [t0, t1]``, with ``u(x, t0) = -sin(π x)``
and ``u(a, t) = u(b, t) = 0`` (Raissi, Perdikaris & Karniadakis 2019, J. Comput. Phys. 378:686;
the standard case is ``[-1, 1] × [0, 1]`` with ``ν = 0.01/π``). Units: dimensionless.
"""

from __future__ import annotations

import math

from physics.pdes.base import PDE, Condition, interval_initial_constraint


class Burgers(PDE):
    """Burgers' equation with viscosity ``nu`` (``> 0``); inputs ``(x, t)``, output ``u``."""

    input_names = ("x", "t")
    output_names = ("u",)
    second_dims = ("x",)

    def __init__(self, nu: float = 0.01 / math.pi):
        if not (isinstance(nu, (int, float)) and nu > 0 and math.isfinite(nu)):
            raise ValueError(f"Burgers viscosity nu must be a positive finite number, got {nu!r}.")
        self.nu = float(nu)

    @staticmethod
    def initial_value(x):
        """``u(x, t0) = -sin(π x)``; ``x`` is a tensor or Jet column ``[N, 1]``."""
        return -(x * math.pi).sin()

    def residual(self, d, x):
        """``u_t + u u_x − ν u_xx`` at the points ``[N]``."""
        u = d.u("u")
        return {"pde": d.d("u", "t") + u * d.d("u", "x") - self.nu * d.d2("u", "x")}

    def conditions(self):
        """``u = 0`` on the boundary and ``u(x, 0) = −sin(πx)`` initially (soft)."""
        return [
            Condition("bc", "boundary", lambda d, x, n: d.u("u")),
            Condition("ic", "initial", lambda d, x, n: d.u("u") - self.initial_value(x[:, 0:1])[:, 0]),
        ]

    def hard_constraint(self, geometry):
        """``u = -sin(πx) + (t - t0)(x - a)(b - x) y``: exact IC and BC (needs ``sin(πa) = sin(πb) = 0``)."""
        return interval_initial_constraint(self.initial_value, geometry, problem="Burgers")

    def __repr__(self) -> str:
        return f"Burgers(nu={self.nu:g})"
