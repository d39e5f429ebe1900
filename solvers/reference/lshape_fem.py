"""FEM reference for Poisson PINN cases on the L-shaped domain: P1 solution on a fine structured mesh."""

from __future__ import annotations

import numpy as np
import torch

from solvers.reference.fem_poisson_p1 import lshape_mesh, solve_poisson_p1


class LShapeFEMReference:
    """``points()`` = nodes of an ``n``-per-unit L-shape mesh; ``solution()`` = P1 FEM values there.

    The problem supplies ``source(x)`` (``f``) and ``exact(x)`` (used only as Dirichlet data).
    """

    def __init__(self, problem, n: int = 48):
        self.problem, self.n = problem, int(n)
        self._pts, tri = lshape_mesh(self.n)
        as_np = lambda fn: lambda p: fn(torch.as_tensor(p, dtype=torch.float64)).numpy().reshape(len(p))
        self._u = solve_poisson_p1(self._pts, tri, as_np(problem.source), as_np(lambda x: problem.exact(x)[:, 0]))

    def points(self) -> np.ndarray:
        """The FEM mesh nodes ``[P, 2]``."""
        return self._pts

    def solution(self, points: np.ndarray) -> np.ndarray:
        """P1 FEM values ``[P, 1]`` at the nodes."""
        if points is not self._pts and not np.array_equal(points, self._pts):
            raise ValueError("the FEM reference is defined at its own mesh nodes; call points() first.")
        return self._u[:, None]
