"""Classical reference solutions that PINNs and operators are judged against."""
from solvers.reference.burgers_cole_hopf import BurgersColeHopf, burgers_cole_hopf

__all__ = ["BurgersColeHopf", "burgers_cole_hopf"]
