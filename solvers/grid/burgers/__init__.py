"""1-D Burgers solvers."""

from solvers.grid.burgers.finite_difference import DirichletBurgers
from solvers.grid.burgers.spectral import BurgersState, SpectralBurgers, burgers_rk_step

__all__ = ["BurgersState", "SpectralBurgers", "DirichletBurgers", "burgers_rk_step"]
