"""Exact solution of viscous Burgers' equation by the Cole–Hopf transform.

For ``u_t + u u_x = ν u_xx`` with ``u(x, 0) = -sin(π x)`` (periodic extension), the
Cole–Hopf transform ``u = -2ν φ_x / φ`` linearises the equation to heat flow, giving

    u(x, t) = -∫ sin(π(x-η)) f(x-η) e^{-η²/4νt} dη / ∫ f(x-η) e^{-η²/4νt} dη,
    f(y) = exp(-cos(π y) / (2πν)).

With ``η = √(4νt) z`` both integrals are Gauss–Hermite integrals in ``z``. This is how the
reference data of Raissi et al. (2019) was produced (see ../shared/REFERENCES.md). The
Dirichlet conditions ``u(±1, t) = 0`` hold by symmetry.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np


def burgers_cole_hopf(x: np.ndarray, t: np.ndarray, nu: float = 0.01 / math.pi, n_quad: int = 200) -> np.ndarray:
    """``u(x, t)`` for arrays ``x``, ``t`` of equal shape (broadcast); returns the same shape, float64."""
    if not nu > 0:
        raise ValueError(f"nu must be positive, got {nu}.")
    if not 20 <= n_quad <= 250:
        raise ValueError(
            f"n_quad={n_quad} is outside [20, 250]: numpy's Gauss–Hermite weights overflow beyond 250 nodes."
        )
    x, t = np.broadcast_arrays(np.asarray(x, float), np.asarray(t, float))
    if np.any(t < 0):
        raise ValueError("Cole–Hopf solution is defined for t >= 0 only.")
    z, w = np.polynomial.hermite.hermgauss(n_quad)
    out = np.empty(x.shape)
    flat_x, flat_t, flat_o = x.ravel(), t.ravel(), out.reshape(-1)
    for s in range(0, flat_x.size, 4096):
        xs, ts = flat_x[s : s + 4096, None], flat_t[s : s + 4096, None]
        y = xs - np.sqrt(4 * nu * ts) * z[None, :]
        expo = -np.cos(np.pi * y) / (2 * np.pi * nu)
        expo -= expo.max(axis=1, keepdims=True)  # scale out exp(max); cancels in the ratio
        fw = w[None, :] * np.exp(expo)
        flat_o[s : s + 4096] = -(np.sin(np.pi * y) * fw).sum(1) / fw.sum(1)
    return out


class BurgersColeHopf:
    """Reference for the standard Burgers case on ``[-1, 1] × [0, 1]``: ``nx × nt`` grid evaluation.

    The grid matches Raissi et al.'s data set (``x = linspace(-1, 1, 256)``, ``t = linspace(0, 0.99, 100)``).
    """

    def __init__(
        self, nu: float = 0.01 / math.pi, nx: int = 256, nt: int = 100, t_max: float = 0.99, n_quad: int = 200
    ):
        self.nu, self.nx, self.nt, self.t_max, self.n_quad = float(nu), int(nx), int(nt), float(t_max), int(n_quad)

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Axes ``x [nx]`` and ``t [nt]``."""
        return np.linspace(-1.0, 1.0, self.nx), np.linspace(0.0, self.t_max, self.nt)

    def points(self) -> np.ndarray:
        """Evaluation points ``[nx * nt, 2]`` as ``(x, t)``, x varying fastest within each time."""
        x, t = self.grid()
        tt, xx = np.meshgrid(t, x, indexing="ij")
        return np.stack([xx.ravel(), tt.ravel()], 1)

    def solution(self, points: np.ndarray) -> np.ndarray:
        """Exact ``u`` at ``points [N, 2]``: ``[N, 1]``."""
        return burgers_cole_hopf(points[:, 0], points[:, 1], self.nu, self.n_quad)[:, None]

    def field_shape(self) -> tuple[int, int]:
        """``(nt, nx)``: the shape of the reference field."""
        return self.nt, self.nx


def burgers_observations(
    path: str | os.PathLike, n: int = 2000, noise: float = 0.01, nu: float = 0.01 / math.pi, seed: int = 0
) -> Path:
    """Sparse noisy observations of Burgers' exact (Cole–Hopf) solution on ``[-1, 1] × [0, 1]`` as CSV.

    ``u_obs = u + noise · std(u) · ξ`` with ``ξ ~ N(0, 1)`` (Raissi et al. 2019's noisy-data protocol).
    """
    from sciml.checkpoint import atomic_write_text

    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n)
    t = rng.uniform(0, 1, n)
    u = burgers_cole_hopf(x, t, nu)
    u = u + noise * u.std() * rng.standard_normal(n)
    rows = "\n".join(f"{a:.17g},{b:.17g},{c:.17g}" for a, b, c in zip(x, t, u))
    path = Path(path)
    atomic_write_text(path, f"x,t,u\n{rows}\n")
    return path
