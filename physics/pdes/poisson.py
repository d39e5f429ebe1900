"""Poisson's equation ``-Δu = f`` with Dirichlet data.

The built-in case is the manufactured solution ``u = sin(πx) sin(πy)`` on ``[0, 1]²``
(``f = 2π² sin(πx) sin(πy)``, ``u = 0`` on the boundary), the usual PINN step benchmark.
"""

from __future__ import annotations

import math

import torch

from physics.pdes.base import PDE, Condition


class PoissonSine2D(PDE):
    """``-(u_xx + u_yy) = 2π² sin(πx) sin(πy)`` on ``[0, 1]²``, ``u = 0`` on the boundary."""

    input_names = ("x", "y")
    output_names = ("u",)
    second_dims = ("x", "y")
    laplacian_only = True

    @staticmethod
    def exact(x: torch.Tensor) -> torch.Tensor:
        """``sin(πx) sin(πy)`` at points ``[N, 2]``: ``[N]``."""
        return torch.sin(math.pi * x[:, 0]) * torch.sin(math.pi * x[:, 1])

    def residual(self, d, x):
        """``Δu + 2π² sin(πx) sin(πy)`` ``[N]``."""
        f = 2 * math.pi**2 * self.exact(x)
        return {"pde": d.laplacian("u") + f}

    def conditions(self):
        """``u = 0`` on the boundary (soft)."""
        return [Condition("bc", "boundary", lambda d, x, n: d.u("u"))]

    def __repr__(self) -> str:
        return "PoissonSine2D()"
