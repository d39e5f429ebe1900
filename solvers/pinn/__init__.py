"""Physics-informed neural networks: collocation, the loss, training methods, the solver and its experiment."""

from solvers.pinn.build import phases_from_config, predictor_from_checkpoint, solver_from_config
from solvers.pinn.collocation import CollocationPoints, CollocationSet, Sampling, sample_points
from solvers.pinn.experiment import run_experiment
from solvers.pinn.loss import loss_terms
from solvers.pinn.methods import PINNMethods
from solvers.pinn.predictor import FieldPredictor
from solvers.pinn.solver import PINNSolver

__all__ = [
    "PINNSolver",
    "PINNMethods",
    "Sampling",
    "CollocationPoints",
    "CollocationSet",
    "sample_points",
    "loss_terms",
    "FieldPredictor",
    "phases_from_config",
    "solver_from_config",
    "predictor_from_checkpoint",
    "run_experiment",
]
