"""Darcy flow in mixed form (MindFlow's PINN case): ``u + ∇p = 0``, ``∇·u = f`` on ``[0, 1]²``.

``f = 8π² sin(2πx) cos(2πy)`` with the exact solution ``p = sin(2πx) cos(2πy)``,
``u = −∇p = (−2π cos 2πx cos 2πy, 2π sin 2πx sin 2πy)``; Dirichlet data for ``u, v, p`` on the
boundary from the exact solution. MindFlow reports a relative L2 error of 0.01
(../shared/REFERENCES.md). Outputs ``(u, v, p)``; first derivatives only.
"""

from __future__ import annotations

import math

import torch

from physics.pdes.base import PDE, exact_condition

TWO_PI = 2 * math.pi


class DarcyMixed(PDE):
    """Darcy flow in mixed form ``u + ∇p = 0``, ``∇·u = f`` on ``[0, 1]²``; outputs ``(u, v, p)`` (see the module)."""

    input_names = ("x", "y")
    output_names = ("u", "v", "p")
    second_dims = ()

    def exact(self, x):
        """Exact ``(u, v, p)`` at points ``[N, 2]``: ``[N, 3]``."""
        xs, ys = x[:, 0], x[:, 1]
        return torch.stack(
            [
                -TWO_PI * torch.cos(TWO_PI * xs) * torch.cos(TWO_PI * ys),
                TWO_PI * torch.sin(TWO_PI * xs) * torch.sin(TWO_PI * ys),
                torch.sin(TWO_PI * xs) * torch.cos(TWO_PI * ys),
            ],
            1,
        )

    def residual(self, d, x):
        """Darcy's law (x, y) and mass-balance residuals, each ``[N]``."""
        f = 8 * math.pi**2 * torch.sin(TWO_PI * x[:, 0]) * torch.cos(TWO_PI * x[:, 1])
        return {
            "darcy_x": d.u("u") + d.d("p", "x"),
            "darcy_y": d.u("v") + d.d("p", "y"),
            "continuity": d.d("u", "x") + d.d("v", "y") - f,
        }

    def conditions(self):
        """Dirichlet data for ``u, v, p`` from the exact solution (soft)."""
        return [exact_condition(self)]

    def __repr__(self):
        return "DarcyMixed()"
