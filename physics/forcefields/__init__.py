"""Force fields: space (boxes, minimum image), pair potentials on the jax-md naming ladder, quantities
(forces and the virial from autograd), lattices."""
from physics.forcefields.bonded import (BondedParameters, Topology, bond_angles, bond_lengths, bonded_energy_fn,
                                        dihedral_angles)
from physics.forcefields.electrostatics import coulomb_reaction_field, ewald, rock_salt
from physics.forcefields.lattice import fcc
from physics.forcefields.neural import NeuralPairPotential
from physics.forcefields.pair import (LJ_MINIMUM, buckingham, buckingham_neighbor_list, buckingham_pair, lennard_jones,
                                      lennard_jones_neighbor_list, lennard_jones_pair, morse, morse_neighbor_list,
                                      morse_pair, pair_energy_fn, soft_sphere, soft_sphere_neighbor_list,
                                      soft_sphere_pair, switching, wca, wca_neighbor_list, wca_pair)
from physics.forcefields.pair_dense import DensePairEnergy
from physics.forcefields.quantities import (degrees_of_freedom, energy_and_forces, forces, kinetic_energy, pressure,
                                            temperature,
                                            virial_stress)
from physics.forcefields.units import LJ, METAL, REAL, UnitSystem, unit_system
from physics.forcefields.space import check_box, displacement, volume, wrap

__all__ = ["degrees_of_freedom", "NeuralPairPotential", "UnitSystem", "unit_system", "LJ", "METAL", "REAL", "Topology", "BondedParameters", "bonded_energy_fn", "bond_lengths", "bond_angles", "dihedral_angles",
           "fcc", "ewald", "coulomb_reaction_field", "rock_salt", "LJ_MINIMUM", "lennard_jones", "lennard_jones_pair", "lennard_jones_neighbor_list", "morse",
           "morse_pair", "morse_neighbor_list", "soft_sphere", "soft_sphere_pair", "soft_sphere_neighbor_list", "wca",
           "wca_pair", "wca_neighbor_list", "buckingham", "buckingham_pair", "buckingham_neighbor_list", "switching",
           "pair_energy_fn", "DensePairEnergy", "forces", "energy_and_forces", "virial_stress", "pressure", "kinetic_energy",
           "temperature", "check_box", "displacement", "wrap", "volume"]
