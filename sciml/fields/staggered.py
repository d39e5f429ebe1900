"""Staggered (MAC) grid operators: pressure at cell centres, velocity components on faces.

For ``n`` cells per axis with spacing ``h``, component ``k`` of a face field lives on the faces
normal to axis ``k``: ``n + 1`` of them along that axis for ``boundary="wall"`` (faces at
``x = i h``, ``i = 0..n``), or ``n`` for ``boundary="periodic"`` (the face at ``x = n h`` is the
one at 0). The MAC divergence and gradient are exact adjoints (``div = -gradᵀ``) and
``div ∘ grad`` is the compact 5-point (7-point in 3-D) Laplacian (Harlow & Welch 1965).
Fields are ``[batch, *grid]`` per component.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor


def mac_divergence(faces: Sequence[Tensor], dx: float, boundary: str = "wall") -> Tensor:
    """Cell-centred ``∇·u`` ``[batch, *n]`` from face components (see the module docstring for shapes)."""
    ndim = len(faces)
    out = 0
    for k, u in enumerate(faces):
        ax = 1 + k
        if boundary == "periodic":
            out = out + (torch.roll(u, -1, ax) - u) / dx
        elif boundary == "wall":
            n = u.shape[ax] - 1
            out = out + (u.narrow(ax, 1, n) - u.narrow(ax, 0, n)) / dx
        else:
            raise ValueError(f"boundary={boundary!r} is not supported; use 'wall' or 'periodic'.")
    if ndim == 0:
        raise ValueError("mac_divergence needs at least one face component.")
    return out  # type: ignore[return-value]


def mac_gradient(p: Tensor, dx: float, boundary: str = "wall") -> list[Tensor]:
    """Face-centred ``∇p`` per axis from cell values ``p`` ``[batch, *n]``.

    ``wall``: values on the ``n - 1`` interior faces of each axis, zero-padded on the two wall
    faces (no flux), so shapes match :func:`mac_divergence`'s input. ``periodic``: ``n`` faces.
    """
    grads = []
    for k in range(p.ndim - 1):
        ax = 1 + k
        if boundary == "periodic":
            grads.append((p - torch.roll(p, 1, ax)) / dx)
        elif boundary == "wall":
            n = p.shape[ax]
            inner = (p.narrow(ax, 1, n - 1) - p.narrow(ax, 0, n - 1)) / dx
            pad = torch.zeros_like(p.narrow(ax, 0, 1))
            grads.append(torch.cat([pad, inner, pad], ax))
        else:
            raise ValueError(f"boundary={boundary!r} is not supported; use 'wall' or 'periodic'.")
    return grads


def faces_to_centres(faces: Sequence[Tensor], boundary: str = "wall") -> Tensor:
    """Average each face component to cell centres: ``[batch, ndim, *n]``."""
    comps = []
    for k, u in enumerate(faces):
        ax = 1 + k
        if boundary == "periodic":
            comps.append(0.5 * (u + torch.roll(u, -1, ax)))
        else:
            n = u.shape[ax] - 1
            comps.append(0.5 * (u.narrow(ax, 0, n) + u.narrow(ax, 1, n)))
    return torch.stack(comps, 1)
