"""Dense neighbour lists: every atom's neighbours in one row, built from a cell list in fused kernels.

A :class:`DenseNeighborList` holds ``idx`` ``[N, M]`` (int32): row ``i`` lists the atoms within
``cutoff + skin`` of atom ``i`` (each pair in both rows), padded with ``N``. This is the format the
fast path of :class:`physics.forcefields.pair_dense.DensePairEnergy` reads (jax-md's ``Dense``).

Build (Allen & Tildesley §5.3, binned as in LAMMPS): atoms are binned into cells at least ``cutoff + skin``
wide; each cell's atoms fill a row of a ``[cells, cell_capacity]`` table; each atom's candidates are
the atoms of its 27 neighbouring cells, ``[N, 27 · cell_capacity]``; those within reach are packed to
the front of the row by a running count. On CPU this runs in the native kernel
(:mod:`solvers.md.native`, C++ with OpenMP, one pass over the candidates); elsewhere (GPUs), or without
a compiler, the candidate filter and packing are plain torch ops (eager: the cell capacity changes
between builds, and recompiling for each shape cost more than it saved on an H200). Small boxes (fewer than 3
cells per axis) use all ``N − 1`` other atoms as candidates.

Overflow is never silent: ``allocate`` sizes ``M`` as ``capacity_multiplier ×`` the fullest row; an
``update`` that finds a fuller row raises :class:`~solvers.md.skin.NeighborListOverflow`
(call ``allocate`` again). Rebuilds happen when an atom has moved more than ``skin / 2`` (Verlet 1967).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from solvers.md import native
from solvers.md.cells import cell_index, cells_per_axis, neighbour_cells
from solvers.md.skin import NeighborListOverflow, moved_past_half_skin


@dataclass(frozen=True)
class DenseNeighborList:
    """Rows ``idx [N, M]`` of each atom's neighbours within reach at the last build, and the build's facts."""

    idx: Tensor  # [N, M] int32, padded with N (M: the fullest row rounded up to 8, at most capacity)
    reference: Tensor  # positions at the last build [N, 3]
    max_count: int  # the fullest row at the last build
    capacity: int  # rows never hold more; a fuller row at a rebuild raises NeighborListOverflow
    overflow: bool = False
    rebuilds: int = 0


def _pack(R: Tensor, cand: Tensor, box: Tensor | None, reach2: float, capacity: int) -> tuple[Tensor, Tensor]:
    """Candidates ``[N, K]`` (``N`` = none) → rows ``[N, capacity]`` of those within reach, and each row's count."""
    n = R.shape[0]
    valid = (cand < n) & (cand != torch.arange(n, device=R.device, dtype=cand.dtype).unsqueeze(1))
    j = torch.where(valid, cand, torch.zeros_like(cand))
    r2 = torch.zeros(cand.shape, dtype=R.dtype, device=R.device)
    for a in range(3):
        x = R[:, a].contiguous()
        d = x.unsqueeze(1) - x[j]
        if box is not None:
            d = d - box[a] * torch.round(d / box[a])
        r2 = r2 + d * d
    keep = valid & (r2 < reach2)
    slot = torch.cumsum(keep.to(torch.int32), 1) - 1
    count = slot[:, -1] + 1
    slot = torch.where(keep & (slot < capacity), slot, capacity).to(torch.int64)
    out = torch.full((n, capacity + 1), n, dtype=cand.dtype, device=R.device)
    out = out.scatter(1, slot, cand)
    return out[:, :capacity], count


def _trim(idx: Tensor, max_count: int) -> Tensor:
    """Drop padding columns beyond the fullest row (the force kernels are compiled for any width)."""
    width = min(idx.shape[1], max(1, max_count))
    return idx[:, :width].contiguous() if width < idx.shape[1] else idx


class DenseNeighborFn:
    """Build with ``neighbor_list(box, cutoff, skin, format="dense")``; ``allocate(R)`` and ``update(R, nbrs)``."""

    def __init__(
        self, box: Tensor | None, cutoff: float, skin: float, capacity_multiplier: float = 1.25, native: bool = True
    ):
        self.box, self.cutoff, self.skin = box, cutoff, skin
        self.native = native
        self.capacity_multiplier = capacity_multiplier
        self._tables: dict = {}

    def _cell_table(self, n_cells: tuple[int, int, int], device) -> Tensor:
        """``[cells, 27]`` flat indices of each cell's periodic neighbours (cached per grid)."""
        key = (n_cells, str(device))
        if key not in self._tables:
            self._tables[key] = neighbour_cells(n_cells, device)
        return self._tables[key]

    def _candidates(self, R: Tensor, box: Tensor | None) -> Tensor:
        n = R.shape[0]
        reach = self.cutoff + self.skin
        n_cells = cells_per_axis(box, reach) if box is not None else None
        if box is None or int(n_cells.min()) < 3:
            every = torch.arange(n, dtype=torch.int32, device=R.device)
            return every.expand(n, n)
        nc = tuple(int(v) for v in n_cells.tolist())
        cell = cell_index(R, box, n_cells)
        order = torch.argsort(cell)
        counts = torch.bincount(cell, minlength=nc[0] * nc[1] * nc[2])
        starts = torch.cumsum(counts, 0) - counts
        cap = int(counts.max())
        rank = torch.arange(n, device=R.device) - starts[cell[order]]
        table = torch.full((counts.shape[0] * cap,), n, dtype=torch.int32, device=R.device)
        table[cell[order] * cap + rank] = order.to(torch.int32)
        table = table.reshape(-1, cap)
        neighbours = self._cell_table(nc, R.device)[cell]  # [N, 27]
        return table[neighbours].reshape(n, -1)

    def _rows(self, R: Tensor, box: Tensor | None, width: int) -> tuple[Tensor, Tensor]:
        """Rows ``[N, width]`` of the atoms within reach and each row's true count (native kernel on CPU)."""
        reach = self.cutoff + self.skin
        if (
            self.native
            and box is not None
            and R.device.type == "cpu"
            and native.cell_grid(box, reach) is not None
            and native.available()
        ):
            return native.cell_list(R, box, reach, width)
        with torch.no_grad():
            return _pack(R.detach(), self._candidates(R.detach(), box), box, reach * reach, width)

    def _build(self, R: Tensor, capacity: int | None, rebuilds: int) -> DenseNeighborList:
        box = self.box.to(R) if self.box is not None else None
        idx, count = self._rows(R, box, capacity if capacity is not None else 4 * 27)
        max_count = int(count.max()) if count.numel() else 0
        if capacity is None:  # size the rows from the fullest one, then fill them (again only if rows were cut)
            capacity = max(int(max_count * self.capacity_multiplier) + 4, 4)
            if max_count > idx.shape[1]:
                idx, count = self._rows(R, box, capacity)
        return DenseNeighborList(
            _trim(idx, max_count), R.detach().clone(), max_count, capacity, max_count > capacity, rebuilds
        )

    def allocate(self, R: Tensor) -> DenseNeighborList:
        """A fresh list whose rows hold ``capacity_multiplier ×`` the fullest row found."""
        return self._build(R, None, 0)

    def update(self, R: Tensor, nbrs: DenseNeighborList) -> DenseNeighborList:
        """Rebuild (same row capacity) if an atom moved more than ``skin / 2``; raise on overflow."""
        if not moved_past_half_skin(R, nbrs.reference, self.box, self.skin):
            return nbrs
        new = self._build(R, nbrs.capacity, nbrs.rebuilds + 1)
        if new.overflow:
            raise NeighborListOverflow(
                f"neighbour list overflow: an atom has {new.max_count} neighbours > row capacity "
                f"{nbrs.capacity}; call allocate(R) again."
            )
        return new
