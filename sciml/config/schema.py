"""Structured (typed) configs registered in Hydra's ConfigStore.

:func:`experiment_schema` types every top-level node, so a misspelt key, a value of the wrong
type or a value out of range fails when the config is *composed*, naming the key and the valid
keys or range, not hours into a run. The core nodes (run settings, ``model``, ``optimizer``,
``trainer``, ``dataset``) are declared here; each installed experiment plug-in adds the nodes it
reads (``sampling``/``methods``/``inverse`` for PINNs, ``euler``, ``md``, ``fdtd`` …: see
:class:`sciml.plugins.Experiment`). ``problem``, ``geometry`` and ``evaluation`` are
``_target_`` nodes, checked when the entry point builds them (:func:`sciml.config.instantiate`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional

from hydra.core.config_store import ConfigStore

from sciml.checks import check_choice, check_range
from sciml.config.structured import config_node
from sciml.data.generation import DatasetSpec
from sciml.training.optimizers import Phase
from sciml.training.recovery import RecoveryPolicy

_PHASE = Phase()
RecoveryConfig = config_node(RecoveryPolicy)  # trainer.recovery: how many non-finite losses a run absorbs


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    gpu = "gpu"
    ascend = "ascend"


class Mode(str, Enum):
    pynative = "pynative"
    graph = "graph"
    auto = "auto"


class DType(str, Enum):
    float32 = "float32"
    float64 = "float64"


class Engine(str, Enum):
    auto = "auto"
    autograd = "autograd"
    taylor = "taylor"


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


@dataclass
class FourierFeaturesConfig:
    """Random Fourier features ``[cos(2π B x), sin(2π B x)]`` in front of the MLP (Tancik et al. 2020)."""

    num_features: int = 64
    scale: float = 1.0
    trainable: bool = False

    def __post_init__(self):
        check_range("num_features", self.num_features, low=1, integer=True)
        check_range("scale", self.scale, low=0, low_open=True, meaning="standard deviation of B")


@dataclass
class ModelConfig:
    """The field network: a registered name (:data:`sciml.networks.NETWORKS`) and its size."""

    name: str = "mlp"
    width: int = 20
    depth: int = 3
    activation: str = "tanh"
    init: str = "xavier"
    omega0: float = 30.0
    normalize_inputs: bool = True
    fourier_features: FourierFeaturesConfig | None = None
    periodic: Any = None  # {periods: {input index: period}, harmonics: k}: exactly periodic inputs
    stream_function: Any = None  # [u, v]: predict ψ and take u = ψ_y, v = -ψ_x (divergence-free exactly)

    def __post_init__(self):
        from sciml.networks import ACTIVATIONS, FIELD_NETWORKS

        check_choice("name", self.name, FIELD_NETWORKS)
        check_range("width", self.width, low=1, integer=True, meaning="neurons per hidden layer")
        check_range("depth", self.depth, low=1, integer=True, meaning="hidden layers")
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("init", self.init, ("xavier", "siren"))
        check_range("omega0", self.omega0, low=0, low_open=True, meaning="SIREN frequency factor")


@dataclass
class OptimizerConfig:
    """``adam``/``adamw`` for ``steps``; ``lbfgs`` for ``lbfgs_steps``; ``adam_lbfgs`` does both in turn.

    The defaults are those of :class:`sciml.training.Phase`.
    """

    name: OptimizerName = OptimizerName.adam
    lr: float = _PHASE.lr
    steps: int = 10000
    weight_decay: float = _PHASE.weight_decay
    scheduler: Scheduler = Scheduler.none
    gamma: float = _PHASE.gamma
    step_size: int = _PHASE.step_size
    eta_min: float = _PHASE.eta_min
    lbfgs_steps: int = 0
    lbfgs_lr: float = 1.0
    history_size: int = _PHASE.history_size

    def __post_init__(self):
        name = self.name.value if isinstance(self.name, Enum) else self.name
        check_range("lr", self.lr, low=0, low_open=True, meaning="the learning rate")
        check_range(
            "steps", self.steps, low=1 if name in ("adam", "adamw") else 0, integer=True, meaning="first-order steps"
        )
        check_range("weight_decay", self.weight_decay, low=0)
        check_range(
            "gamma",
            self.gamma,
            low=0,
            high=1,
            low_open=True,
            meaning="the factor the scheduler multiplies the learning rate by",
        )
        check_range("step_size", self.step_size, low=1, integer=True, meaning="steps between 'step' scheduler decays")
        check_range("eta_min", self.eta_min, low=0)
        check_range("lbfgs_steps", self.lbfgs_steps, low=1 if name == "lbfgs" else 0, integer=True)
        check_range("lbfgs_lr", self.lbfgs_lr, low=0, low_open=True)
        check_range("history_size", self.history_size, low=1, integer=True, meaning="L-BFGS curvature pairs kept")


@dataclass
class CheckpointSettings:
    """When and where training checkpoints are written (MindSpore's ``CheckpointConfig``)."""

    save_checkpoint_steps: int = 1000
    keep_checkpoint_max: int = 3
    prefix: str = "ckpt"
    directory: str = "checkpoints"

    def __post_init__(self):
        check_range("save_checkpoint_steps", self.save_checkpoint_steps, low=1, integer=True)
        check_range("keep_checkpoint_max", self.keep_checkpoint_max, low=1, integer=True)


@dataclass
class TrainerConfig:
    """Logging, checkpoints, progress bars, plots and the recovery from non-finite losses."""

    checkpoint: CheckpointSettings = field(default_factory=CheckpointSettings)
    log_every: int = 1000
    metrics_every: int = 10
    progress_bar: bool = True
    tensorboard: bool = True
    early_stopping_patience: int = 0
    plots: bool = True
    recovery: RecoveryConfig = field(default_factory=RecoveryConfig)

    def __post_init__(self):
        check_range("log_every", self.log_every, low=1, integer=True)
        check_range("metrics_every", self.metrics_every, low=1, integer=True)
        check_range("early_stopping_patience", self.early_stopping_patience, low=0, integer=True)


DatasetConfig = config_node(DatasetSpec)  # the `dataset` node: defaults in sciml.data.generation.DatasetSpec


CORE_FIELDS: list[tuple[str, Any, Any]] = [
    ("experiment", str, field(default="burgers_pinn")),
    ("runner", str, field(default="pinn")),  # a registered sciml.experiments name (sciml list experiments)
    ("seed", int, field(default=0)),
    ("device", Device, field(default=Device.auto)),
    ("mode", Mode, field(default=Mode.pynative)),
    # whole-step CUDA graphs for Adam phases on a GPU; None: on in mode=graph where the loss allows
    ("cuda_graphs", Optional[bool], field(default=None)),
    ("dtype", DType, field(default=DType.float32)),
    ("deterministic", bool, field(default=False)),
    ("threads", Optional[int], field(default=None)),  # CPU threads; None = the cores this process may use
    ("derivatives", Engine, field(default=Engine.auto)),
    ("hard_constraints", bool, field(default=True)),
    ("model", ModelConfig, field(default_factory=ModelConfig)),
    ("optimizer", OptimizerConfig, field(default_factory=OptimizerConfig)),
    ("trainer", TrainerConfig, field(default_factory=TrainerConfig)),
    ("problem", Any, field(default=None)),
    ("geometry", Any, field(default=None)),
    ("evaluation", Any, field(default=None)),
    ("dataset", Optional[DatasetConfig], field(default=None)),
    ("loss_weights", dict[str, float], field(default_factory=dict)),
    ("init_from", Optional[str], field(default=None)),
    ("resume_from", Optional[str], field(default=None)),
    ("distributed", bool, field(default=False)),  # data-parallel over torchrun/SLURM ranks; auto-on under torchrun
    ("profile", bool, field(default=False)),  # torch.profiler trace + table of 10 steps in <run>/profile
]


def _check_top(self) -> None:
    if self.threads is not None:
        check_range("threads", self.threads, low=1, integer=True, meaning="CPU threads for this run")


def plugin_nodes() -> dict[str, type]:
    """``{node: settings class}`` declared by every installed experiment plug-in (one class per node)."""
    from sciml.plugins import PluginError, experiments

    nodes: dict[str, type] = {}
    core = {name for name, _, _ in CORE_FIELDS}
    for exp_name, exp in experiments().items():
        for node, cls in exp.nodes.items():
            if node in core:
                raise PluginError(f"experiment {exp_name!r} declares config node {node!r}, which is a core node.")
            if nodes.get(node, cls) is not cls:
                raise PluginError(
                    f"config node {node!r} is declared with two different settings classes "
                    f"({nodes[node].__qualname__} and {cls.__qualname__}); experiment {exp_name!r} "
                    "must reuse the one class or pick another node name."
                )
            nodes[node] = cls
    return nodes


def experiment_schema() -> type:
    """The top-level dataclass: the core fields plus one optional typed field per plug-in node."""
    extra = []
    for node, cls in sorted(plugin_nodes().items()):
        node_type = (
            cls if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen else config_node(cls)
        )
        extra.append((node, Optional[node_type], field(default=None)))
    return dataclasses.make_dataclass(
        "ExperimentConfig",
        [*CORE_FIELDS, *extra],
        namespace={"__post_init__": _check_top, "__doc__": "A whole experiment: core nodes and plug-in nodes."},
    )


_REGISTERED: list[type] = []


def register_configs() -> type:
    """Register the schema as ``sciml_config`` and the ``${pid:}`` resolver (idempotent); returns the schema."""
    import os

    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("pid"):
        OmegaConf.register_new_resolver("pid", lambda: os.getpid())
    if not _REGISTERED:
        _REGISTERED.append(experiment_schema())
        ConfigStore.instance().store(name="sciml_config", node=_REGISTERED[0])
    return _REGISTERED[0]


def schema_class() -> type:
    """The registered top-level schema class (built on first use)."""
    return register_configs()


__all__ = [
    "register_configs",
    "schema_class",
    "experiment_schema",
    "plugin_nodes",
    "ModelConfig",
    "OptimizerConfig",
    "TrainerConfig",
    "CheckpointSettings",
    "FourierFeaturesConfig",
    "DatasetConfig",
    "CORE_FIELDS",
]
