"""Incompressible Navier–Stokes in 2-D for PINNs: the lid-driven cavity and the unsteady,
parameterised form used for the cylinder-wake inverse problem.

Steady (cavity): ``(u·∇)u + ∇p − (1/Re) Δu = 0``, ``∇·u = 0`` on ``[0, 1]²``, ``u = (1, 0)`` on the lid
``y = 1``, no slip elsewhere (Ghia, Ghia & Shin 1982, J. Comput. Phys. 48:387).

Unsteady, parameterised (Raissi, Perdikaris & Karniadakis 2019, J. Comput. Phys. 378:686, §4.2.1):
``u_t + λ₁ (u·∇)u + ∇p − λ₂ Δu = 0``, ``∇·u = 0``; ``λ₁ = 1`` and ``λ₂ = ν = 1/Re`` are the
coefficients an inverse run identifies from velocity data. Units: dimensionless (lengths in cylinder
diameters or cavity widths, velocities in the free-stream or lid speed).
"""

from __future__ import annotations

import math

import torch

from physics.pdes.base import PDE, Condition


def _momentum(d, lam1, lam2, unsteady: bool):
    u, v = d.u("u"), d.u("v")
    res = {}
    for name, comp, dim in (("momentum_x", "u", "x"), ("momentum_y", "v", "y")):
        r = lam1 * (u * d.d(comp, "x") + v * d.d(comp, "y")) + d.d("p", dim) - lam2 * d.laplacian(comp, ("x", "y"))
        res[name] = r + d.d(comp, "t") if unsteady else r
    res["continuity"] = d.d("u", "x") + d.d("v", "y")
    return res


class LidDrivenCavity(PDE):
    """Steady cavity flow at Reynolds number ``re`` with lid speed ``lid``; inputs ``(x, y)``, outputs ``(u, v, p)``.

    The boundary condition is soft (the lid's corners make the data discontinuous). The pressure is
    fixed only up to a constant, so compare velocities.
    """

    input_names = ("x", "y")
    output_names = ("u", "v", "p")
    second_dims = ("x", "y")

    def __init__(self, re: float = 100.0, lid: float = 1.0, top: float = 1.0):
        if not (re > 0 and math.isfinite(re)):
            raise ValueError(f"Reynolds number must be positive and finite, got {re!r}.")
        self.re, self.lid, self.top = float(re), float(lid), float(top)

    def residual(self, d, x):
        """Steady momentum (x, y) and continuity residuals at ``Re``, each ``[N]``."""
        return _momentum(d, 1.0, 1.0 / self.re, unsteady=False)

    def conditions(self):
        """No slip on the walls and the moving lid ``u = lid`` on top."""

        def wall(d, x, n):
            on_lid = (x[:, 1] >= self.top - 1e-6).to(x.dtype)  # 1e-6: float32 points on the lid
            return torch.stack([d.u("u") - self.lid * on_lid, d.u("v")], 1)

        return [Condition("bc", "boundary", wall)]

    def __repr__(self) -> str:
        return f"LidDrivenCavity(re={self.re:g}, lid={self.lid:g})"


class NavierStokes2D(PDE):
    """Unsteady 2-D Navier–Stokes with coefficients ``lambda1`` (convection) and ``lambda2`` (viscosity).

    Inputs ``(x, y, t)``, outputs ``(u, v, p)``. No conditions: an inverse run fits velocity data.
    """

    input_names = ("x", "y", "t")
    output_names = ("u", "v", "p")
    second_dims = ("x", "y")

    def __init__(self, lambda1: float = 1.0, lambda2: float = 0.01):
        self.lambda1, self.lambda2 = lambda1, lambda2

    def residual(self, d, x):
        """Unsteady momentum (x, y) and continuity residuals with coefficients ``λ₁``, ``λ₂``."""
        return _momentum(d, self.lambda1, self.lambda2, unsteady=True)

    def __repr__(self) -> str:
        return f"NavierStokes2D(lambda1={float(self.lambda1):g}, lambda2={float(self.lambda2):g})"
