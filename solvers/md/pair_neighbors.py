"""Pair neighbour lists: a cell list of candidate pairs, and a Verlet list with a skin, overflow never dropped.

A neighbour list is a frozen :class:`NeighborList`: ``pairs`` ``[capacity, 2]`` (each unordered pair
``i < j`` within ``cutoff + skin`` once; unused rows are ``−1``), the positions it was built from,
and ``overflow`` (True if more pairs were found than ``capacity``; those extra pairs are *not* in
``pairs``). ``update`` rebuilds when any atom has moved more than ``skin / 2`` since the last build
(:mod:`solvers.md.skin`), and raises :class:`~solvers.md.skin.NeighborListOverflow` rather than return
a truncated list; the caller reallocates (``allocate`` again, or
:func:`solvers.md.skin.update_or_reallocate`, which does it for you).

Candidate pairs come from a cell list (cells at least ``cutoff + skin`` wide, 27 neighbouring
cells in 3-D) when the box holds at least 3 cells per axis, otherwise from all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from physics.forcefields.space import displacement
from solvers.md.cells import cell_index, cells_per_axis, neighbour_cells
from solvers.md.skin import NeighborListOverflow, moved_past_half_skin


@dataclass(frozen=True)
class NeighborList:
    """Pairs ``[capacity, 2]`` within reach at the last build, and the build's positions and counts."""

    pairs: Tensor  # [capacity, 2] int64, -1 padded
    reference: Tensor  # positions at the last build [N, 3]
    count: int  # number of valid pairs
    overflow: bool = False
    rebuilds: int = 0


def _candidates_all(n: int, device) -> Tensor:
    i, j = torch.triu_indices(n, n, 1, device=device)
    return torch.stack([i, j], 1)


def cell_list_candidates(R: Tensor, box: Tensor, width: float) -> Tensor:
    """Pairs ``i < j`` whose cells are neighbours (periodic), for cells at least ``width`` wide: ``[M, 2]``."""
    n_cells = cells_per_axis(box, width)
    if int(n_cells.min()) < 3:
        return _candidates_all(R.shape[0], R.device)
    flat = cell_index(R, box, n_cells)
    order = torch.argsort(flat)
    counts = torch.bincount(flat, minlength=int(n_cells.prod()))
    starts = torch.cumsum(counts, 0) - counts
    out = []
    cells = torch.arange(int(n_cells.prod()), device=R.device)
    table = neighbour_cells(tuple(n_cells.tolist()), R.device)
    for k in range(table.shape[1]):
        nb = table[:, k]
        # every atom a in cell c pairs with every atom b in cell nb(c)
        ca, cb = counts[cells], counts[nb]
        tot = ca * cb
        if int(tot.sum()) == 0:
            continue
        owner = torch.repeat_interleave(cells, tot)
        k_ = torch.arange(int(tot.sum()), device=R.device) - torch.repeat_interleave(torch.cumsum(tot, 0) - tot, tot)
        a = order[starts[owner] + k_ // cb[owner]]
        b = order[starts[nb[owner]] + k_ % cb[owner]]
        out.append(torch.stack([a, b], 1))
    pairs = torch.cat(out)
    # with >= 3 cells per axis the 27 neighbour cells are distinct, so each unordered pair appears exactly
    # twice (once from each side) and keeping i < j leaves it once
    return pairs[pairs[:, 0] < pairs[:, 1]]


@dataclass(frozen=True)
class NeighborFn:
    """Build with :func:`solvers.md.neighbor_list`; ``allocate(R)`` → list, ``update(R, nbrs)`` → list (rebuilt if
    needed)."""

    box: Tensor | None
    cutoff: float
    skin: float
    capacity_multiplier: float = 1.25

    def _build(self, R: Tensor, capacity: int | None, rebuilds: int) -> NeighborList:
        reach = self.cutoff + self.skin
        if self.box is not None:
            box = self.box.to(R)
            cand = cell_list_candidates(R, box, reach)
        else:
            box = None
            cand = _candidates_all(R.shape[0], R.device)
        with torch.no_grad():
            d = displacement(R[cand[:, 0]], R[cand[:, 1]], box)
            keep = (d * d).sum(-1) < reach * reach
        pairs = cand[keep]
        count = pairs.shape[0]
        cap = capacity if capacity is not None else max(int(count * self.capacity_multiplier) + 8, 8)
        overflow = count > cap
        padded = torch.full((cap, 2), -1, dtype=torch.int64, device=R.device)
        padded[: min(count, cap)] = pairs[:cap]
        return NeighborList(padded, R.detach().clone(), count, overflow, rebuilds)

    def allocate(self, R: Tensor) -> NeighborList:
        """A fresh list with capacity ``capacity_multiplier × pairs found``."""
        return self._build(R, None, 0)

    def update(self, R: Tensor, nbrs: NeighborList) -> NeighborList:
        """Rebuild (same capacity) if an atom moved more than ``skin / 2``; raise on overflow."""
        if not moved_past_half_skin(R, nbrs.reference, self.box, self.skin):
            return nbrs
        new = self._build(R, nbrs.pairs.shape[0], nbrs.rebuilds + 1)
        if new.overflow:
            raise NeighborListOverflow(
                f"neighbour list overflow: {new.count} pairs > capacity {nbrs.pairs.shape[0]}; "
                "call allocate(R) again (update_or_reallocate does this for you)."
            )
        return new
