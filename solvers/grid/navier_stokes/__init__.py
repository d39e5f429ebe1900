"""2-D incompressible Navier–Stokes: pseudo-spectral vorticity (periodic), the penalised cylinder wake, and the
wake data (snapshots, sparse observations) for the PINN inverse problem, and a least-squares check of which
coefficients such data obey."""

from solvers.grid.navier_stokes.coefficient_fit import fit_coefficients, fit_wake_coefficients
from solvers.grid.navier_stokes.spectral_vorticity import (
    NSGrid,
    NSState,
    kolmogorov_forcing,
    max_velocity,
    step,
    taylor_green_vorticity,
    vorticity_rhs,
)
from solvers.grid.navier_stokes.wake_data import read_wake, wake_observations, wake_snapshots

__all__ = [
    "wake_snapshots",
    "wake_observations",
    "read_wake",
    "fit_coefficients",
    "fit_wake_coefficients",
    "NSGrid",
    "NSState",
    "step",
    "vorticity_rhs",
    "kolmogorov_forcing",
    "taylor_green_vorticity",
    "max_velocity",
]
