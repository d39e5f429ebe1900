"""Biomolecular force fields: a parameterised :class:`MolecularSystem` (AMBER-style terms as tensors), its
energy term by term (PME included), collective variables, and conversion from OpenMM's parameter assignment
(AMBER files, PDB + force-field XML; AMBER and CHARMM36 force fields).

Units are OpenMM's: nm, kJ/mol, g/mol, e, ps (:data:`physics.forcefields.MD`).
"""

from physics.forcefields.biomolecular.collective_variables import (
    angle,
    cv_difference,
    dihedral,
    distance,
    harmonic_restraint,
    rmsd,
)
from physics.forcefields.biomolecular.energy import TERMS, MolecularEnergy, molecular_energy_fn
from physics.forcefields.biomolecular.from_openmm import data_file, from_openmm, load_amber, load_pdb
from physics.forcefields.biomolecular.nonbonded import dispersion_correction, non_excepted_pairs
from physics.forcefields.biomolecular.pair_kernel import ExceptionFreePairs, NeighborRows, native_pairs_available
from physics.forcefields.biomolecular.system import (
    AtomLabel,
    CMAPTorsions,
    Constraints,
    HarmonicAngles,
    HarmonicBonds,
    HarmonicImpropers,
    MolecularSystem,
    NonbondedExceptions,
    NonbondedParticles,
    NonbondedSettings,
    PeriodicTorsions,
)

__all__ = [
    "NeighborRows",
    "ExceptionFreePairs",
    "native_pairs_available",
    "MolecularSystem",
    "AtomLabel",
    "HarmonicBonds",
    "HarmonicAngles",
    "PeriodicTorsions",
    "HarmonicImpropers",
    "CMAPTorsions",
    "NonbondedParticles",
    "NonbondedExceptions",
    "NonbondedSettings",
    "Constraints",
    "MolecularEnergy",
    "molecular_energy_fn",
    "TERMS",
    "from_openmm",
    "load_amber",
    "load_pdb",
    "data_file",
    "dispersion_correction",
    "non_excepted_pairs",
    "distance",
    "angle",
    "dihedral",
    "rmsd",
    "cv_difference",
    "harmonic_restraint",
]
