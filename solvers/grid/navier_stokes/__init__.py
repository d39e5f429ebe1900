"""2-D incompressible Navier–Stokes: pseudo-spectral vorticity (periodic), the penalised cylinder wake, and the
wake data (snapshots, sparse observations) for the PINN inverse problem."""

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
    "NSGrid",
    "NSState",
    "step",
    "vorticity_rhs",
    "kolmogorov_forcing",
    "taylor_green_vorticity",
    "max_velocity",
]
