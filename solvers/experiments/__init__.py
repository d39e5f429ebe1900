"""Entry points of the grid-solver experiments (``runner:`` in configs/experiment/*.yaml)."""
