"""Operator learning: tasks over our HDF5 datasets, training with the Trainer, rollout and evaluation."""
from solvers.operator_learning.normalized import NormalizedOperator, fit_normalizer
from solvers.operator_learning.rollout import rollout, rollout_error
from solvers.operator_learning.tasks import TASKS, Task, windows
from solvers.operator_learning.training import OperatorResult, OperatorTraining, evaluate, predict, train_operator

__all__ = ["NormalizedOperator", "fit_normalizer", "rollout", "rollout_error", "TASKS", "Task", "windows",
           "OperatorResult", "OperatorTraining", "evaluate", "predict", "train_operator"]
