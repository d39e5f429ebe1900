"""Time integrators: Runge–Kutta tableaux, ETDRK4, CFL checks and checkpointed rollouts."""

from solvers.time_integrators.cfl import CFLWarning, check_cfl, courant_number
from solvers.time_integrators.etdrk4 import ETDRK4Coefficients, etdrk4_coefficients, etdrk4_step
from solvers.time_integrators.explicit_rk import rk_step
from solvers.time_integrators.rollout import NonFiniteStateError, rollout
from solvers.time_integrators.tableaux import EULER, HEUN, RK4, SSPRK3, TABLEAUX, ButcherTableau, get_tableau

__all__ = [
    "ButcherTableau",
    "TABLEAUX",
    "EULER",
    "HEUN",
    "SSPRK3",
    "RK4",
    "get_tableau",
    "rk_step",
    "ETDRK4Coefficients",
    "etdrk4_coefficients",
    "etdrk4_step",
    "CFLWarning",
    "check_cfl",
    "courant_number",
    "rollout",
    "NonFiniteStateError",
]
