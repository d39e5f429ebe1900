"""Constructive solid geometry: union, difference and intersection of two shapes.

Membership combines the operands' tests; boundary points are drawn from each operand's
boundary (in proportion to a Monte Carlo estimate of its contribution) and kept where they
lie on the combined boundary. Normals of a subtracted shape are flipped.
"""

from __future__ import annotations

import numpy as np

from sciml.geometry.base import Geometry, check_points, register_set_operation


class _CSG(Geometry):
    def __init__(self, a: Geometry, b: Geometry):
        if a.dim != b.dim:
            raise ValueError(f"CSG operands must share a dimension, got {a.dim}-D and {b.dim}-D.")
        self.a, self.b, self.dim = a, b, a.dim

    def _keep_from(self, which: str, pts: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _flip(self, which: str) -> bool:
        return False

    def sample_boundary(self, n, method="random", seed=None):
        got_p, got_n, have, factor = [], [], 0, 2
        seed0 = 0 if seed is None else seed
        for rnd in range(30):
            m = max(factor * n, 32)
            for j, (which, g) in enumerate((("a", self.a), ("b", self.b))):
                p, nrm = g.sample_boundary(
                    m, "random" if rnd else method, seed=None if seed is None else seed0 + 97 * rnd + j
                )
                keep = self._keep_from(which, p)
                got_p.append(p[keep])
                got_n.append(-nrm[keep] if self._flip(which) else nrm[keep])
                have += int(keep.sum())
            if have >= n:
                p, nrm = np.concatenate(got_p), np.concatenate(got_n)
                # interleave a random subset so both operands keep their share
                idx = np.random.default_rng(seed).permutation(len(p))[:n]
                return p[idx], nrm[idx]
            factor *= 2
        raise RuntimeError(f"Could only place {have} of {n} boundary points on the CSG boundary; is it empty?")


class Union(_CSG):
    """``A ∪ B``."""

    def __init__(self, a, b):
        super().__init__(a, b)
        self.lower, self.upper = np.minimum(a.lower, b.lower), np.maximum(a.upper, b.upper)

    def contains(self, x):
        """``[N]`` bool: in either operand."""
        return self.a.contains(x) | self.b.contains(x)

    def boundary_distance(self, x):
        """``[N]``: distance to the parts of either boundary that bound the union."""
        x = check_points(x, self.dim)
        da = np.where(self.b.inside(x), np.inf, self.a.boundary_distance(x))
        db = np.where(self.a.inside(x), np.inf, self.b.boundary_distance(x))
        return np.minimum(da, db)

    def _keep_from(self, which, pts):
        return ~(self.b if which == "a" else self.a).inside(pts)


class Difference(_CSG):
    """``A \\ B`` (closed: includes the part of B's boundary inside A)."""

    def __init__(self, a, b):
        super().__init__(a, b)
        self.lower, self.upper = a.lower.copy(), a.upper.copy()

    def contains(self, x):
        """``[N]`` bool: in the first operand and not strictly inside the second."""
        return self.a.contains(x) & ~self.b.inside(x)

    def boundary_distance(self, x):
        """``[N]``: distance to the first boundary outside the hole, or to the hole's boundary."""
        x = check_points(x, self.dim)
        da = np.where(self.b.inside(x), np.inf, self.a.boundary_distance(x))
        db = np.where(self.a.contains(x), self.b.boundary_distance(x), np.inf)
        return np.minimum(da, db)

    def _keep_from(self, which, pts):
        return ~self.b.inside(pts) if which == "a" else self.a.inside(pts)

    def _flip(self, which):
        return which == "b"


class Intersection(_CSG):
    """``A ∩ B``."""

    def __init__(self, a, b):
        super().__init__(a, b)
        self.lower, self.upper = np.maximum(a.lower, b.lower), np.minimum(a.upper, b.upper)
        if np.any(self.upper <= self.lower):
            raise ValueError("Intersection of shapes with disjoint bounding boxes is empty.")

    def contains(self, x):
        """``[N]`` bool: in both operands."""
        return self.a.contains(x) & self.b.contains(x)

    def boundary_distance(self, x):
        """``[N]``: distance to the parts of either boundary inside the other operand."""
        x = check_points(x, self.dim)
        da = np.where(self.b.contains(x), self.a.boundary_distance(x), np.inf)
        db = np.where(self.a.contains(x), self.b.boundary_distance(x), np.inf)
        return np.minimum(da, db)

    def _keep_from(self, which, pts):
        return (self.b if which == "a" else self.a).contains(pts)


register_set_operation("union", Union)
register_set_operation("difference", Difference)
register_set_operation("intersection", Intersection)
