"""The 1-D Allen–Cahn equation, the stiff reaction–diffusion benchmark of PINN papers.

``u_t − d u_xx + γ (u³ − u) = 0`` on ``x ∈ [−1, 1]`` (periodic), ``t ∈ [0, 1]``, with
``u(x, 0) = x² cos(π x)``, ``d = 1e-4`` and ``γ = 5`` (Raissi, Perdikaris & Karniadakis 2019,
J. Comput. Phys. 378:686, §4.1.2; Wang, Sankaran & Perdikaris 2022, *Respecting causality is all
you need for training physics-informed neural networks*). Units: dimensionless.

Periodicity is built into the network (``model.periodic``, an exactly periodic input embedding);
the initial condition is either soft or exact through :meth:`AllenCahn.hard_constraint`.
"""

from __future__ import annotations

import math

from physics.pdes.base import PDE, Condition


class AllenCahn(PDE):
    """Inputs ``(x, t)``, output ``u``; ``diffusion`` ``d > 0`` and ``reaction`` ``γ >= 0``."""

    input_names = ("x", "t")
    output_names = ("u",)
    second_dims = ("x",)

    def __init__(self, diffusion: float = 1e-4, reaction: float = 5.0):
        if not (diffusion > 0 and math.isfinite(diffusion)):
            raise ValueError(f"Allen–Cahn diffusion must be a positive finite number, got {diffusion!r}.")
        if not (reaction >= 0 and math.isfinite(reaction)):
            raise ValueError(f"Allen–Cahn reaction must be a non-negative finite number, got {reaction!r}.")
        self.diffusion, self.reaction = float(diffusion), float(reaction)

    @staticmethod
    def initial_value(x):
        """``u(x, 0) = x² cos(π x)`` for a tensor or Jet column ``[N, 1]``."""
        return x * x * (x * math.pi).cos()

    def residual(self, d, x):
        """``u_t − D u_xx + ρ(u³ − u)`` at the points ``[N]``."""
        u = d.u("u")
        return {"pde": d.d("u", "t") - self.diffusion * d.d2("u", "x") + self.reaction * (u * u * u - u)}

    def conditions(self):
        """The initial condition (periodicity comes from the network's periodic embedding)."""
        return [Condition("ic", "initial", lambda d, x, n: d.u("u") - self.initial_value(x[:, 0:1])[:, 0])]

    def hard_constraint(self, geometry):
        """``u = u0(x) + (t − t0)·N``: the initial condition holds exactly.

        ``u0`` is periodic in value but not in slope (``u0'(±1) = ∓2``), so with this transform ``u_x`` is
        periodic only up to that kink; the shipped experiment therefore keeps the IC soft.
        """
        t0 = float(geometry.time.t0)

        def transform(x, y):
            return self.initial_value(x[:, 0:1]) + (x[:, 1:2] - t0) * y

        return transform

    def __repr__(self) -> str:
        return f"AllenCahn(diffusion={self.diffusion:g}, reaction={self.reaction:g})"
