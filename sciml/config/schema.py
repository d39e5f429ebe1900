"""Structured (typed) configs registered in Hydra's ConfigStore.

The top-level schema :class:`ExperimentConfig` types every group, so a misspelt key or a
value of the wrong type fails when the config is *composed*, not hours into a run.
``problem``, ``geometry`` and ``evaluation`` are ``_target_`` nodes checked when the entry
point instantiates them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    gpu = "gpu"
    ascend = "ascend"


class Mode(str, Enum):
    pynative = "pynative"
    graph = "graph"


class DType(str, Enum):
    float32 = "float32"
    float64 = "float64"


class Engine(str, Enum):
    auto = "auto"
    autograd = "autograd"
    taylor = "taylor"


class Network(str, Enum):
    mlp = "mlp"
    modified_mlp = "modified_mlp"


class Activation(str, Enum):
    tanh = "tanh"
    sin = "sin"
    silu = "silu"
    gelu = "gelu"
    sigmoid = "sigmoid"


class Init(str, Enum):
    xavier = "xavier"
    siren = "siren"


class OptimizerName(str, Enum):
    adam = "adam"
    adamw = "adamw"
    lbfgs = "lbfgs"
    adam_lbfgs = "adam_lbfgs"


class Scheduler(str, Enum):
    none = "none"
    exponential = "exponential"
    step = "step"
    cosine = "cosine"


class Sampler(str, Enum):
    uniform = "uniform"
    random = "random"
    lhs = "lhs"
    sobol = "sobol"
    halton = "halton"


@dataclass
class FourierFeaturesConfig:
    num_features: int = 64
    scale: float = 1.0
    trainable: bool = False


@dataclass
class ModelConfig:
    name: Network = Network.mlp
    width: int = 20
    depth: int = 3
    activation: Activation = Activation.tanh
    init: Init = Init.xavier
    omega0: float = 30.0
    normalize_inputs: bool = True
    fourier_features: Optional[FourierFeaturesConfig] = None
    periodic: Any = None  # {periods: {input index: period}, harmonics: k}: exactly periodic inputs


@dataclass
class OptimizerConfig:
    """``adam``/``adamw`` for ``steps``; ``lbfgs`` for ``lbfgs_steps``; ``adam_lbfgs`` does both in turn."""

    name: OptimizerName = OptimizerName.adam
    lr: float = 1e-3
    steps: int = 10000
    weight_decay: float = 0.0
    scheduler: Scheduler = Scheduler.none
    gamma: float = 0.9
    step_size: int = 1000
    eta_min: float = 0.0
    lbfgs_steps: int = 0
    lbfgs_lr: float = 1.0
    history_size: int = 50


@dataclass
class CheckpointSettings:
    save_checkpoint_steps: int = 1000
    keep_checkpoint_max: int = 3
    prefix: str = "ckpt"
    directory: str = "checkpoints"


@dataclass
class TrainerConfig:
    checkpoint: CheckpointSettings = field(default_factory=CheckpointSettings)
    log_every: int = 1000
    metrics_every: int = 10
    progress_bar: bool = True
    tensorboard: bool = True
    early_stopping_patience: int = 0
    plots: bool = True


@dataclass
class SamplingConfig:
    method: Sampler = Sampler.random
    n_interior: int = 2540
    n_boundary: int = 80
    n_initial: int = 160
    seed: int = 0
    resample_every: int = 0
    n_focus: int = 0  # extra interior points from the problem's sample_focus (e.g. around a point source)


class Weighting(str, Enum):
    fixed = "fixed"
    lr_annealing = "lr_annealing"
    relobralo = "relobralo"


@dataclass
class MethodsConfig:
    """PINN training methods (solvers/pinn/adaptivity.py, sciml/training/loss_weighting.py)."""

    weighting: Weighting = Weighting.fixed
    weighting_every: int = 100
    causal_bins: int = 0
    causal_epsilon: float = 1.0
    rar_every: int = 0
    rar_candidates: int = 10000
    rar_add: int = 100
    self_adaptive: bool = False
    self_adaptive_lr: float = 1.0


@dataclass
class ExperimentConfig:
    experiment: str = "burgers_pinn"
    runner: str = "solvers.pinn.run_experiment"
    seed: int = 0
    device: Device = Device.auto
    mode: Mode = Mode.pynative
    dtype: DType = DType.float32
    deterministic: bool = False
    derivatives: Engine = Engine.auto
    hard_constraints: bool = True
    model: ModelConfig = field(default_factory=ModelConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    methods: MethodsConfig = field(default_factory=MethodsConfig)
    problem: Any = MISSING
    geometry: Any = MISSING
    evaluation: Any = None
    inverse: Any = None  # {observations: path, unknowns: {name: {initial, positive, true_value}}, generator: {...}}
    grid: Any = None  # parameters of grid-solver experiments (solvers/experiments/*.py)
    dataset: Any = None  # a configs/dataset/*.yaml node: which solver-generated dataset, how many samples
    operator: Any = None  # operator-learning settings: network spec, task, split, epochs (solvers/experiments/operators.py)
    loss_weights: Any = field(default_factory=dict)
    init_from: Optional[str] = None
    resume_from: Optional[str] = None
    distributed: bool = False  # data-parallel over torchrun/SLURM ranks (sciml.distributed); auto-on under torchrun


def register_configs() -> None:
    """Register the schema as ``sciml_config`` (idempotent)."""
    ConfigStore.instance().store(name="sciml_config", node=ExperimentConfig)


__all__ = ["ExperimentConfig", "register_configs", "ModelConfig", "OptimizerConfig", "TrainerConfig",
           "SamplingConfig", "CheckpointSettings", "FourierFeaturesConfig", "MethodsConfig"]
