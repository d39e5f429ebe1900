"""Classical reference solutions that PINNs and operators are judged against."""

from solvers.reference.allen_cahn_spectral import AllenCahnSpectral, allen_cahn_spectral
from solvers.reference.burgers_cole_hopf import BurgersColeHopf, burgers_cole_hopf, burgers_observations
from solvers.reference.cavity_reference import CavityReference
from solvers.reference.cylinder_wake_reference import CylinderWakeReference
from solvers.reference.exact import ExactSolution
from solvers.reference.fem_poisson_p1 import boundary_nodes, lshape_mesh, solve_poisson_p1
from solvers.reference.lshape_fem import LShapeFEMReference
from solvers.reference.maxwell_fdtd_reference import MaxwellFDTDReference
from solvers.reference.maxwell_point_source_exact import point_source_fields
from solvers.reference.riemann_exact import StarState, star_state
from solvers.reference.riemann_exact import sample as riemann_sample

__all__ = [
    "MaxwellFDTDReference",
    "point_source_fields",
    "CylinderWakeReference",
    "CavityReference",
    "AllenCahnSpectral",
    "allen_cahn_spectral",
    "ExactSolution",
    "BurgersColeHopf",
    "burgers_cole_hopf",
    "burgers_observations",
    "StarState",
    "star_state",
    "riemann_sample",
    "LShapeFEMReference",
    "lshape_mesh",
    "solve_poisson_p1",
    "boundary_nodes",
]
