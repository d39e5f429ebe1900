"""1-D Burgers solvers."""
from solvers.burgers.spectral import BurgersState, SpectralBurgers, burgers_rk_step

__all__ = ["BurgersState", "SpectralBurgers", "burgers_rk_step"]
