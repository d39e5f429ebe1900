"""Physics-informed neural network solver and its experiment entry point."""
from solvers.pinn.solver import CollocationPoints, PINNSolver, Sampling, sample_points
from solvers.pinn.from_config import phases_from_config
from solvers.pinn.experiment import run_experiment

__all__ = ["PINNSolver", "Sampling", "CollocationPoints", "sample_points", "phases_from_config", "run_experiment"]
