"""Time-domain Maxwell equations in 2-D (TE: Ex, Ey, Hz) with a point source, for PINNs.

Normalised units (length L, time L/c, ε = μ = 1, H scaled by η0 so that E and H share units):

    ∂Ex/∂t = ∂Hz/∂y,   ∂Ey/∂t = −∂Hz/∂x,   ∂Hz/∂t = −(∂Ey/∂x − ∂Ex/∂y) − M(x, y, t)

with a magnetic-current point source smoothed to a Gaussian of width ``s``,
``M = g(t) exp(−|x − x0|²/(2s²)) / (2π s²)``, ``g(t) = exp(−((t − t0)/τ)²) sin(2π f (t − t0))``
(a modulated Gaussian pulse), zero initial fields (exact: outputs are multiplied by ``t``), and first-order
Mur absorbing conditions ``∂u/∂t + ∂u/∂n = 0`` for every component on the boundary. This follows
MindElec's point-source case (REFERENCES.md: source at (0.4975, 0.4975), 1 GHz, 4 ns, Mur boundaries) in
normalised form; ``solvers.fdtd`` with a CPML supplies the open-domain reference.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from physics.pdes.base import PDE, Condition


class Maxwell2DPointSource(PDE):
    """2-D TE Maxwell with a Gaussian-modulated point source, for PINNs (MindElec's case, normalised).

    ``∂E_x/∂t = ∂H_z/∂y``, ``∂E_y/∂t = −∂H_z/∂x``, ``∂H_z/∂t = −(∂E_y/∂x − ∂E_x/∂y) − M`` with ``c = 1``;
    inputs ``(x, y, t)``, outputs ``(Ex, Ey, Hz)``, zero initial fields, first-order Mur conditions."""

    input_names = ("x", "y", "t")
    output_names = ("Ex", "Ey", "Hz")
    second_dims = ()

    def __init__(
        self,
        x0: float = 0.4975,
        y0: float = 0.4975,
        width: float = 0.03,
        frequency: float = 3.0,
        tau: float = 0.12,
        t0: float = 0.3,
        lower=(0.0, 0.0),
        upper=(1.0, 1.0),
    ):
        self.x0, self.y0, self.width, self.frequency, self.tau, self.t0 = x0, y0, width, frequency, tau, t0
        self.lower, self.upper = tuple(map(float, lower)), tuple(map(float, upper))

    def pulse(self, t):
        """Source time profile ``exp(−((t − t₀)/τ)²) sin(2πf (t − t₀))``."""
        return torch.exp(-(((t - self.t0) / self.tau) ** 2)) * torch.sin(2 * math.pi * self.frequency * (t - self.t0))

    def source(self, x):
        """``M(x, y, t)`` at points ``[N, 3]``: ``[N]``."""
        r2 = (x[:, 0] - self.x0) ** 2 + (x[:, 1] - self.y0) ** 2
        return self.pulse(x[:, 2]) * torch.exp(-r2 / (2 * self.width**2)) / (2 * math.pi * self.width**2)

    def sample_focus(self, n: int, geometry, seed: int) -> np.ndarray:
        """``n`` points ``[n, 3]`` around the source for ``sampling.n_focus``: ``(x, y)`` normal about ``(x0, y0)``
        with standard deviation ``2s`` (clipped to the geometry's space), ``t`` uniform over its time span."""
        rng = np.random.default_rng(seed)
        space, time = getattr(geometry, "space", None), getattr(geometry, "time", None)
        if space is None or time is None:
            raise ValueError(f"focus sampling needs a space-time geometry (SpaceTime), got {type(geometry).__name__}.")
        xy = rng.normal([self.x0, self.y0], 2 * self.width, size=(n, 2))
        xy = np.clip(xy, np.asarray(space.lower, float), np.asarray(space.upper, float))
        t = rng.uniform(time.t0, time.t1, size=(n, 1))
        return np.concatenate([xy, t], 1)

    def residual(self, d, x):
        """Ampère (x, y) and Faraday residuals, each ``[N]``."""
        return {
            "ampere_x": d.d("Ex", "t") - d.d("Hz", "y"),
            "ampere_y": d.d("Ey", "t") + d.d("Hz", "x"),
            "faraday": d.d("Hz", "t") + d.d("Ey", "x") - d.d("Ex", "y") + self.source(x),
        }

    def conditions(self):
        """Zero initial fields and first-order Mur absorbing conditions on the boundary."""

        def mur(d, x, n):
            parts = [d.d(o, "t") + n[:, 0] * d.d(o, "x") + n[:, 1] * d.d(o, "y") for o in self.output_names]
            return torch.stack(parts, 1)

        return [Condition("mur", "boundary", mur, derivatives=True, with_hard_constraints=True)]

    def hard_constraint(self, geometry):
        """``u = t · N``: the fields start at exactly zero."""
        return lambda x, y: x[:, 2:3] * y

    def __repr__(self):
        return f"Maxwell2DPointSource(x0={self.x0}, y0={self.y0}, f={self.frequency}, width={self.width})"
