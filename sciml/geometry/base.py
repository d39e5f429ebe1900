"""The geometry interface: membership, boundary tests, and samplers.

Points are NumPy ``float64`` arrays ``[N, dim]``; solvers convert them to tensors. The set operators
``a | b``, ``a - b`` and ``a & b`` build the CSG shapes of :mod:`sciml.geometry.csg`, which registers
them here (:func:`register_set_operation`), so this module does not import its own subclasses.
"""

from __future__ import annotations

import abc
from typing import Callable

import numpy as np

from sciml.geometry.sampling import check_method, rejection_sample

_SET_OPERATIONS: dict[str, Callable[[Geometry, Geometry], Geometry]] = {}


def register_set_operation(name: str, build: Callable[[Geometry, Geometry], Geometry]) -> None:
    """Make ``build(a, b)`` the meaning of set operation ``name`` (``union``, ``difference``, ``intersection``)."""
    _SET_OPERATIONS[name] = build


def _set_operation(name: str, a: Geometry, b: Geometry) -> Geometry:
    if name not in _SET_OPERATIONS:
        raise RuntimeError(
            f"geometry set operation {name!r} is not registered; import sciml.geometry (its csg module "
            "registers union, difference and intersection)."
        )
    return _SET_OPERATIONS[name](a, b)


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
    def __or__(self, other: Geometry) -> Geometry:
        return _set_operation("union", self, other)

    def __sub__(self, other: Geometry) -> Geometry:
        return _set_operation("difference", self, other)

    def __and__(self, other: Geometry) -> Geometry:
        return _set_operation("intersection", self, other)


def check_points(x: np.ndarray, dim: int) -> np.ndarray:
    """``x`` as a float array ``[N, dim]``, or a ``ValueError`` naming the shape it has."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != dim:
        raise ValueError(f"points must have shape [N, {dim}], got {x.shape}.")
    return x
