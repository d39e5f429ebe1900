"""Space: free or periodic orthorhombic boxes, displacements with the minimum-image convention.

``box`` is ``None`` (free space) or a tensor of the three edge lengths ``[3]`` (same length unit as the
positions). ``displacement(ri, rj, box)`` returns ``ri − rj`` mapped into ``[−L/2, L/2)`` per axis, and
``wrap(R, box)`` maps positions into ``[0, L)``. Both are differentiable (the box too, for the virial).
"""

from __future__ import annotations

import torch
from torch import Tensor


def check_box(box, dim: int = 3):
    """``None`` or a positive length tensor ``[dim]``; raises a clear error otherwise."""
    if box is None:
        return None
    b = torch.as_tensor(box)
    if b.shape != (dim,):
        raise ValueError(
            f"box must hold the {dim} edge lengths of an orthorhombic cell, got shape {tuple(b.shape)}; "
            "use box=None for free space."
        )
    if not bool(torch.isfinite(b).all()) or float(b.min()) <= 0:
        raise ValueError(f"box edge lengths must be positive and finite, got {b.tolist()}.")
    return b


def displacement(ri: Tensor, rj: Tensor, box: Tensor | None) -> Tensor:
    """``ri − rj`` ``[..., 3]``, minimum image when ``box`` is given."""
    d = ri - rj
    if box is None:
        return d
    return d - box * torch.round(d / box)


def wrap(R: Tensor, box: Tensor | None) -> Tensor:
    """Positions folded into the primary cell ``[0, L)``."""
    return R if box is None else torch.remainder(R, box)


def volume(box: Tensor) -> Tensor:
    """Volume of an orthorhombic ``box`` ``[3]`` (0-d tensor)."""
    return box.prod()
