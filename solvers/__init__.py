"""solvers: how problems are solved (PINNs, reference solvers). Imports ``sciml`` and ``physics``."""
from solvers.pinn import PINNSolver, run_experiment
from solvers.reference import BurgersColeHopf, burgers_cole_hopf

__all__ = ["PINNSolver", "run_experiment", "BurgersColeHopf", "burgers_cole_hopf"]
