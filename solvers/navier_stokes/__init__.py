"""2-D incompressible Navier–Stokes solvers."""
from solvers.navier_stokes.spectral_vorticity import (NSGrid, NSState, kolmogorov_forcing, max_velocity, step,
                                                      taylor_green_vorticity, vorticity_rhs)

__all__ = ["NSGrid", "NSState", "step", "vorticity_rhs", "kolmogorov_forcing", "taylor_green_vorticity", "max_velocity"]
