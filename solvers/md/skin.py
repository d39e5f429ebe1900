"""The Verlet-skin rule shared by both neighbour-list formats: when to rebuild, and overflow as an error.

A list built for ``cutoff + skin`` stays valid until some atom has moved more than ``skin / 2``
since the build (Verlet 1967). A rebuild that finds more neighbours than the list's capacity raises
:class:`NeighborListOverflow`, never truncates; :func:`update_or_reallocate` then allocates anew.
"""

from __future__ import annotations

from torch import Tensor

from physics.forcefields.space import displacement


class NeighborListOverflow(RuntimeError):
    """More pairs than the list's capacity: reallocate (``neighbor_fn.allocate``) with the new positions."""


def moved_past_half_skin(R: Tensor, reference: Tensor, box: Tensor | None, skin: float) -> bool:
    """Whether any atom moved more than ``skin / 2`` (minimum image) since ``reference``: the Verlet rebuild test."""
    moved = displacement(R.detach(), reference, box.to(R) if box is not None else None)
    return float((moved * moved).sum(-1).max()) > (skin / 2) ** 2


def update_or_reallocate(neighbor_fn, R: Tensor, nbrs):
    """``neighbor_fn.update(R, nbrs)``, or a fresh ``allocate(R)`` (larger capacity) when the list overflows."""
    try:
        return neighbor_fn.update(R, nbrs)
    except NeighborListOverflow:
        return neighbor_fn.allocate(R)


__all__ = ["NeighborListOverflow", "moved_past_half_skin", "update_or_reallocate"]
