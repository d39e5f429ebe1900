"""Molecular dynamics: neighbour lists, integrators as ``(init, step)`` pairs, constraints, minimisers,
biomolecular dynamics and well-tempered metadynamics."""

from solvers.md.barostat import berendsen_npt
from solvers.md.biomolecular import BiomolecularSettings, MolecularDynamics
from solvers.md.constraints import ConstraintFailure, DistanceConstraints, constrained_dof, rattle, shake
from solvers.md.dense_neighbors import DenseNeighborFn, DenseNeighborList
from solvers.md.half_pair_neighbors import HalfPairList, HalfPairNeighborFn
from solvers.md.integrators import (
    ChainState,
    MDState,
    NonFiniteState,
    berendsen,
    check_state,
    csvr,
    langevin,
    maxwell_boltzmann,
    nhc_conserved,
    nose_hoover_chain,
    nve,
)
from solvers.md.metadynamics import (
    MetadynamicsSettings,
    MetadynamicsState,
    bias_potential,
    deposit,
    empty_bias,
    free_energy,
)
from solvers.md.minimize import MinState, fire, minimize, steepest_descent
from solvers.md.minimize_lbfgs import MinimizationResult, minimize_lbfgs
from solvers.md.monte_carlo_barostat import BarostatSettings, BarostatState, barostat_move, molecule_index
from solvers.md.neighbor_lists import neighbor_list
from solvers.md.pair_neighbors import NeighborFn, NeighborList, cell_list_candidates
from solvers.md.skin import NeighborListOverflow, moved_past_half_skin, update_or_reallocate

__all__ = [
    "MDState",
    "ChainState",
    "NonFiniteState",
    "check_state",
    "nve",
    "langevin",
    "nose_hoover_chain",
    "nhc_conserved",
    "berendsen",
    "csvr",
    "maxwell_boltzmann",
    "berendsen_npt",
    "MinState",
    "fire",
    "steepest_descent",
    "minimize",
    "NeighborFn",
    "NeighborList",
    "DenseNeighborFn",
    "DenseNeighborList",
    "HalfPairNeighborFn",
    "HalfPairList",
    "NeighborListOverflow",
    "neighbor_list",
    "update_or_reallocate",
    "moved_past_half_skin",
    "cell_list_candidates",
    "DistanceConstraints",
    "ConstraintFailure",
    "shake",
    "rattle",
    "constrained_dof",
    "minimize_lbfgs",
    "MinimizationResult",
    "MolecularDynamics",
    "BiomolecularSettings",
    "MetadynamicsSettings",
    "MetadynamicsState",
    "empty_bias",
    "deposit",
    "bias_potential",
    "free_energy",
    "BarostatSettings",
    "BarostatState",
    "barostat_move",
    "molecule_index",
]
