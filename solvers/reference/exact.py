"""Reference values from a problem's closed-form solution at points sampled in its geometry."""

from __future__ import annotations

import numpy as np
import torch


class ExactSolution:
    """``points()`` ``[n, D]`` (Sobol samples of ``geometry``, float64) and ``solution(points)`` ``[n, F]``.

    ``problem.exact(x)`` must exist (every case in :mod:`physics.pdes.classical` has one).
    For space-time geometries the points cover the whole space-time domain.
    """

    def __init__(self, problem, geometry, n: int = 10000, seed: int = 12345):
        if not hasattr(problem, "exact"):
            raise ValueError(f"{problem!r} has no exact solution; use a classical solver as the reference instead.")
        self.problem, self.geometry, self.n, self.seed = problem, geometry, int(n), seed

    def points(self) -> np.ndarray:
        """``n`` Sobol points in the geometry ``[n, D]``."""
        return np.asarray(self.geometry.sample_interior(self.n, "sobol", self.seed), dtype=np.float64)

    def solution(self, points: np.ndarray) -> np.ndarray:
        """The problem's exact solution at ``points``: ``[N, F]``."""
        with torch.no_grad():
            return self.problem.exact(torch.as_tensor(points, dtype=torch.float64)).numpy()
