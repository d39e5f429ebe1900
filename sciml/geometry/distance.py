"""Approximate distance functions (ADFs) for exact Dirichlet conditions on polygons.

Sukumar & Srivastava (2022), *Exact imposition of boundary conditions with distance functions
in physics-informed deep neural networks*, CMAME 389:114333. For a segment from ``p₁`` to
``p₂`` (length ``L``, centre ``c``):

    f = ((x − x₁)(y₂ − y₁) − (y − y₁)(x₂ − x₁)) / L       signed distance to the line
    t = ((L/2)² − |x − c|²) / L                          ≥ 0 on the segment's disk
    φᵢ = sqrt(f² + ((sqrt(t² + f⁴) − t) / 2)²)            0 exactly on the segment

and the polygon's ``φ = (Σ φᵢ^{-m})^{-1/m}`` (R-equivalence, ``m = 1`` by default) vanishes on
every edge, is positive inside, and is smooth away from the vertices. With ``u = g + φ·N``
the condition ``u = g`` holds exactly for any network ``N``. Works on tensors and on Taylor
jets, so both derivative engines apply.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from sciml.autodiff.jet import Jet


def _sqrt(z):
    return z.elementwise("sqrt") if isinstance(z, Jet) else torch.sqrt(z)


def _recip(z):
    return z.elementwise("reciprocal") if isinstance(z, Jet) else 1.0 / z


def segment_adf(x, p1: Sequence[float], p2: Sequence[float], eps: float = 1e-12):
    """``φ`` ``[N, 1]`` of the segment ``p1 → p2`` at points ``x`` ``[N, ≥2]`` (tensor or Jet)."""
    (x1, y1), (x2, y2) = p1, p2
    length = float(np.hypot(x2 - x1, y2 - y1))
    if length < 1e-14:
        raise ValueError(f"segment {p1} → {p2} has zero length.")
    xs, ys = x[:, 0:1], x[:, 1:2]
    f = ((xs - x1) * (y2 - y1) - (ys - y1) * (x2 - x1)) * (1.0 / length)
    cx, cy = 0.5 * (x1 + x2), 0.5 * (y1 + y2)
    t = ((length / 2) ** 2 - ((xs - cx) * (xs - cx) + (ys - cy) * (ys - cy))) * (1.0 / length)
    f2 = f * f
    varphi = _sqrt(t * t + f2 * f2 + eps * eps)
    trim = (varphi - t) * 0.5
    return _sqrt(f2 + trim * trim + eps * eps)


def polygon_adf(x, vertices: np.ndarray | Sequence[Sequence[float]], m: int = 1):
    """``φ`` ``[N, 1]`` of a closed polygon (R-equivalence of its edges' ADFs)."""
    v = np.asarray(vertices, float)
    if v.ndim != 2 or v.shape[1] != 2 or len(v) < 3:
        raise ValueError(f"polygon vertices must be [k >= 3, 2], got shape {v.shape}.")
    acc = None
    for a, b in zip(v, np.roll(v, -1, axis=0)):
        phi = segment_adf(x, a, b)
        term = _recip(phi) if m == 1 else _recip(phi * phi)
        acc = term if acc is None else acc + term
    return _recip(acc) if m == 1 else _sqrt(_recip(acc))


class PolygonDistance(torch.nn.Module):
    """``φ(x)`` of a polygon as a module (``[N, 2] → [N, 1]``), usable by both derivative engines."""

    supports_taylor = True

    def __init__(self, vertices, m: int = 1):
        super().__init__()
        self.vertices, self.m = np.asarray(vertices, float), m

    def forward(self, x):
        """Approximate distance function of the polygon at ``x`` ``[N, 2]`` (tensor or jet)."""
        return polygon_adf(x, self.vertices, self.m)
