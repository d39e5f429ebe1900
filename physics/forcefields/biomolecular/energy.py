"""The potential energy of a :class:`MolecularSystem`, term by term; forces come from autograd.

    U(R) = Σ_bonds ½ k (r − r0)² + Σ_angles ½ k (θ − θ0)² + Σ_torsions k [1 + cos(n φ − φ0)]
         + Σ_impropers k (ξ − ξ0)² + Σ_cmap E_map(φ, ψ)                (CHARMM; see :mod:`.cmap`)
         + E_LJ + E_coulomb                                     (see :mod:`.nonbonded`)

``R`` ``[N, 3]`` in nm, energies in kJ/mol. Angles and the IUPAC dihedral come from
:mod:`physics.forcefields.bonded` (``atan2`` forms, smooth at 0 and π). The same function serves float32
and float64 and is differentiable with respect to positions, the box (``strain``, for the virial) and, by
rebuilding the system with tensors that require grad, the force-field parameters themselves.
"""

from __future__ import annotations

import torch
from torch import Tensor

from physics.forcefields.biomolecular.bonded_kernel import native_bonded, native_bonded_applies
from physics.forcefields.biomolecular.cmap import cmap_energy
from physics.forcefields.biomolecular.nonbonded import nonbonded_energy_fn
from physics.forcefields.biomolecular.system import MolecularSystem
from physics.forcefields.bonded import bond_angles, bond_lengths, dihedral_angles

TERMS = ("bonds", "angles", "torsions", "impropers", "cmap", "lennard_jones", "coulomb")


class MolecularEnergy:
    """``U(R, box=None, strain=None) -> Tensor`` for one system; :meth:`terms` gives the parts.

    Holds only the (immutable) system and its pair list; no simulation state.
    """

    def __init__(self, system: MolecularSystem):
        self.system = system
        self._nonbonded = nonbonded_energy_fn(system)

    def exception_rows(self) -> tuple[Tensor, Tensor]:
        """The excepted partners of each atom (:func:`.pair_kernel.exception_rows`), the one tuple a neighbour list
        passes back in :class:`.pair_kernel.ExceptionFreePairs` so that the energy need not filter its pairs."""
        return self._nonbonded.exception_rows()

    def terms(
        self, R: Tensor, box: Tensor | None = None, strain: Tensor | None = None, pairs: Tensor | None = None
    ) -> dict[str, Tensor]:
        """Each term of :data:`TERMS` as a 0-d tensor (kJ/mol); ``pairs``: neighbour-list candidates [P, 2]."""
        return self._terms(R, box, strain, pairs, pair_gradient=False)[0]

    def energy_and_forces(
        self, R: Tensor, box: Tensor | None = None, pairs: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        """``(U, F = −∂U/∂R)``, both detached: for integrator steps that are not differentiated.

        Where the native kernels apply (CPU, no parameter requiring grad) every term comes with its analytic
        gradient: the pair sum and exceptions (:mod:`.pair_kernel`), the PME mesh (:mod:`.pme_kernel`), bonds,
        angles and torsions (:mod:`.bonded_kernel`); autograd differentiates what is left (CHARMM impropers
        and CMAP). Same result as ``autograd.grad(self(R), R)`` to rounding.
        """
        with torch.enable_grad():
            Rg = R.detach().requires_grad_(True)
            parts, pair_grad = self._terms(Rg, box, None, pairs, pair_gradient=True)
            e = sum(parts.values())
            g = torch.autograd.grad(e, Rg)[0] if e.requires_grad else torch.zeros_like(Rg)
        if pair_grad is not None:
            g = g + pair_grad
        return e.detach(), -g

    def _terms(self, R, box, strain, pairs, pair_gradient: bool) -> tuple[dict[str, Tensor], Tensor | None]:
        if R.ndim != 2 or R.shape != (self.system.n_atoms, 3):
            raise ValueError(
                f"positions have shape {tuple(R.shape)}; this system has {self.system.n_atoms} atoms, so "
                f"expected ({self.system.n_atoms}, 3) in nm."
            )
        s = self.system
        b = s.box if box is None else box
        b = b.to(R) if b is not None else None
        pair_grad = None
        if pair_gradient:
            lj, coul, pair_grad = self._nonbonded(R, b, strain, pairs, pair_gradient=True)
        else:
            lj, coul = self._nonbonded(R, b, strain, pairs)
        out = {}
        if pair_grad is not None and native_bonded_applies(s, R):  # the whole step without autograd
            out["bonds"], out["angles"], out["torsions"] = native_bonded(s, R, b, pair_grad)
        else:
            bonds = s.bonds
            r = bond_lengths(R, bonds.index.to(R.device), b, strain)
            out["bonds"] = (0.5 * bonds.k.to(R) * (r - bonds.r0.to(R)) ** 2).sum()
            ang = s.angles
            th = bond_angles(R, ang.index.to(R.device), b, strain)
            out["angles"] = (0.5 * ang.k.to(R) * (th - ang.theta0.to(R)) ** 2).sum()
            tor = s.torsions
            phi = dihedral_angles(R, tor.index.to(R.device), b, strain)
            out["torsions"] = (tor.k.to(R) * (1 + torch.cos(tor.periodicity.to(R) * phi - tor.phase.to(R)))).sum()
        imp, cm = s.impropers, s.cmap
        out["impropers"], out["cmap"] = R.new_zeros(()), R.new_zeros(())
        if imp.index.numel():
            xi = dihedral_angles(R, imp.index.to(R.device), b, strain)
            out["impropers"] = (imp.k.to(R) * (xi - imp.xi0.to(R)) ** 2).sum()
        if cm.index.numel():
            out["cmap"] = cmap_energy(R, cm.index.to(R.device), cm.map_index.to(R.device), cm.coefficients, b, strain)
        out["lennard_jones"], out["coulomb"] = lj, coul
        return out, pair_grad

    def __call__(
        self, R: Tensor, box: Tensor | None = None, strain: Tensor | None = None, pairs: Tensor | None = None
    ) -> Tensor:
        """The total potential energy (0-d tensor, kJ/mol)."""
        return sum(self.terms(R, box, strain, pairs).values())


def molecular_energy_fn(system: MolecularSystem) -> MolecularEnergy:
    """The energy function of ``system`` (a callable ``U(R, box=None, strain=None)`` with ``.terms``)."""
    return MolecularEnergy(system)
