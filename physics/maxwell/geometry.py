"""Photonic geometry: primitives with a signed distance, painted onto a Yee grid by :mod:`solvers.fdtd.rasterize`.

Every primitive knows its relative permittivity ``eps`` and its signed distance ``d(x)`` (metres; negative inside,
zero on the surface, ``|∇d| ≈ 1`` near it). Coordinates are metres in the grid's frame (the origin at the corner of
cell ``(0, 0, 0)``, where ``Ez`` of a 2-D grid sits). Parameters may be tensors that require grad: the smoothed
rasterisation is differentiable in them (a radius, a width, a vertex).

- :class:`Block` — a box, ``size`` per axis (``math.inf`` for an unbounded axis, as Meep's ``mp.inf``);
- :class:`Cylinder` — a circular cylinder along ``axis`` of ``height`` (``math.inf`` by default);
- :class:`Sphere`, :class:`Ellipsoid`;
- :class:`Prism` — a polygon in the xy-plane (counter- or clockwise vertices) extruded over ``z_min … z_max``.

In a list of objects, later objects override earlier ones (Meep's rule). On a grid axis with one cell (2-D and 1-D
problems) an object is cut through its own middle: only the cross-section matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor


def _vec(v, like: Tensor) -> Tensor:
    return torch.as_tensor(v, dtype=like.dtype, device=like.device)


def _check_positive(name: str, values) -> None:
    for v in values if isinstance(values, (tuple, list)) else (values,):
        x = float(v.detach()) if isinstance(v, Tensor) else float(v)
        if not x > 0:
            raise ValueError(f"{name} must be positive (metres), got {x:g}; use math.inf for an unbounded extent.")


def _check_eps(eps) -> None:
    x = float(eps.detach()) if isinstance(eps, Tensor) else float(eps)
    if not x > 0:
        raise ValueError(f"an object's eps (relative permittivity) must be > 0, got {x:g}.")


@dataclass(frozen=True)
class Block:
    """An axis-aligned box of ``size`` (3 lengths, m) centred at ``center`` (3 coordinates, m)."""

    center: Any
    size: Any
    eps: Any = 1.0

    def __post_init__(self):
        _check_positive("Block size", list(self.size))
        _check_eps(self.eps)

    def signed_distance(self, x: Tensor) -> Tensor:
        """``x``: ``[..., 3]`` points (m) → ``[...]`` signed distance (m), negative inside."""
        half = torch.stack([_vec(s, x) for s in self.size]) / 2
        q = (x - _vec(self.center, x)).abs() - torch.where(torch.isinf(half), torch.zeros_like(half), half)
        q = torch.where(torch.isinf(half), torch.full_like(q, -1e30), q)  # an unbounded axis never limits
        outside = q.clamp(min=0).square().sum(-1).sqrt()
        return outside + q.max(-1).values.clamp(max=0)


@dataclass(frozen=True)
class Cylinder:
    """A circular cylinder of ``radius`` (m) about ``axis`` (0, 1 or 2), ``height`` long, centred at ``center``."""

    center: Any
    radius: Any
    height: Any = math.inf
    axis: int = 2
    eps: Any = 1.0

    def __post_init__(self):
        _check_positive("Cylinder radius and height", [self.radius, self.height])
        _check_eps(self.eps)
        if self.axis not in (0, 1, 2):
            raise ValueError(f"Cylinder axis must be 0, 1 or 2, got {self.axis}.")

    def signed_distance(self, x: Tensor) -> Tensor:
        """``x``: ``[..., 3]`` points (m) → ``[...]`` signed distance (m)."""
        r = x - _vec(self.center, x)
        across = [a for a in range(3) if a != self.axis]
        radial = r[..., across].square().sum(-1).clamp(min=1e-300).sqrt() - _vec(self.radius, x)
        if math.isinf(float(self.height)):
            return radial
        along = r[..., self.axis].abs() - _vec(self.height, x) / 2
        q = torch.stack([radial, along], -1)
        return q.clamp(min=0).square().sum(-1).sqrt() + q.max(-1).values.clamp(max=0)


@dataclass(frozen=True)
class Ellipsoid:
    """An ellipsoid with semi-axes ``semi_axes`` (3 lengths, m) along x, y, z, centred at ``center``.

    The distance is the first-order estimate ``(|r/a| − 1)·min(a)``, exact for a sphere; its zero set (what the
    rasterisation integrates) is the exact surface."""

    center: Any
    semi_axes: Any
    eps: Any = 1.0

    def __post_init__(self):
        _check_positive("Ellipsoid semi_axes", list(self.semi_axes))
        _check_eps(self.eps)

    def signed_distance(self, x: Tensor) -> Tensor:
        """``x``: ``[..., 3]`` points (m) → ``[...]`` signed distance (m)."""
        a = torch.stack([_vec(s, x) for s in self.semi_axes])
        rho = ((x - _vec(self.center, x)) / a).square().sum(-1).clamp(min=1e-300).sqrt()
        return (rho - 1) * a.min()


@dataclass(frozen=True)
class Sphere:
    """A ball of ``radius`` (m) centred at ``center``."""

    center: Any
    radius: Any
    eps: Any = 1.0

    def __post_init__(self):
        _check_positive("Sphere radius", self.radius)
        _check_eps(self.eps)

    def signed_distance(self, x: Tensor) -> Tensor:
        """``x``: ``[..., 3]`` points (m) → ``[...]`` signed distance (m)."""
        r = (x - _vec(self.center, x)).square().sum(-1).clamp(min=1e-300).sqrt()
        return r - _vec(self.radius, x)


@dataclass(frozen=True)
class Prism:
    """A polygon (``vertices``: ``[k, 2]`` xy-points, m, either orientation) extruded over ``z_min … z_max``."""

    vertices: Any
    z_min: float = -math.inf
    z_max: float = math.inf
    eps: Any = 1.0

    def __post_init__(self):
        v = torch.as_tensor(self.vertices)
        if v.ndim != 2 or v.shape[1] != 2 or v.shape[0] < 3:
            raise ValueError(f"Prism vertices must be [k, 2] with k >= 3 xy-points, got shape {tuple(v.shape)}.")
        if not self.z_max > self.z_min:
            raise ValueError(f"Prism needs z_max > z_min, got {self.z_min} … {self.z_max}.")
        _check_eps(self.eps)

    def signed_distance(self, x: Tensor) -> Tensor:
        """``x``: ``[..., 3]`` points (m) → ``[...]`` signed distance (m); the sign from the crossing number."""
        v = _vec(self.vertices, x)
        a, b = v, torch.roll(v, -1, 0)  # edges a → b, [k, 2]
        p = x[..., None, :2]  # [..., 1, 2]
        e = b - a
        t = (((p - a) * e).sum(-1) / e.square().sum(-1)).clamp(0, 1)
        dist = (p - a - t[..., None] * e).square().sum(-1).clamp(min=1e-300).sqrt().min(-1).values
        py = p[..., 1]
        crosses = (a[:, 1] > py) != (b[:, 1] > py)
        x_at = a[:, 0] + (py - a[:, 1]) / (b[:, 1] - a[:, 1] + 1e-300) * e[:, 0]
        inside = ((crosses & (p[..., 0] < x_at)).sum(-1) % 2) == 1
        planar = torch.where(inside, -dist, dist)
        if math.isinf(self.z_min) and math.isinf(self.z_max):
            return planar
        zc, zh = (self.z_min + self.z_max) / 2, (self.z_max - self.z_min) / 2
        along = (x[..., 2] - zc).abs() - zh
        q = torch.stack([planar, along], -1)
        return q.clamp(min=0).square().sum(-1).sqrt() + q.max(-1).values.clamp(max=0)


SHAPES = (Block, Cylinder, Ellipsoid, Sphere, Prism)

__all__ = ["Block", "Cylinder", "Ellipsoid", "Sphere", "Prism", "SHAPES"]
