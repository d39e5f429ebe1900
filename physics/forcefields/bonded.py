"""Bonded energy terms from a topology: harmonic bonds, harmonic angles, periodic dihedrals.

    bond        E = ½ k (r − r0)²                        k: energy/length², r0: length
    angle       E = ½ k (θ − θ0)²                        k: energy/rad², θ0 given in degrees
    dihedral    E = Σ_terms k [1 + cos(n φ − φ0)]        k: energy, n: integer, φ0 in degrees

The ½ follows GROMACS; AMBER and CHARMM write ``K (r − r0)²``, so ``k = 2K`` when porting their tables.
The dihedral angle φ of atoms ``i-j-k-l`` follows IUPAC (trans = 180°, right-handed rotation positive),
computed with ``atan2`` as in Blondel & Karplus, J. Comput. Chem. 17, 1132 (1996), so it stays smooth
at 0° and 180°. Bond vectors use the minimum image when a box is given, so molecules may straddle the
boundary, and they follow the homogeneous ``strain`` (the virial, as for pair terms).

A :class:`Topology` lists the atoms' type names and the bonded index tuples (angles and dihedrals can
be generated from the bond graph); :class:`BondedParameters` maps type tuples to parameters (either
order; ``"X"`` is a wildcard for the outer atoms of a dihedral, as in AMBER). :func:`bonded_energy_fn`
resolves every term before returning the energy and names any term whose types have no parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from physics.forcefields.space import check_box, displacement


def _as_index(x, width: int) -> Tensor:
    return torch.as_tensor(x if x is not None and len(x) else [], dtype=torch.int64).reshape(-1, width)


@dataclass(frozen=True)
class Topology:
    """Atom types ``[N]`` and bonded tuples: ``bonds`` ``[Nb, 2]``, ``angles`` ``[Na, 3]``, ``dihedrals``
    ``[Nd, 4]``."""

    types: tuple[str, ...]
    bonds: Tensor
    angles: Tensor
    dihedrals: Tensor

    @staticmethod
    def from_bonds(types, bonds, angles=None, dihedrals=None) -> Topology:
        """A topology whose angles and dihedrals (when not given) are every path of 3 and 4 bonded atoms."""
        types = tuple(str(t) for t in types)
        b = _as_index(bonds, 2)
        n = len(types)
        if b.numel() and (int(b.min()) < 0 or int(b.max()) >= n):
            bad = int(torch.nonzero((b < 0) | (b >= n))[0, 0])
            raise ValueError(f"bond {bad} {b[bad].tolist()} refers to an atom outside 0..{n - 1}.")
        nbr: list[set[int]] = [set() for _ in range(n)]
        for i, j in b.tolist():
            nbr[i].add(j)
            nbr[j].add(i)
        if angles is None:
            angles = [(i, j, k) for j in range(n) for i in sorted(nbr[j]) for k in sorted(nbr[j]) if i < k]
        if dihedrals is None:
            dihedrals = [
                (i, j, k, m)
                for j, k in b.tolist()
                for i in sorted(nbr[j] - {k})
                for m in sorted(nbr[k] - {j})
                if i != m
            ]
        return Topology(types, b, _as_index(angles, 3), _as_index(dihedrals, 4))

    def exclusions(self, within: int = 3) -> Tensor:
        """Pairs ``i < j`` ``[Ne, 2]`` joined by at most ``within`` bonds (1-2, 1-3, 1-4 for 3): the pairs a
        force field usually leaves out of its non-bonded sums."""
        n = len(self.types)
        nbr: list[set[int]] = [set() for _ in range(n)]
        for i, j in self.bonds.tolist():
            nbr[i].add(j)
            nbr[j].add(i)
        out = set()
        for a in range(n):
            frontier, seen = {a}, {a}
            for _ in range(within):
                frontier = {c for f in frontier for c in nbr[f]} - seen
                seen |= frontier
            out |= {(a, c) for c in seen if c > a}
        return torch.tensor(sorted(out), dtype=torch.int64).reshape(-1, 2)


@dataclass(frozen=True)
class BondedParameters:
    """Type-keyed tables: ``bonds[(a, b)] = (k, r0)``, ``angles[(a, b, c)] = (k, θ0°)``,
    ``dihedrals[(a, b, c, d)] = [(k, n, φ0°), ...]``."""

    bonds: dict = field(default_factory=dict)
    angles: dict = field(default_factory=dict)
    dihedrals: dict = field(default_factory=dict)


def _lookup(table: dict, key: tuple[str, ...], wildcard: bool):
    for k in (key, key[::-1]):
        if k in table:
            return table[k]
    if wildcard:
        for k in (key, key[::-1]):
            w = ("X", k[1], k[2], "X")
            if w in table:
                return table[w]
    return None


def _resolve(kind: str, index: Tensor, types, table: dict, wildcard: bool = False):
    rows = []
    for t, atoms in enumerate(index.tolist()):
        key = tuple(types[a] for a in atoms)
        p = _lookup(table, key, wildcard)
        if p is None:
            raise ValueError(
                f"no {kind} parameters for types {key} ({kind} {t}, atoms {atoms}); add "
                f"BondedParameters.{kind}s[{key}] = "
                + {"bond": "(k, r0)", "angle": "(k, theta0_deg)", "dihedral": "[(k, n, phi0_deg), ...]"}[kind]
                + " (the reversed order is accepted too)."
            )
        rows.append(p)
    return rows


def bond_lengths(R: Tensor, bonds: Tensor, box=None, strain=None) -> Tensor:
    """``|r_j − r_i|`` ``[Nb]``."""
    d = _vec(R, bonds[:, 0], bonds[:, 1], box, strain)
    return torch.linalg.norm(d, dim=-1)


def bond_angles(R: Tensor, angles: Tensor, box=None, strain=None) -> Tensor:
    """θ of ``i-j-k`` (radians) ``[Na]``: the angle between ``r_i − r_j`` and ``r_k − r_j``."""
    u = _vec(R, angles[:, 1], angles[:, 0], box, strain)
    v = _vec(R, angles[:, 1], angles[:, 2], box, strain)
    return torch.atan2(torch.linalg.norm(torch.cross(u, v, dim=-1), dim=-1), (u * v).sum(-1))


def dihedral_angles(R: Tensor, dihedrals: Tensor, box=None, strain=None) -> Tensor:
    """IUPAC φ of ``i-j-k-l`` (radians, in (−π, π]) ``[Nd]``."""
    b1 = _vec(R, dihedrals[:, 0], dihedrals[:, 1], box, strain)
    b2 = _vec(R, dihedrals[:, 1], dihedrals[:, 2], box, strain)
    b3 = _vec(R, dihedrals[:, 2], dihedrals[:, 3], box, strain)
    n1, n2 = torch.cross(b1, b2, dim=-1), torch.cross(b2, b3, dim=-1)
    y = torch.linalg.norm(b2, dim=-1) * (b1 * n2).sum(-1)
    return torch.atan2(y, (n1 * n2).sum(-1))


def _vec(R: Tensor, i: Tensor, j: Tensor, box, strain) -> Tensor:
    """``r_j − r_i`` (minimum image, strained)."""
    d = displacement(R.index_select(0, j), R.index_select(0, i), box)
    return d + d @ strain.T if strain is not None else d


def bonded_energy_fn(topology: Topology, parameters: BondedParameters, box=None):
    """``U(R, box=None, strain=None)``: the bonds, angles and dihedrals of ``topology`` (see the module docstring).

    Raises ``ValueError`` naming the first term whose atom types have no parameters.
    """
    default_box = check_box(box)
    types = topology.types
    bp = _resolve("bond", topology.bonds, types, parameters.bonds)
    ap = _resolve("angle", topology.angles, types, parameters.angles)
    dp = _resolve("dihedral", topology.dihedrals, types, parameters.dihedrals, wildcard=True)
    kb = torch.tensor([p[0] for p in bp], dtype=torch.float64)
    r0 = torch.tensor([p[1] for p in bp], dtype=torch.float64)
    ka = torch.tensor([p[0] for p in ap], dtype=torch.float64)
    th0 = torch.tensor([math.radians(p[1]) for p in ap], dtype=torch.float64)
    # dihedrals with several cosine terms become one row per term
    d_index, d_k, d_n, d_phi0 = [], [], [], []
    for t, terms in enumerate(dp):
        for k, n, phi0 in [terms] if isinstance(terms, tuple) and not isinstance(terms[0], (tuple, list)) else terms:
            d_index.append(t)
            d_k.append(k)
            d_n.append(n)
            d_phi0.append(math.radians(phi0))
    d_rows = topology.dihedrals[torch.tensor(d_index, dtype=torch.int64)] if d_index else topology.dihedrals[:0]
    dk = torch.tensor(d_k, dtype=torch.float64)
    dn = torch.tensor(d_n, dtype=torch.float64)
    dphi0 = torch.tensor(d_phi0, dtype=torch.float64)

    def energy(R: Tensor, box=None, strain: Tensor | None = None) -> Tensor:
        b = default_box if box is None else check_box(box)
        b = b.to(R) if b is not None else None
        e = R.new_zeros(())
        if len(bp):
            r = bond_lengths(R, topology.bonds.to(R.device), b, strain)
            e = e + (0.5 * kb.to(R) * (r - r0.to(R)) ** 2).sum()
        if len(ap):
            th = bond_angles(R, topology.angles.to(R.device), b, strain)
            e = e + (0.5 * ka.to(R) * (th - th0.to(R)) ** 2).sum()
        if len(d_index):
            phi = dihedral_angles(R, d_rows.to(R.device), b, strain)
            e = e + (dk.to(R) * (1 + torch.cos(dn.to(R) * phi - dphi0.to(R)))).sum()
        return e

    return energy
