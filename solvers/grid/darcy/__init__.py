"""Darcy flow solvers (operator-learning data)."""

from solvers.grid.darcy.finite_volume import assemble, cell_centres, solve

__all__ = ["assemble", "solve", "cell_centres"]
