"""Molecular dynamics: neighbour lists, integrators as ``(init, step)`` pairs, minimisers."""

from solvers.md.barostat import berendsen_npt
from solvers.md.dense_neighbors import DenseNeighborFn, DenseNeighborList
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
from solvers.md.minimize import MinState, fire, minimize, steepest_descent
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
    "NeighborListOverflow",
    "neighbor_list",
    "update_or_reallocate",
    "moved_past_half_skin",
    "cell_list_candidates",
]
