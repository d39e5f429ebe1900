"""Training engine: phases of optimisers, the Trainer loop and callbacks."""

from sciml.training.callbacks import (
    Callback,
    CheckpointConfig,
    EarlyStopping,
    LossMonitor,
    MetricsLogger,
    ModelCheckpoint,
    ProgressBar,
    TensorBoardLogger,
)
from sciml.training.fused_adam import FusedAdam
from sciml.training.gradnorm import GradNorm
from sciml.training.lbfgs import LBFGS
from sciml.training.loss_weighting import LearningRateAnnealing, LossWeights, ReLoBRaLo
from sciml.training.losses import LOSSES, relative_h1, relative_lp
from sciml.training.optimizers import OPTIMIZERS, SCHEDULERS, Phase
from sciml.training.profiling import StepProfiler
from sciml.training.records import StepRecord, TrainerView, TrainResult
from sciml.training.recovery import RecoveryPolicy
from sciml.training.startup import StartupTimer
from sciml.training.trainer import NonFiniteLossError, Trainer, TrainingInterrupted

__all__ = [
    "FusedAdam",
    "GradNorm",
    "LBFGS",
    "StartupTimer",
    "StepProfiler",
    "Trainer",
    "TrainResult",
    "StepRecord",
    "TrainerView",
    "NonFiniteLossError",
    "TrainingInterrupted",
    "RecoveryPolicy",
    "Phase",
    "OPTIMIZERS",
    "SCHEDULERS",
    "Callback",
    "CheckpointConfig",
    "ModelCheckpoint",
    "LossMonitor",
    "ProgressBar",
    "MetricsLogger",
    "TensorBoardLogger",
    "EarlyStopping",
    "LOSSES",
    "LossWeights",
    "LearningRateAnnealing",
    "ReLoBRaLo",
    "relative_lp",
    "relative_h1",
]
