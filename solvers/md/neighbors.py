"""Neighbour lists: a cell list, and a Verlet list with a skin, with overflow detected, never dropped.

A neighbour list is a frozen :class:`NeighborList`: ``pairs`` ``[capacity, 2]`` (each unordered pair
``i < j`` within ``cutoff + skin`` once; unused rows are ``−1``), the positions it was built from,
and ``overflow`` (True if more pairs were found than ``capacity``; those extra pairs are *not* in
``pairs``). ``update`` rebuilds when any atom has moved more than ``skin / 2`` since the last build
(Verlet 1967), and raises :class:`NeighborListOverflow` rather than return a truncated list; the
caller (``allocate`` again, or :func:`solvers.md.simulate.run`) reallocates with more capacity.

Candidate pairs come from a cell list (cells at least ``cutoff + skin`` wide, 27 neighbouring
cells in 3-D) when the box holds at least 3 cells per axis, otherwise from all pairs.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import Tensor

from physics.forcefields.space import check_box, displacement


class NeighborListOverflow(RuntimeError):
    """More pairs than the list's capacity: reallocate (``neighbor_fn.allocate``) with the new positions."""


@dataclass(frozen=True)
class NeighborList:
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
    n_cells = torch.floor(box / width).to(torch.int64).clamp_min(1)
    if int(n_cells.min()) < 3:
        return _candidates_all(R.shape[0], R.device)
    frac = torch.remainder(R, box) / box
    idx = torch.minimum((frac * n_cells).to(torch.int64), n_cells - 1)  # [N, 3]
    flat = (idx[:, 0] * n_cells[1] + idx[:, 1]) * n_cells[2] + idx[:, 2]
    order = torch.argsort(flat)
    counts = torch.bincount(flat, minlength=int(n_cells.prod()))
    starts = torch.cumsum(counts, 0) - counts
    out = []
    nc = n_cells.tolist()
    cells = torch.arange(int(n_cells.prod()), device=R.device)
    cz, cy, cx = cells % nc[2], (cells // nc[2]) % nc[1], cells // (nc[1] * nc[2])
    for dx, dy, dz in itertools.product((-1, 0, 1), repeat=3):
        nb = (((cx + dx) % nc[0]) * nc[1] + (cy + dy) % nc[1]) * nc[2] + (cz + dz) % nc[2]
        # every atom a in cell c pairs with every atom b in cell nb(c)
        ca, cb = counts[cells], counts[nb]
        tot = ca * cb
        if int(tot.sum()) == 0:
            continue
        owner = torch.repeat_interleave(cells, tot)
        k = torch.arange(int(tot.sum()), device=R.device) - torch.repeat_interleave(torch.cumsum(tot, 0) - tot, tot)
        a = order[starts[owner] + k // cb[owner]]
        b = order[starts[nb[owner]] + k % cb[owner]]
        out.append(torch.stack([a, b], 1))
    pairs = torch.cat(out)
    # with >= 3 cells per axis the 27 neighbour cells are distinct, so each unordered pair appears exactly
    # twice (once from each side) and keeping i < j leaves it once
    return pairs[pairs[:, 0] < pairs[:, 1]]


def moved_past_half_skin(R: Tensor, reference: Tensor, box: Tensor | None, skin: float) -> bool:
    """Whether any atom moved more than ``skin / 2`` (minimum image) since ``reference``: the Verlet rebuild test."""
    moved = displacement(R.detach(), reference, box.to(R) if box is not None else None)
    return float((moved * moved).sum(-1).max()) > (skin / 2) ** 2


@dataclass(frozen=True)
class NeighborFn:
    """Build with :func:`neighbor_list`; ``allocate(R)`` → list, ``update(R, nbrs)`` → list (rebuilt if needed)."""

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
            raise NeighborListOverflow(f"neighbour list overflow: {new.count} pairs > capacity {nbrs.pairs.shape[0]}; "
                                       "call allocate(R) again (simulate.run does this automatically).")
        return new


def update_or_reallocate(neighbor_fn, R: Tensor, nbrs):
    """``neighbor_fn.update(R, nbrs)``, or a fresh ``allocate(R)`` (larger capacity) when the list overflows."""
    try:
        return neighbor_fn.update(R, nbrs)
    except NeighborListOverflow:
        return neighbor_fn.allocate(R)


def neighbor_list(box, cutoff: float, skin: float = 0.3, capacity_multiplier: float = 1.25, format: str = "pairs"):
    """Verlet list for ``cutoff`` with ``skin`` (both in length units) in ``box`` (``None`` = free space).

    ``format="pairs"``: :class:`NeighborFn` giving ``nbrs.pairs`` ``[P, 2]``. ``format="dense"``:
    :class:`~solvers.md.dense_neighbors.DenseNeighborFn` giving ``nbrs.idx`` ``[N, M]``, the fast path
    (pair it with an energy built with ``format="dense"``).
    """
    if format not in ("pairs", "dense"):
        raise ValueError(f"unknown neighbour-list format {format!r}; use 'pairs' or 'dense'.")
    b = check_box(box)
    if not cutoff > 0 or skin < 0:
        raise ValueError(f"need cutoff > 0 and skin >= 0, got cutoff={cutoff}, skin={skin}.")
    if b is not None and float(b.min()) < 2 * (cutoff + skin):
        raise ValueError(f"cutoff + skin = {cutoff + skin} exceeds half the smallest box edge {float(b.min()) / 2}; "
                         "minimum-image pairs would be missed. Use a smaller skin or a bigger box.")
    if format == "dense":
        from solvers.md.dense_neighbors import DenseNeighborFn

        return DenseNeighborFn(b, float(cutoff), float(skin), float(capacity_multiplier))
    return NeighborFn(b, float(cutoff), float(skin), float(capacity_multiplier))
