"""1-D compressible Euler: WENO5 reconstruction, HLLC and Roe fluxes, SSPRK3 stepping."""
from solvers.euler.finite_volume import (FLUXES, EulerState, conserved, max_stable_dt, primitive, rhs, sod_initial,
                                         step)
from solvers.euler.fluxes import hllc, roe
from solvers.euler.weno5 import reconstruct

__all__ = ["EulerState", "step", "rhs", "primitive", "conserved", "max_stable_dt", "sod_initial", "FLUXES",
           "hllc", "roe", "reconstruct"]
