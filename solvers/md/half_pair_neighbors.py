"""Half pair lists: every pair ``i < j`` within ``cutoff + skin`` once, as ``[P, 2]`` int32, the layout the
biomolecular pair kernel reads.

On CPU the native kernel (:func:`solvers.md.native.cell_half_pairs`) builds it straight from the cell list, with
no dense rows in between: on DHFR (23 558 atoms, 5.7 million pairs) 50 ms, where the dense rows, trimmed and then
turned into pairs, took 102 ms (2 threads). Elsewhere (a GPU, no compiler, a box under three cells across) the
pairs come from :class:`~solvers.md.dense_neighbors.DenseNeighborFn`'s rows. Given an energy's exception rows
(``excluded=energy.exception_rows()``) the native kernel leaves the exceptions out as it builds (18 ms less per
DHFR rebuild than the energy's own pass), and :attr:`HalfPairList.excluded` says so; otherwise they stay in the
list and the energy drops them, once per list. Rebuilds follow the Verlet-skin rule (:mod:`solvers.md.skin`);
the list has no capacity to overflow.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from physics.forcefields.biomolecular import NeighborRows
from solvers.md import native
from solvers.md.dense_neighbors import DenseNeighborFn
from solvers.md.skin import moved_past_half_skin


@dataclass(frozen=True)
class HalfPairList:
    """``pairs`` ``[P, 2]`` (``i < j``, int32 from the native kernel, int64 otherwise) within reach of the positions
    ``reference`` ``[N, 3]`` of the last build, and how many rebuilds came before it. ``excluded``: the exception
    rows left out of ``pairs`` (the native kernel, when the function was given them), else ``None``."""

    pairs: Tensor
    reference: Tensor
    rebuilds: int = 0
    excluded: tuple | None = None


class HalfPairNeighborFn:
    """Build with ``neighbor_list(box, cutoff, skin, format="half")``; ``allocate(R)`` and ``update(R, nbrs)``."""

    def __init__(
        self, box: Tensor | None, cutoff: float, skin: float, capacity_multiplier: float = 1.25, excluded=None
    ):
        self.box, self.cutoff, self.skin, self.excluded = box, cutoff, skin, excluded
        self._rows = DenseNeighborFn(box, cutoff, skin, capacity_multiplier)  # the fallback

    def _build(self, R: Tensor, hint: int, rebuilds: int) -> HalfPairList:
        pairs, native_built = self._pairs(R, hint)
        excluded = self.excluded if native_built else None
        return HalfPairList(pairs, R.detach().clone(), rebuilds, excluded)

    def _pairs(self, R: Tensor, hint: int = 0) -> tuple[Tensor, bool]:
        reach = self.cutoff + self.skin
        box = self.box.to(R) if self.box is not None else None
        if (
            box is not None
            and R.device.type == "cpu"
            and R.dtype in (torch.float32, torch.float64)
            and native.available()
            and native.cell_grid(box, reach) is not None
        ):
            return native.cell_half_pairs(R.detach(), box, reach, hint, self.excluded), True
        return NeighborRows(self._rows.allocate(R.detach()).idx).half_pairs(), False

    def allocate(self, R: Tensor) -> HalfPairList:
        """A fresh list at ``R``."""
        return self._build(R, 0, 0)

    def update(self, R: Tensor, nbrs: HalfPairList) -> HalfPairList:
        """``nbrs`` itself, or a rebuild at ``R`` once an atom has moved more than ``skin / 2`` since the last one."""
        if not moved_past_half_skin(R, nbrs.reference, self.box, self.skin):
            return nbrs
        return self._build(R, len(nbrs.pairs), nbrs.rebuilds + 1)


__all__ = ["HalfPairList", "HalfPairNeighborFn"]
