"""Reference for cavity-flow PINNs: our MAC projection solver at steady state, plus Ghia's table.

``points()`` are the ``n × n`` cell centres of ``[0, 1]²`` and ``solution()`` the steady velocity
``(u, v)`` there (face values averaged); ``output_columns = (0, 1)`` tells the evaluator to compare
the network's ``u`` and ``v`` only (the pressure is defined up to a constant). ``metrics()`` adds the
error along the vertical centreline against Ghia, Ghia & Shin (1982), Table I (Re = 100 only).
"""

from __future__ import annotations

import numpy as np

from solvers.grid.cavity import solve_steady

GHIA_RE100_Y = np.array([1.0, 0.9766, 0.9531, 0.8516, 0.7344, 0.6172, 0.5, 0.4531, 0.2813, 0.1719, 0.1016, 0.0625])
GHIA_RE100_U = np.array(
    [1.0, 0.84123, 0.68717, 0.23151, 0.00332, -0.13641, -0.20581, -0.21090, -0.15662, -0.10150, -0.06434, -0.04192]
)


class CavityReference:
    """Steady lid-driven cavity at ``re`` on an ``n × n`` MAC grid (``n`` even)."""

    output_columns = (0, 1)

    def __init__(self, re: float = 100.0, n: int = 64, tol: float = 1e-5):
        if int(n) % 2:
            raise ValueError(f"CavityReference needs an even n (a column of faces on x = 0.5), got {n}.")
        self.re, self.n, self.tol = float(re), int(n), float(tol)
        self._state = None

    def state(self):
        """The steady cavity flow (solved once, then cached)."""
        if self._state is None:
            self._state = solve_steady(self.n, self.re, tol=self.tol)
        return self._state

    def points(self) -> np.ndarray:
        """Cell centres ``[n², 2]``."""
        c = (np.arange(self.n) + 0.5) / self.n
        xx, yy = np.meshgrid(c, c, indexing="ij")
        return np.stack([xx.ravel(), yy.ravel()], 1)

    def solution(self, points: np.ndarray) -> np.ndarray:
        """Steady ``(u, v)`` ``[n², 2]`` at the cell centres (``points`` must be :meth:`points`)."""
        if points.shape != (self.n * self.n, 2):
            raise ValueError("CavityReference.solution is tabulated at its cell centres; pass points() unchanged.")
        s = self.state()
        u = 0.5 * (s.u[1:] + s.u[:-1]).numpy()
        v = 0.5 * (s.v[:, 1:] + s.v[:, :-1]).numpy()
        return np.stack([u.ravel(), v.ravel()], 1)

    def metrics(self, predict) -> dict[str, float]:
        """Centreline errors against Ghia et al. (1982) for ``predict(points [N, 2]) -> [N, F]``."""
        if abs(self.re - 100.0) > 1e-9:
            return {}
        pts = np.stack([np.full_like(GHIA_RE100_Y, 0.5), GHIA_RE100_Y], 1)
        u = predict(pts)[:, 0]
        err = u - GHIA_RE100_U
        return {
            "ghia_max_abs_error": float(np.abs(err).max()),
            "ghia_rel_l2": float(np.linalg.norm(err) / np.linalg.norm(GHIA_RE100_U)),
        }
