"""1-D Burgers solvers."""
from solvers.burgers.finite_difference import DirichletBurgers
from solvers.burgers.spectral import BurgersState, SpectralBurgers, burgers_rk_step

__all__ = ["BurgersState", "SpectralBurgers", "DirichletBurgers", "burgers_rk_step"]
