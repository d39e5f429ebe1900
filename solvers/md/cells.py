"""Binning atoms into periodic cells, and each cell's 27 neighbours: the one binning both neighbour-list
formats use (Allen & Tildesley §5.3).

Cells are at least ``reach`` wide, so every pair within ``reach`` lies in the same or an adjacent cell
(27 cells in 3-D, periodic wrap-around). Flat cell index: ``(cx · ny + cy) · nz + cz``.
"""

from __future__ import annotations

import itertools

import torch
from torch import Tensor

OFFSETS = tuple(itertools.product((-1, 0, 1), repeat=3))
"""The 27 neighbour offsets ``(dx, dy, dz)``, in the column order of :func:`neighbour_cells`."""


def cells_per_axis(box: Tensor, reach: float) -> Tensor:
    """``floor(box / reach)`` cells per axis (int64 ``[3]``): each at least ``reach`` wide."""
    return torch.floor(box / reach).to(torch.int64).clamp_min(1)


def cell_index(R: Tensor, box: Tensor, n_cells: Tensor) -> Tensor:
    """Flat cell index ``[N]`` of each atom of ``R [N, 3]`` (positions wrapped into the box)."""
    frac = torch.remainder(R.detach(), box) / box
    idx = torch.minimum((frac * n_cells.to(R)).to(torch.int64), n_cells - 1)
    return (idx[:, 0] * n_cells[1] + idx[:, 1]) * n_cells[2] + idx[:, 2]


def neighbour_cells(n_cells: tuple[int, int, int], device=None) -> Tensor:
    """``[cells, 27]`` flat indices of each cell's periodic neighbours (itself included), columns in :data:`OFFSETS`
    order. Distinct only with at least 3 cells per axis."""
    nx, ny, nz = n_cells
    c = torch.arange(nx * ny * nz, device=device)
    cx, cy, cz = c // (ny * nz), (c // nz) % ny, c % nz
    cols = [(((cx + dx) % nx) * ny + (cy + dy) % ny) * nz + (cz + dz) % nz for dx, dy, dz in OFFSETS]
    return torch.stack(cols, 1)


__all__ = ["OFFSETS", "cells_per_axis", "cell_index", "neighbour_cells"]
