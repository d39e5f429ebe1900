"""``neighbor_list(box, cutoff, skin, format=...)``: one entry point to the neighbour-list formats.

``format="pairs"``: :class:`~solvers.md.pair_neighbors.NeighborFn` (``nbrs.pairs [P, 2]``, autograd
energies). ``format="dense"``: :class:`~solvers.md.dense_neighbors.DenseNeighborFn` (``nbrs.idx [N, M]``,
the fused fast path). ``format="half"``: :class:`~solvers.md.half_pair_neighbors.HalfPairNeighborFn`
(``nbrs.pairs [P, 2]``, each pair once, what the biomolecular pair kernel reads). All rebuild by the
Verlet-skin rule of :mod:`solvers.md.skin`.
"""

from __future__ import annotations

from physics.forcefields.space import check_box
from solvers.md.dense_neighbors import DenseNeighborFn
from solvers.md.half_pair_neighbors import HalfPairNeighborFn
from solvers.md.pair_neighbors import NeighborFn

FORMATS = ("pairs", "dense", "half")


def neighbor_list(
    box, cutoff: float, skin: float = 0.3, capacity_multiplier: float = 1.25, format: str = "pairs", excluded=None
):
    """Verlet list for ``cutoff`` with ``skin`` (both in length units) in ``box`` (``None`` = free space).

    ``format="pairs"``: :class:`NeighborFn` giving ``nbrs.pairs`` ``[P, 2]``. ``format="dense"``:
    :class:`~solvers.md.dense_neighbors.DenseNeighborFn` giving ``nbrs.idx`` ``[N, M]``, the fast path
    (pair it with an energy built with ``format="dense"``). ``format="half"``:
    :class:`~solvers.md.half_pair_neighbors.HalfPairNeighborFn` giving ``nbrs.pairs`` ``[P, 2]``, each pair
    ``i < j`` once, built natively on CPU (the biomolecular engine's list); ``excluded`` (its energy's
    ``exception_rows()``) leaves those pairs out as it builds.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown neighbour-list format {format!r}; use one of {FORMATS}.")
    b = check_box(box)
    if not cutoff > 0 or skin < 0:
        raise ValueError(f"need cutoff > 0 and skin >= 0, got cutoff={cutoff}, skin={skin}.")
    if b is not None and float(b.min()) < 2 * (cutoff + skin):
        raise ValueError(
            f"cutoff + skin = {cutoff + skin} exceeds half the smallest box edge {float(b.min()) / 2}; "
            "minimum-image pairs would be missed. Use a smaller skin or a bigger box."
        )
    if format == "dense":
        return DenseNeighborFn(b, float(cutoff), float(skin), float(capacity_multiplier))
    if format == "half":
        return HalfPairNeighborFn(b, float(cutoff), float(skin), float(capacity_multiplier), excluded)
    if excluded is not None:
        raise ValueError(f"excluded= applies to format='half' only; format={format!r} lists every pair.")
    return NeighborFn(b, float(cutoff), float(skin), float(capacity_multiplier))


__all__ = ["neighbor_list", "FORMATS"]
