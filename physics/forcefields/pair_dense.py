"""Pair energies over a *dense* neighbour list, with a fused fast path for forces.

The dense format (jax-md's ``NeighborListFormat.Dense``) stores, for every atom ``i``, the indices of
its neighbours in a row: ``neighbors`` ``[N, M]`` (int), padded with ``N`` (an index one past the last
atom). Each pair appears in both rows, so the energy is

    U = ½ Σ_i Σ_{m} φ(|r_i − r_{neighbors[i, m]}|)        (padding and r ≥ r_c contribute 0)

Two ways to evaluate it, checked against each other in the tests:

- ``energy_fn(R, neighbors, box=None, strain=None)`` — plain torch, differentiable in ``R``, the box,
  the strain (virial) and any tensor parameter of ``φ`` (autograd forces, gradients of observables).
- ``energy_fn.energy_and_forces(R, neighbors, box=None)`` — the fast path the integrators use when they
  do not need a graph. It works on the three coordinates separately (structure of arrays) and takes
  the radial derivative ``φ'(r)`` from ``torch.func.grad``, so any ``φ`` works (or from a closed form on
  ``r²``, as for Lennard-Jones); every atom's force is
  a row reduction ``F_i = −Σ_m φ'(r_im) d_im / r_im`` with no scatter, which ``torch.compile`` fuses into one
  loop over pairs. Compiled on first use (``compile=True``); eager otherwise.

Units follow the inputs, as in :mod:`.pair`.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from physics.forcefields.space import check_box


def _minimum_image(d: Tensor, length) -> Tensor:
    return d - length * torch.round(d / length)


class DensePairEnergy:
    """``U(R, neighbors, box=None, strain=None)`` for a pair potential ``cut(r)`` (already truncated).

    Build it with :func:`physics.forcefields.pair.pair_energy_fn` (``format="dense"``) or a ladder
    function such as ``lennard_jones_neighbor_list(..., format="dense")``. ``radial_r2(r²) → (φ, −φ'(r)/r)``
    is an optional closed form on squared distances (no square root), e.g. :func:`lennard_jones_radial_r2`;
    without it the fast path differentiates ``cut`` with ``torch.func.grad``.
    """

    def __init__(
        self,
        cut: Callable[[Tensor], Tensor],
        box: Tensor | None,
        cutoff: float | None,
        compile: bool = True,
        radial_r2: Callable[[Tensor], tuple[Tensor, Tensor]] | None = None,
    ):
        self.cut = cut
        self.radial_r2 = radial_r2
        self.box = box
        self.cutoff = cutoff
        self.compile = compile
        self._fast_compiled = None
        self._radial = torch.func.vmap(torch.func.grad(cut))

    def _box(self, box, like: Tensor):
        b = self.box if box is None else check_box(box)
        return b.to(like) if b is not None else None

    def __call__(self, R: Tensor, neighbors: Tensor, box=None, strain: Tensor | None = None) -> Tensor:
        """Potential energy (0-d) of ``R [N, 3]`` over the dense ``neighbors [N, M]`` rows (padded with ``N``)."""
        _check_neighbors(R, neighbors)
        n = R.shape[0]
        b = self._box(box, R)
        valid = neighbors < n
        j = torch.where(valid, neighbors, torch.zeros_like(neighbors)).reshape(-1)
        d = R.unsqueeze(1) - R.index_select(0, j).reshape(*neighbors.shape, 3)
        if b is not None:
            d = _minimum_image(d, b)
        if strain is not None:
            d = d + d @ strain.T
        r = torch.sqrt((d * d).sum(-1) + (~valid).to(R.dtype))  # padding gets r = 1, masked below
        e = self.cut(r)
        return 0.5 * torch.where(valid, e, torch.zeros_like(e)).sum()

    def _fast(self, R: Tensor, neighbors: Tensor, box: Tensor | None) -> tuple[Tensor, Tensor]:
        nan = torch.full((1,), float("nan"), dtype=R.dtype, device=R.device)  # padding index N reads NaN
        d = []
        for a in range(3):
            x = R[:, a]
            da = x.unsqueeze(1) - torch.cat([x, nan])[neighbors]
            d.append(_minimum_image(da, box[a]) if box is not None else da)
        r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
        inside = (r2 < self.cutoff * self.cutoff) if self.cutoff is not None else ~torch.isnan(r2)
        r2 = torch.where(inside, r2, torch.ones_like(r2))
        if self.radial_r2 is not None:
            e, g = self.radial_r2(r2)
        else:
            r = torch.sqrt(r2)
            e, g = self.cut(r), -self._radial(r.reshape(-1)).reshape(r.shape) / r
        e = torch.where(inside, e, torch.zeros_like(e))
        zero = torch.zeros_like(g)
        F = torch.stack([torch.where(inside, g * da, zero).sum(1) for da in d], 1)  # padding's NaN stays out
        return 0.5 * e.sum(), F

    def energy_and_forces(self, R: Tensor, neighbors: Tensor, box=None) -> tuple[Tensor, Tensor]:
        """``(U, F)`` without an autograd graph: ``U`` 0-d, ``F = −∂U/∂R`` ``[N, 3]``."""
        _check_neighbors(R, neighbors)
        b = self._box(box, R)
        fn = self._fast
        if self.compile:
            if self._fast_compiled is None:
                self._fast_compiled = torch.compile(self._fast, dynamic=False)
            fn = self._fast_compiled
            torch._dynamo.mark_dynamic(neighbors, 1)  # row width changes with rebuilds: one kernel for all
        with torch.no_grad():
            return fn(R.detach(), neighbors, b)


def lennard_jones_radial_r2(sigma: float = 1.0, epsilon: float = 1.0, shift: float = 0.0):
    """``r² → (φ(r) − shift, −φ'(r)/r)`` for ``φ = 4ε[(σ/r)¹² − (σ/r)⁶]``: ``−φ'/r = 24ε[2(σ/r)¹² − (σ/r)⁶] / r²``."""

    def radial(r2: Tensor) -> tuple[Tensor, Tensor]:
        s6 = (sigma * sigma / r2) ** 3
        return 4 * epsilon * (s6 * s6 - s6) - shift, 24 * epsilon * (2 * s6 * s6 - s6) / r2

    return radial


def _check_neighbors(R: Tensor, neighbors: Tensor) -> None:
    if neighbors.ndim != 2 or neighbors.shape[0] != R.shape[0] or neighbors.dtype.is_floating_point:
        raise ValueError(
            f"a dense neighbour list must be an integer tensor [N, M] = [{R.shape[0]}, M], got "
            f"{neighbors.dtype} {tuple(neighbors.shape)}; build it with neighbor_list(..., format='dense') "
            "and pass nbrs.idx (the pair format passes nbrs.pairs to a format='pairs' energy)."
        )
