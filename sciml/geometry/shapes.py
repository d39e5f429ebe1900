"""Primitive shapes: ``Interval``, ``Box`` (``Rectangle``, ``Cuboid``), ``Disk`` and ``Polygon``."""

from __future__ import annotations

import numpy as np

from sciml.geometry.base import Geometry, check_points
from sciml.geometry.sampling import check_method, sample_unit


class Box(Geometry):
    """Axis-aligned box ``Π_k [lower_k, upper_k]`` in any dimension."""

    def __init__(self, lower, upper):
        lo, hi = np.asarray(lower, float).ravel(), np.asarray(upper, float).ravel()
        if lo.shape != hi.shape or lo.size == 0:
            raise ValueError(f"Box needs lower and upper of equal length, got {lower} and {upper}.")
        if np.any(hi <= lo):
            raise ValueError(
                f"Box upper {hi.tolist()} must exceed lower {lo.tolist()} in every dimension (degenerate box)."
            )
        self.lower, self.upper, self.dim = lo, hi, lo.size

    @property
    def measure(self) -> float:
        """Length, area or volume of the box."""
        return float(np.prod(self.upper - self.lower))

    def contains(self, x):
        """``[N]`` bool: inside or on the boundary."""
        x = check_points(x, self.dim)
        return np.all((x >= self.lower - 1e-12) & (x <= self.upper + 1e-12), axis=1)

    def boundary_distance(self, x):
        """``[N]``: distance to the nearest face."""
        x = check_points(x, self.dim)
        return np.min(np.minimum(np.abs(x - self.lower), np.abs(self.upper - x)), axis=1)

    def sample_interior(self, n, method="random", seed=None):
        """``n`` points in the box: ``[n, dim]``."""
        return self.lower + (self.upper - self.lower) * sample_unit(n, self.dim, method, seed)

    def sample_boundary(self, n, method="random", seed=None):
        """``n`` points on the faces (in proportion to their measure) with outward normals."""
        check_method(method)
        d, ext = self.dim, self.upper - self.lower
        if d == 1:
            side = np.arange(n) % 2
            pts = np.where(side[:, None] == 0, self.lower, self.upper)
            return pts.astype(float), np.where(side[:, None] == 0, -1.0, 1.0)
        # 2d faces: axis k at lower (-) or upper (+); area = prod(ext) / ext_k
        areas = np.repeat(np.prod(ext) / ext, 2)
        cum = np.cumsum(areas) / areas.sum()
        u = sample_unit(n, d, method, seed)
        face = np.minimum(np.searchsorted(cum, u[:, 0], side="right"), 2 * d - 1)
        pts = np.empty((n, d))
        normals = np.zeros((n, d))
        for f in range(2 * d):
            m = face == f
            k, upper = f // 2, f % 2 == 1
            others = [j for j in range(d) if j != k]
            pts[np.ix_(m, others)] = self.lower[others] + ext[others] * u[m][:, 1:]
            pts[m, k] = self.upper[k] if upper else self.lower[k]
            normals[m, k] = 1.0 if upper else -1.0
        return pts, normals


class Interval(Box):
    """``[a, b]``."""

    def __init__(self, a: float, b: float):
        super().__init__([a], [b])


class Rectangle(Box):
    """``[x0, x1] × [y0, y1]`` from corners ``(x0, y0)`` and ``(x1, y1)``."""

    def __init__(self, lower, upper):
        super().__init__(lower, upper)
        if self.dim != 2:
            raise ValueError(f"Rectangle needs 2-D corners, got {self.dim}-D.")


class Cuboid(Box):
    """``[x0, x1] × [y0, y1] × [z0, z1]``."""

    def __init__(self, lower, upper):
        super().__init__(lower, upper)
        if self.dim != 3:
            raise ValueError(f"Cuboid needs 3-D corners, got {self.dim}-D.")


class Disk(Geometry):
    """Closed disk of ``radius`` around ``center``."""

    dim = 2

    def __init__(self, center, radius: float):
        self.center = np.asarray(center, float).ravel()
        if self.center.size != 2:
            raise ValueError(f"Disk center must be 2-D, got {center}.")
        if not radius > 0:
            raise ValueError(f"Disk radius must be positive, got {radius}.")
        self.radius = float(radius)
        self.lower, self.upper = self.center - radius, self.center + radius

    @property
    def measure(self) -> float:
        """``πr²``."""
        return float(np.pi * self.radius**2)

    def contains(self, x):
        """``[N]`` bool: inside or on the circle."""
        x = check_points(x, 2)
        return np.linalg.norm(x - self.center, axis=1) <= self.radius + 1e-12

    def boundary_distance(self, x):
        """``[N]``: ``| |x − c| − r |``."""
        x = check_points(x, 2)
        return np.abs(np.linalg.norm(x - self.center, axis=1) - self.radius)

    def sample_interior(self, n, method="random", seed=None):
        """``n`` points in the disk (area-preserving polar map): ``[n, 2]``."""
        u = sample_unit(n, 2, method, seed)  # area-preserving polar map
        r, th = self.radius * np.sqrt(u[:, 0]), 2 * np.pi * u[:, 1]
        return self.center + np.stack([r * np.cos(th), r * np.sin(th)], 1)

    def sample_boundary(self, n, method="random", seed=None):
        """``n`` points on the circle with outward normals."""
        th = 2 * np.pi * sample_unit(n, 1, method, seed)[:, 0]
        nrm = np.stack([np.cos(th), np.sin(th)], 1)
        return self.center + self.radius * nrm, nrm


class Polygon(Geometry):
    """Simple polygon from its vertices ``[[x, y], ...]`` (either orientation; stored counter-clockwise)."""

    dim = 2

    def __init__(self, vertices):
        v = np.asarray(vertices, float)
        if v.ndim != 2 or v.shape[1] != 2 or len(v) < 3:
            raise ValueError(f"Polygon needs at least 3 vertices of shape [k, 2], got shape {v.shape}.")
        area2 = np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1])
        if abs(area2) < 1e-14:
            raise ValueError("Polygon is degenerate (zero area): check that the vertices are not collinear.")
        self.vertices = v if area2 > 0 else v[::-1].copy()
        self.lower, self.upper = self.vertices.min(0), self.vertices.max(0)
        self._a = self.vertices
        self._b = np.roll(self.vertices, -1, axis=0)
        edge = self._b - self._a
        self._len = np.linalg.norm(edge, axis=1)
        if np.any(self._len < 1e-14):
            raise ValueError("Polygon has repeated consecutive vertices (a zero-length edge).")
        self._normal = np.stack([edge[:, 1], -edge[:, 0]], 1) / self._len[:, None]  # outward for CCW

    @property
    def measure(self) -> float:
        """Area (shoelace formula; vertices counter-clockwise)."""
        v = self.vertices
        return float(0.5 * np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1]))

    def contains(self, x):
        """``[N]`` bool: inside (ray casting) or on the boundary."""
        x = check_points(x, 2)
        px, py = x[:, :1], x[:, 1:]
        ax, ay, bx, by = self._a[:, 0], self._a[:, 1], self._b[:, 0], self._b[:, 1]
        cond = (ay > py) != (by > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            xint = ax + (py - ay) * (bx - ax) / (by - ay)
        crossings = np.sum(cond & (px < xint), axis=1)
        return (crossings % 2 == 1) | (self.boundary_distance(x) <= 1e-12)

    def boundary_distance(self, x):
        """``[N]``: distance to the nearest edge."""
        x = check_points(x, 2)
        ab = self._b - self._a
        t = np.clip(np.einsum("nkd,kd->nk", x[:, None, :] - self._a, ab) / self._len**2, 0, 1)
        proj = self._a + t[..., None] * ab
        return np.min(np.linalg.norm(x[:, None, :] - proj, axis=2), axis=1)

    def sample_boundary(self, n, method="random", seed=None):
        """``n`` points on the edges (in proportion to length) with outward normals."""
        s = sample_unit(n, 1, method, seed)[:, 0] * self._len.sum()
        cum = np.concatenate([[0.0], np.cumsum(self._len)])
        k = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(self._len) - 1)
        t = (s - cum[k]) / self._len[k]
        return self._a[k] + t[:, None] * (self._b[k] - self._a[k]), self._normal[k].copy()
