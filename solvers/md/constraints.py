"""Holonomic distance constraints: SHAKE for positions and RATTLE for velocities, solved cluster by cluster.

A constraint ``a`` holds atoms ``i, j`` at distance ``d_a``: ``σ_a = |r_ij|² − d_a² = 0`` with its velocity
form ``r_ij·v_ij = 0`` (``r_ij = r_i − r_j``). After an unconstrained drift ``R → R'`` SHAKE (Ryckaert,
Ciccotti & Berendsen, J. Comput. Phys. 23, 327, 1977) moves atoms along the old bond vectors ``s``:

    r_i ← r_i + w_i Σ_a λ_a S_ia s_a,     S_ia = +1 if i is the first atom of a, −1 if the second, w = 1/m

and RATTLE (Andersen, J. Comput. Phys. 52, 24, 1983) removes every velocity component along a constrained
bond with the same form. Constraints that share atoms are coupled; they form small clusters (a methyl
group's three C–H, a rigid water's three distances). For each cluster the multipliers solve a small dense
system, batched over clusters of the same size:

    SHAKE  (Newton)   Σ_b 2 (r_a·s_b) C_ab λ_b = d_a² − |r_a|²     repeated until max |σ_a|/d_a² < tolerance
    RATTLE (exact)    Σ_b (r_a·r_b) C_ab μ_b = r_a·v_a
    C_ab = Σ_atoms S_ka S_kb w_k                   (the coupling: shared atoms, signed, mass-weighted)

This is the matrix form of SHAKE (M-SHAKE, Kräutler, van Gunsteren & Hünenberger, J. Comput. Chem. 22, 501,
2001), close in spirit to CCMA; for one isolated bond it reduces to textbook SHAKE/RATTLE. Newton converges
quadratically, so 1e-10 relative takes three or four solves (float32 stops at its rounding floor,
``4 ε max|R| / min d``). Clusters of more than ``max_cluster`` constraints (all bonds of a protein backbone)
are refused with the fix: constrain only bonds to hydrogen. Vectors use the minimum image when a box is given.
Each constraint removes one degree of freedom (:func:`constrained_dof`). Rigid waters (three constraints
closing a triangle with two equal sides) take the analytic SETTLE instead (:mod:`solvers.md.settle`) unless
``settle=False``; their velocities go through the same exact RATTLE solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from physics.forcefields.space import displacement
from solvers.md import native
from solvers.md.settle import find_rigid_waters, settle


class ConstraintFailure(FloatingPointError):
    """SHAKE did not converge; the message names the worst constraint's atoms and the likely fix."""


@dataclass(frozen=True)
class DistanceConstraints:
    """Pairs ``index`` ``[Nc, 2]`` held at ``distance`` ``[Nc]``; ``labels`` (optional) name atoms in errors."""

    index: Tensor
    distance: Tensor
    tolerance: float = 1e-10
    max_iterations: int = 50
    max_cluster: int = 64
    labels: tuple[str, ...] | None = None
    settle: bool = True

    def __post_init__(self):
        if self.index.ndim != 2 or self.index.shape[1] != 2:
            raise ValueError(f"constraint index must be [Nc, 2], got {tuple(self.index.shape)}.")
        if self.distance.shape != (self.index.shape[0],):
            raise ValueError(f"constraint distances {tuple(self.distance.shape)} must be [{self.index.shape[0]}].")
        if self.distance.numel() and float(self.distance.min()) <= 0:
            raise ValueError("constraint distances must be positive.")
        clusters = _clusters(self.index)
        big = max((len(c) for c in clusters), default=0)
        if big > self.max_cluster:
            raise ValueError(
                f"{big} constraints are coupled in one cluster (more than max_cluster = {self.max_cluster}); "
                "constrain only bonds to hydrogen (constraints=HBonds) rather than all bonds."
            )
        waters, shaken = find_rigid_waters(self.index, self.distance, clusters) if self.settle else (None, clusters)
        object.__setattr__(self, "waters", waters)
        by_size: dict[int, list[list[int]]] = {}
        for c in shaken:
            by_size.setdefault(len(c), []).append(c)
        # derived once, so the dataclass stays immutable: [n_clusters, k] row tables per cluster size k (SHAKE),
        # and the rigid waters (SETTLE); RATTLE solves every cluster
        dev = self.index.device
        object.__setattr__(
            self, "blocks", tuple(torch.tensor(v, dtype=torch.int64, device=dev) for v in by_size.values())
        )
        by_size_all: dict[int, list[list[int]]] = {}
        for c in clusters:
            by_size_all.setdefault(len(c), []).append(c)
        object.__setattr__(
            self, "all_blocks", tuple(torch.tensor(v, dtype=torch.int64, device=dev) for v in by_size_all.values())
        )
        # the same clusters for the native kernels: rows back to back with their offsets
        object.__setattr__(self, "native_shake", _cluster_table(shaken))
        object.__setattr__(self, "native_rattle", _cluster_table(clusters))

    def _name(self, atom: int) -> str:
        return f"atom {atom}" + (f" ({self.labels[atom]})" if self.labels is not None else "")

    def _fail(self, rel: Tensor) -> ConstraintFailure:
        """The failure at the worst constraint of ``rel`` ``[Nc]`` (relative errors)."""
        k = int(torch.argmax(rel.detach()))
        return self._fail_at(k, float(rel[k]))

    def _fail_at(self, k: int, rel: float) -> ConstraintFailure:
        i, j = self.index[k].tolist()
        return ConstraintFailure(
            f"SHAKE did not converge in {self.max_iterations} iterations: the constraint between "
            f"{self._name(i)} and {self._name(j)} is off by {rel:.3g} (relative). The step is probably "
            "too large for the constraints (2 fs is usual with bonds to hydrogen; 4 fs needs hydrogen mass "
            "repartitioning), or the structure has a clash; minimise first."
        )


def connected_components(n_atoms: int, pairs: Tensor) -> Tensor:
    """``[N]`` component number of every atom in the graph whose edges are ``pairs`` ``[P, 2]`` (union–find):
    the molecules of a bond graph, the coupled clusters of a constraint graph."""
    parent = list(range(n_atoms))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i, j in pairs.tolist():
        parent[root(i)] = root(j)
    _, labels = torch.unique(torch.tensor([root(a) for a in range(n_atoms)], dtype=torch.int64), return_inverse=True)
    return labels.to(pairs.device)


def _clusters(index: Tensor) -> list[list[int]]:
    """Constraint rows grouped into connected clusters (rows sharing an atom, transitively)."""
    if not index.numel():
        return []
    labels = connected_components(int(index.max()) + 1, index)[index[:, 0]]
    groups: dict[int, list[int]] = {}
    for row, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(row)
    return list(groups.values())


def _inv_mass(mass, n: int, like: Tensor) -> Tensor:
    m = torch.as_tensor(mass, dtype=like.dtype, device=like.device).reshape(-1)
    return (1.0 / m).expand(n) if m.numel() == 1 else 1.0 / m


def _coupling(c: DistanceConstraints, rows: Tensor, w: Tensor) -> Tensor:
    """``C_ab`` ``[n, k, k]`` on ``w``'s device for the clusters ``rows`` ``[n, k]`` (one of ``c.blocks`` or
    ``c.all_blocks``, see the module docstring).

    The masses do not change during a run, so the last result per cluster table is kept (on the frozen
    constraints object, like its other derived tables) and reused while ``w`` is equal and needs no grad."""
    cache = c.__dict__.setdefault("_couplings", {})
    key = (rows.data_ptr(), rows.shape, w.dtype, w.device)
    hit = cache.get(key)
    if hit is not None and not w.requires_grad and hit[0].shape == w.shape and torch.equal(hit[0], w):
        return hit[1]
    C = _coupling_of(c, rows.to(w.device), w)
    if not w.requires_grad:
        cache[key] = (w.detach().clone(), C)
    return C


def _coupling_of(c: DistanceConstraints, rows: Tensor, w: Tensor) -> Tensor:
    ij = c.index.to(rows.device)[rows]  # [n, k, 2]
    a, b = ij[:, :, None, :, None], ij[:, None, :, None, :]  # atoms of a (first/second) vs atoms of b
    same = (a == b).to(w.dtype)  # [n, k, k, 2, 2]
    sign = torch.tensor([[1.0, -1.0], [-1.0, 1.0]], dtype=w.dtype, device=w.device)
    return (same * sign * w[ij][:, :, None, :, None]).sum((-1, -2))


def _apply(R: Tensor, c: DistanceConstraints, rows: Tensor, lam: Tensor, vec: Tensor, w: Tensor) -> Tensor:
    """``R_i += w_i Σ_a λ_a S_ia vec_a`` for the rows of one cluster size."""
    i, j = c.index.to(R.device)[rows.reshape(-1)].unbind(1)
    move = (lam[..., None] * vec).reshape(-1, 3)
    return R.index_add(0, i, move * w[i, None]).index_add(0, j, -move * w[j, None])


def _cluster_table(clusters: list[list[int]]) -> tuple[Tensor, Tensor]:
    """``(rows, start)`` int64: the constraint rows of every cluster back to back, and each cluster's offset."""
    rows = torch.tensor([a for cluster in clusters for a in cluster], dtype=torch.int64)
    start = torch.tensor([0] + [len(cluster) for cluster in clusters], dtype=torch.int64).cumsum(0)
    return rows, start


def shake(c: DistanceConstraints, R_new: Tensor, R_old: Tensor, mass, box=None) -> Tensor:
    """Positions ``[N, 3]`` moved from ``R_new`` so that every constraint holds (``R_old`` satisfied them)."""
    if not c.index.numel():
        return R_new
    w = _inv_mass(mass, R_new.shape[0], R_new)
    if c.waters is not None:
        R_new, failed = settle(c.waters, R_new, R_old, 1.0 / w, box)
        if failed is not None:
            raise ConstraintFailure(
                f"SETTLE found no rigid geometry for the water of {c._name(failed)}: the step moved it too far. The "
                "step is probably too large for the constraints (2 fs is usual with rigid water), or the structure "
                "has a clash; minimise first."
            )
        if not c.blocks:
            return R_new
    # the floor a precision can hold: |r|² of a bond of length d between atoms at |R| carries ~4 ε |R| / d
    eps = torch.finfo(R_new.dtype).eps
    tolerance = max(c.tolerance, 100 * eps, 4 * eps * float(R_new.detach().abs().max()) / float(c.distance.min()))
    if native.usable(R_new, R_old, w):
        R, failed = native.shake_clusters(
            c.index, c.native_shake, c.distance, R_new, R_old, w, box, tolerance, c.max_iterations
        )
        if failed is None:
            return R
        i, j = c.index[failed].tolist()
        d2 = float(c.distance[failed]) ** 2
        raise c._fail_at(failed, abs(float((displacement(R[i], R[j], box) ** 2).sum()) - d2) / d2)
    i, j = c.index.to(R_new.device).unbind(1)
    d2 = c.distance.to(R_new) ** 2
    s = displacement(R_old[i], R_old[j], box)
    coupling = [(rows.to(R_new.device), _coupling(c, rows, w)) for rows in c.blocks]
    R = R_new
    for _ in range(c.max_iterations):
        r = displacement(R[i], R[j], box)
        sigma = d2 - (r * r).sum(-1)
        rel = sigma.abs() / d2
        if float(rel.detach().max()) < tolerance:
            return R
        for rows, C in coupling:
            ra, sb = r[rows], s[rows]  # [n, k, 3]
            A = 2 * torch.einsum("nad,nbd->nab", ra, sb) * C
            lam = torch.linalg.solve(A, sigma[rows])
            R = _apply(R, c, rows, lam, sb, w)
    raise c._fail(rel)


def rattle(c: DistanceConstraints, R: Tensor, V: Tensor, mass, box=None) -> Tensor:
    """Velocities ``[N, 3]`` with every component along a constrained bond removed (one exact solve)."""
    if not c.index.numel():
        return V
    w = _inv_mass(mass, R.shape[0], R)
    if native.usable(R, V, w):
        return native.rattle_clusters(c.index, c.native_rattle, R, V, w, box)
    i, j = c.index.to(R.device).unbind(1)
    r = displacement(R[i], R[j], box)
    rv = (r * (V[i] - V[j])).sum(-1)
    for block in c.all_blocks:
        rows = block.to(R.device)
        ra = r[rows]
        A = torch.einsum("nad,nbd->nab", ra, ra) * _coupling(c, block, w)
        mu = torch.linalg.solve(A, rv[rows])
        V = _apply(V, c, rows, -mu, ra, w)
    return V


def constrained_dof(n_atoms: int, n_constraints: int, remove_com: bool = True) -> int:
    """Degrees of freedom ``3N − N_c − 3`` (``− 3`` only when the centre-of-mass motion is conserved/removed)."""
    return 3 * n_atoms - n_constraints - (3 if remove_com else 0)
