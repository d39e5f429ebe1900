"""Classical reference solutions that PINNs and operators are judged against."""
from solvers.reference.allen_cahn_spectral import AllenCahnSpectral, allen_cahn_spectral
from solvers.reference.burgers_cole_hopf import BurgersColeHopf, burgers_cole_hopf
from solvers.reference.cavity_reference import CavityReference
from solvers.reference.cylinder_wake_reference import CylinderWakeReference
from solvers.reference.maxwell_fdtd_reference import MaxwellFDTDReference
from solvers.reference.maxwell_point_source_exact import point_source_fields
from solvers.reference.exact import ExactSolution
from solvers.reference.riemann_exact import StarState, sample as riemann_sample, star_state

__all__ = ["MaxwellFDTDReference", "point_source_fields", "CylinderWakeReference", "CavityReference", "AllenCahnSpectral", "allen_cahn_spectral", "ExactSolution", "BurgersColeHopf", "burgers_cole_hopf", "StarState", "star_state", "riemann_sample"]
