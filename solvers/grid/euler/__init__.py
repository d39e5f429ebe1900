"""1-D compressible Euler: WENO5 reconstruction, HLLC, HLLE, Roe and Roe–HLLE fluxes, SSPRK3 stepping."""

from solvers.grid.euler.finite_volume import (
    FLUXES,
    EulerState,
    NonPhysicalStateError,
    check_physical,
    conserved,
    max_stable_dt,
    primitive,
    rhs,
    riemann_initial,
    sod_initial,
    step,
)
from solvers.grid.euler.fluxes import hllc, hlle, roe, roe_hlle
from solvers.grid.euler.weno5 import reconstruct

__all__ = [
    "EulerState",
    "step",
    "rhs",
    "primitive",
    "conserved",
    "max_stable_dt",
    "riemann_initial",
    "sod_initial",
    "check_physical",
    "NonPhysicalStateError",
    "FLUXES",
    "hllc",
    "hlle",
    "roe",
    "roe_hlle",
    "reconstruct",
]
