"""The geometry interface: membership, boundary tests, and samplers.

Points are NumPy ``float64`` arrays ``[N, dim]``; solvers convert them to tensors.
"""
from __future__ import annotations

import abc

import numpy as np

from sciml.geometry.sampling import check_method, rejection_sample


class Geometry(abc.ABC):
    """A closed region of ``R^dim`` with a bounding box ``(lower, upper)``."""

    dim: int
    lower: np.ndarray
    upper: np.ndarray

    @abc.abstractmethod
    def contains(self, x: np.ndarray) -> np.ndarray:
        """``[N]`` bool: inside or on the boundary."""

    @abc.abstractmethod
    def boundary_distance(self, x: np.ndarray) -> np.ndarray:
        """``[N]``: distance from each point to the boundary (used for on-boundary tests)."""

    @abc.abstractmethod
    def sample_boundary(self, n: int, method: str = "random", seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` boundary points ``[n, dim]`` with outward unit normals ``[n, dim]``."""

    def on_boundary(self, x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """``[N]`` bool: within ``tol`` of the boundary."""
        return self.contains(x) & (self.boundary_distance(x) <= tol)

    def inside(self, x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """``[N]`` bool: strictly inside (further than ``tol`` from the boundary)."""
        return self.contains(x) & (self.boundary_distance(x) > tol)

    def sample_interior(self, n: int, method: str = "random", seed: int | None = None) -> np.ndarray:
        """``n`` points inside the region: ``[n, dim]``."""
        check_method(method)
        return rejection_sample(n, self.dim, self.lower, self.upper, self.contains, method, seed)

    @property
    def bounds(self) -> tuple[list[float], list[float]]:
        """Bounding box as ``([lower...], [upper...])`` (feeds network input normalisation)."""
        return self.lower.tolist(), self.upper.tolist()

    # CSG operators -------------------------------------------------------
    def __or__(self, other: "Geometry") -> "Geometry":
        from sciml.geometry.csg import Union

        return Union(self, other)

    def __sub__(self, other: "Geometry") -> "Geometry":
        from sciml.geometry.csg import Difference

        return Difference(self, other)

    def __and__(self, other: "Geometry") -> "Geometry":
        from sciml.geometry.csg import Intersection

        return Intersection(self, other)


def check_points(x: np.ndarray, dim: int) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"points must have shape [N, {dim}], got {x.shape}.")
    return x
