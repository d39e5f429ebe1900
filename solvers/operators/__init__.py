"""Operator learning: tasks over our HDF5 datasets, training with the Trainer, rollout and evaluation."""

from solvers.operators.normalized import NormalizedOperator, fit_normalizer
from solvers.operators.rollout import rollout, rollout_error
from solvers.operators.tasks import TASKS, Task, windows
from solvers.operators.training import OperatorResult, OperatorTraining, evaluate, predict, train_operator

__all__ = [
    "NormalizedOperator",
    "fit_normalizer",
    "rollout",
    "rollout_error",
    "TASKS",
    "Task",
    "windows",
    "OperatorResult",
    "OperatorTraining",
    "evaluate",
    "predict",
    "train_operator",
]
