"""Molecular-dynamics integrators as ``(init, step)`` pairs over a frozen :class:`MDState`, one scheme per file.

- :func:`nve` (``verlet.py``): velocity Verlet (Swope et al. 1982), time-reversible and symplectic.
- :func:`langevin` (``langevin.py``): BAOAB splitting (Leimkuhler & Matthews 2013).
- :func:`nose_hoover_chain` (``nose_hoover.py``): NVT with a thermostat chain (Martyna, Klein & Tuckerman 1992).
- :func:`berendsen` (``berendsen.py``) and :func:`csvr` (``csvr.py``): weak-coupling and stochastic velocity
  rescaling thermostats (Bussi, Donadio & Parrinello 2007).

Units: any consistent set (reduced LJ by default, ``k_B = 1``).
"""

from solvers.md.integrators.berendsen import berendsen
from solvers.md.integrators.csvr import csvr
from solvers.md.integrators.langevin import langevin
from solvers.md.integrators.nose_hoover import ChainState, nhc_conserved, nose_hoover_chain
from solvers.md.integrators.state import (
    MDState,
    NonFiniteState,
    check_state,
    energy_and_forces,
    make_init,
    positive_mass,
)
from solvers.md.integrators.velocities import maxwell_boltzmann
from solvers.md.integrators.verlet import nve, verlet_step

__all__ = [
    "MDState",
    "ChainState",
    "NonFiniteState",
    "check_state",
    "energy_and_forces",
    "make_init",
    "positive_mass",
    "nve",
    "verlet_step",
    "langevin",
    "nose_hoover_chain",
    "nhc_conserved",
    "berendsen",
    "csvr",
    "maxwell_boltzmann",
]
