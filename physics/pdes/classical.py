"""Classical PDE benchmarks with exact solutions (the PINN suite's reference cases).

Each class gives ``residual(d, x)``, soft ``conditions()`` from its exact solution, and
``exact(x)`` (``[N, F]``) for evaluation. Units are dimensionless.

* :class:`Heat1D` — ``u_t = α u_xx`` on ``[0, 1] × [0, T]``, ``u = sin(πx) e^{−απ²t}``.
* :class:`Wave1D` — ``u_tt = c² u_xx``, ``u = sin(πx) cos(cπt) + ½ sin(3πx) cos(3cπt)``
  (standing waves, fixed ends).
* :class:`Helmholtz2D` — ``Δu + k²u = f`` on ``[−1, 1]²`` with ``u = sin(a₁πx) sin(a₂πy)``
  (Wang, Teng & Perdikaris 2021). Avoid ``k² ≈ (a₁² + a₂²)π²``: near resonance ``f`` is
  tiny next to ``Δu`` and a PINN stalls at ``u = 0``.
* :class:`Kovasznay` — steady Navier–Stokes at ``Re`` (Kovasznay 1948): ``u = 1 − e^{λx} cos 2πy``,
  ``v = λ/(2π) e^{λx} sin 2πy``, ``p = ½(1 − e^{2λx})``, ``λ = Re/2 − sqrt(Re²/4 + 4π²)``.
* :class:`PoissonManufactured` — ``−Δu = f`` on any 2-D geometry with ``u = sin(πx) sin(πy) + x² − y``;
  used on disks and polygons with Dirichlet data imposed softly. (An ADF hard constraint
  ``u = g + φ·N`` needs an extension ``g`` of the boundary data; for a manufactured solution the
  only closed-form extension is the solution itself, which would make the test trivial.)
"""

from __future__ import annotations

import math

import torch

from physics.pdes.base import PDE, Condition, exact_condition, interval_initial_constraint


class Heat1D(PDE):
    """``u_t = α u_xx`` on ``[0, 1] × [0, T]``; exact ``u = sin(πx) e^{−απ²t}``."""

    input_names = ("x", "t")
    output_names = ("u",)
    second_dims = ("x",)

    def __init__(self, alpha: float = 0.1):
        if not alpha > 0:
            raise ValueError(f"diffusivity alpha must be positive, got {alpha}.")
        self.alpha = float(alpha)

    def exact(self, x):
        """Exact ``u`` at points ``[N, 2]``: ``[N, 1]``."""
        return (torch.sin(math.pi * x[:, 0]) * torch.exp(-self.alpha * math.pi**2 * x[:, 1]))[:, None]

    def residual(self, d, x):
        """``u_t − α u_xx`` ``[N]``."""
        return {"pde": d.d("u", "t") - self.alpha * d.d2("u", "x")}

    def conditions(self):
        """Dirichlet boundary and initial data from the exact solution (soft)."""
        return [exact_condition(self, "bc", "boundary"), exact_condition(self, "ic", "initial")]

    def hard_constraint(self, geometry):
        """``u = sin(πx) + t·x(1 − x)·N`` on ``[0, 1]`` (exact IC and BC)."""
        return lambda x, y: (x[:, 0:1] * math.pi).sin() + x[:, 1:2] * (x[:, 0:1] * (1 - x[:, 0:1])) * y

    def __repr__(self):
        return f"Heat1D(alpha={self.alpha:g})"


class Wave1D(PDE):
    """``u_tt = c² u_xx`` with fixed ends; exact ``u = sin(πx) cos(cπt) + ½ sin(3πx) cos(3cπt)``."""

    input_names = ("x", "t")
    output_names = ("u",)
    second_dims = ("x", "t")

    def __init__(self, c: float = 1.0):
        if not c > 0:
            raise ValueError(f"wave speed c must be positive, got {c}.")
        self.c = float(c)

    def exact(self, x):
        """Exact ``u`` at points ``[N, 2]``: ``[N, 1]``."""
        xs, t = x[:, 0], x[:, 1]
        c = self.c
        return (
            torch.sin(math.pi * xs) * torch.cos(c * math.pi * t)
            + 0.5 * torch.sin(3 * math.pi * xs) * torch.cos(3 * c * math.pi * t)
        )[:, None]

    def residual(self, d, x):
        """``u_tt − c² u_xx`` ``[N]``."""
        return {"pde": d.d2("u", "t") - self.c**2 * d.d2("u", "x")}

    def initial_value(self, xs):
        """``u(x, 0) = sin(πx) + ½ sin(3πx)`` ``[N, 1]`` at ``xs`` ``[N, 1]`` (a tensor or a Jet column)."""
        return (xs * math.pi).sin() + 0.5 * (xs * (3 * math.pi)).sin()

    def hard_constraint(self, geometry):
        """``u = u₀(x) + (t − t₀)² (x − a)(b − x) y``: exact ends, displacement and zero velocity at ``t₀``.

        The square makes ``∂u/∂t`` vanish at ``t₀`` whatever the network ``y`` does, so only the PDE
        residual is left to train (Lagaris, Likas & Fotiadis 1998; Lu et al. 2021, SIAM J. Sci. Comput.
        43, B1105). Needs ``u₀`` to vanish at both ends: integer end points.
        """
        return interval_initial_constraint(self.initial_value, geometry, problem="the wave equation", time_power=2)

    def conditions(self):
        """Fixed ends, the initial displacement and zero initial velocity (soft)."""
        return [
            exact_condition(self, "bc", "boundary"),
            exact_condition(self, "ic", "initial"),
            Condition("ic_velocity", "initial", lambda d, x, n: d.d("u", "t"), derivatives=True),
        ]

    def __repr__(self):
        return f"Wave1D(c={self.c:g})"


class Helmholtz2D(PDE):
    """``Δu + k²u = f`` on ``[−1, 1]²`` with exact ``u = sin(a₁πx) sin(a₂πy)`` (Wang, Teng & Perdikaris 2021)."""

    input_names = ("x", "y")
    output_names = ("u",)
    second_dims = ("x", "y")
    laplacian_only = True

    def __init__(self, k: float = 4.0, a1: float = 1.0, a2: float = 4.0):
        self.k, self.a1, self.a2 = float(k), float(a1), float(a2)

    def exact(self, x):
        """Exact ``u`` at points ``[N, 2]``: ``[N, 1]``."""
        return (torch.sin(self.a1 * math.pi * x[:, 0]) * torch.sin(self.a2 * math.pi * x[:, 1]))[:, None]

    def residual(self, d, x):
        """``Δu + k²u − f`` ``[N]``."""
        u = self.exact(x)[:, 0]
        f = (self.k**2 - (self.a1**2 + self.a2**2) * math.pi**2) * u
        return {"pde": d.laplacian("u") + self.k**2 * d.u("u") - f}

    def conditions(self):
        """Dirichlet data from the exact solution (soft)."""
        return [exact_condition(self, "bc", "boundary")]

    def hard_constraint(self, geometry):
        """``u = (1 − x²)(1 − y²)·N`` on ``[−1, 1]²`` (the exact solution vanishes on the boundary)."""
        return lambda x, y: (1 - x[:, 0:1] * x[:, 0:1]) * (1 - x[:, 1:2] * x[:, 1:2]) * y

    def __repr__(self):
        return f"Helmholtz2D(k={self.k:g}, a1={self.a1:g}, a2={self.a2:g})"


class Kovasznay(PDE):
    """Steady 2-D Navier–Stokes at ``Re`` with Kovasznay's (1948) exact flow; outputs ``(u, v, p)``."""

    input_names = ("x", "y")
    output_names = ("u", "v", "p")
    second_dims = ("x", "y")

    def __init__(self, re: float = 20.0):
        self.re = float(re)
        self.lam = self.re / 2 - math.sqrt(self.re**2 / 4 + 4 * math.pi**2)

    def exact(self, x):
        """Exact ``(u, v, p)`` at points ``[N, 2]``: ``[N, 3]``."""
        lam, xs, ys = self.lam, x[:, 0], x[:, 1]
        e = torch.exp(lam * xs)
        return torch.stack(
            [
                1 - e * torch.cos(2 * math.pi * ys),
                lam / (2 * math.pi) * e * torch.sin(2 * math.pi * ys),
                0.5 * (1 - torch.exp(2 * lam * xs)),
            ],
            1,
        )

    def residual(self, d, x):
        """Momentum (x, y) and continuity residuals, each ``[N]``."""
        u, v = d.u("u"), d.u("v")
        nu = 1.0 / self.re
        return {
            "momentum_x": u * d.d("u", "x") + v * d.d("u", "y") + d.d("p", "x") - nu * d.laplacian("u"),
            "momentum_y": u * d.d("v", "x") + v * d.d("v", "y") + d.d("p", "y") - nu * d.laplacian("v"),
            "continuity": d.d("u", "x") + d.d("v", "y"),
        }

    def conditions(self):
        """Dirichlet data for ``u``, ``v`` and ``p`` (pinning ``p``'s free constant, as DeepXDE's example does)."""
        return [exact_condition(self)]

    def __repr__(self):
        return f"Kovasznay(re={self.re:g})"


class PoissonManufactured(PDE):
    """``−Δu = f`` on any 2-D geometry with exact ``u = sin(πx) sin(πy) + x² − y``."""

    input_names = ("x", "y")
    output_names = ("u",)
    second_dims = ("x", "y")
    laplacian_only = True

    def exact(self, x):
        """Exact ``u`` at points ``[N, 2]``: ``[N, 1]``."""
        xs, ys = x[:, 0], x[:, 1]
        return (torch.sin(math.pi * xs) * torch.sin(math.pi * ys) + xs * xs - ys)[:, None]

    @staticmethod
    def source(x):
        """``f = −Δu`` at points ``[N, 2]``: ``[N]``."""
        return 2 * math.pi**2 * torch.sin(math.pi * x[:, 0]) * torch.sin(math.pi * x[:, 1]) - 2.0

    def residual(self, d, x):
        """``Δu + f`` ``[N]``."""
        return {"pde": d.laplacian("u") + self.source(x)}

    def conditions(self):
        """Dirichlet data from the exact solution (soft)."""
        return [exact_condition(self, "bc", "boundary")]

    def __repr__(self):
        return "PoissonManufactured()"
