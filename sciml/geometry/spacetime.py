"""Time intervals and space × time domains for evolution problems.

Points of a :class:`SpaceTime` are ``[N, space.dim + 1]`` with time in the last column.
"""

from __future__ import annotations

import numpy as np

from sciml.geometry.base import Geometry
from sciml.geometry.sampling import check_method, rejection_sample, sample_unit
from sciml.geometry.shapes import Box, Interval


class TimeDomain(Interval):
    """``[t0, t1]``."""

    def __init__(self, t0: float, t1: float):
        if not t1 > t0:
            raise ValueError(f"TimeDomain needs t1 > t0, got t0={t0}, t1={t1}.")
        super().__init__(t0, t1)
        self.t0, self.t1 = float(t0), float(t1)

    def __mul__(self, space: Geometry) -> SpaceTime:
        return SpaceTime(space, self)

    __rmul__ = __mul__


class SpaceTime:
    """``space × [t0, t1]``: interior, lateral boundary (``∂space × time``) and initial slice."""

    def __init__(self, space: Geometry, time: TimeDomain):
        if not isinstance(time, TimeDomain):
            raise TypeError(f"SpaceTime needs a TimeDomain, got {type(time).__name__}.")
        self.space, self.time = space, time
        self.dim = space.dim + 1
        self.lower = np.append(space.lower, time.t0)
        self.upper = np.append(space.upper, time.t1)

    @property
    def bounds(self) -> tuple[list[float], list[float]]:
        """Bounding box ``([lower...], [upper...])`` of space × time."""
        return self.lower.tolist(), self.upper.tolist()

    def contains(self, x):
        """``[N]`` bool: space part in the region and time in the interval."""
        x = np.asarray(x, float)
        return self.space.contains(x[:, :-1]) & self.time.contains(x[:, -1:])

    def sample_interior(self, n, method="random", seed=None):
        """``[n, dim+1]`` points, sampled jointly in space and time (keeps LHS/QMC properties)."""
        check_method(method)
        if isinstance(self.space, Box):
            return self.lower + (self.upper - self.lower) * sample_unit(n, self.dim, method, seed)
        return rejection_sample(
            n, self.dim, self.lower, self.upper, lambda p: self.space.contains(p[:, :-1]), method, seed
        )

    def sample_boundary(self, n, method="random", seed=None):
        """Lateral boundary points ``[n, dim+1]`` and outward normals (zero time component)."""
        p, nrm = self.space.sample_boundary(n, method, seed)
        t = self.time.t0 + (self.time.t1 - self.time.t0) * sample_unit(
            n, 1, "random" if method == "uniform" else method, None if seed is None else seed + 1
        )
        return np.hstack([p, t]), np.hstack([nrm, np.zeros((n, 1))])

    def sample_initial(self, n, method="random", seed=None):
        """Points ``[n, dim+1]`` of the initial slice ``space × {t0}``."""
        p = self.space.sample_interior(n, method, seed)
        return np.hstack([p, np.full((n, 1), self.time.t0)])
