"""Classical reference solutions that PINNs and operators are judged against."""
from solvers.reference.burgers_cole_hopf import BurgersColeHopf, burgers_cole_hopf
from solvers.reference.exact import ExactSolution
from solvers.reference.riemann_exact import StarState, sample as riemann_sample, star_state

__all__ = ["ExactSolution", "BurgersColeHopf", "burgers_cole_hopf", "StarState", "star_state", "riemann_sample"]
