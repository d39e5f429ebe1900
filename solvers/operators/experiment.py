"""``sciml run experiment=fno_darcy | fno_burgers | fno_ns2d | deeponet_darcy | unet_darcy``.

1. Makes sure the dataset exists (generates it with our solvers, resumably, if not).
2. Splits it by sample into train/test, builds normalisers from the training split.
3. Trains the operator (``operator.network`` is a registry spec) with the Trainer.
4. Writes ``metrics.json`` (test relative L2; rollout error for ns2d; zero-shot
   super-resolution errors for FNO where ``operator.superres_strides`` is set), a checkpoint,
   ``loss.png`` and ``prediction.png`` (input, truth, prediction, error).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import OmegaConf

from sciml.checkpoint import save_checkpoint
from sciml.config import check_choice, check_range, settings
from sciml.data import ShardedDataset, ensure_dataset
from sciml.distributed import barrier
from sciml.distributed import from_config as dist_from_config
from sciml.networks import NETWORKS, build_network, count_parameters
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_fields, plot_lines, start_run
from sciml.runtime import resolve_device, resolve_mode, seed_everything
from sciml.training import LossMonitor, MetricsLogger, ProgressBar
from sciml.training.losses import LOSSES
from solvers.operators import (
    TASKS,
    NormalizedOperator,
    OperatorTraining,
    Task,
    evaluate,
    fit_normalizer,
    predict,
    rollout_error,
    train_operator,
)
from solvers.operators.deeponet_grid import GridDeepONet

log = logging.getLogger("sciml.run")
_TRAINING = OperatorTraining()


@dataclass(frozen=True)
class OperatorSettings:
    """Which ``task`` (dataset → input/target pairs), the split (``n_train``/``n_test`` samples), the ``network``
    (a registry spec ``{name, kwargs}``) and Adam with a step decay (``gamma`` every ``decay_every_epochs``).

    ``stride`` subsamples the grid, ``window`` input frames (ns2d), ``sensor_stride`` DeepONet sensors;
    ``superres_strides`` evaluates the trained model at other resolutions (zero-shot super-resolution).
    Training defaults are those of :class:`solvers.operators.OperatorTraining`.
    """

    task: str = "darcy"
    n_train: int = 1000
    n_test: int = 200
    network: dict[str, Any] = field(default_factory=lambda: {"name": "fno", "kwargs": {}})
    stride: int = 1
    window: int = 10
    sensor_stride: int = 1
    pointwise_normalizer: bool = True
    in_memory: bool = True
    epochs: int = _TRAINING.epochs
    batch_size: int = _TRAINING.batch_size
    lr: float = _TRAINING.lr
    weight_decay: float = _TRAINING.weight_decay
    decay_every_epochs: int = _TRAINING.decay_every_epochs
    gamma: float = _TRAINING.gamma
    loss: str = _TRAINING.loss
    workers: int = _TRAINING.workers
    superres_strides: tuple[int, ...] = ()

    def __post_init__(self):
        check_choice("task", self.task, TASKS)
        for key in (
            "n_train",
            "n_test",
            "stride",
            "window",
            "sensor_stride",
            "epochs",
            "batch_size",
            "decay_every_epochs",
        ):
            check_range(key, getattr(self, key), low=1, integer=True)
        check_range("lr", self.lr, low=0, low_open=True)
        check_range("weight_decay", self.weight_decay, low=0)
        check_range("gamma", self.gamma, low=0, high=1, low_open=True)
        check_choice("loss", self.loss, sorted(LOSSES))
        check_range("workers", self.workers, low=0, integer=True)
        if not isinstance(self.network, dict) or "name" not in self.network:
            raise ValueError(f"network must be a spec {{name: ..., kwargs: {{...}}}}, got {self.network!r}.")
        check_choice("network.name", self.network["name"], sorted(NETWORKS))
        for s in self.superres_strides:
            check_range("superres_strides[i]", s, low=1, integer=True)

    def task_spec(self) -> Task:
        """The :class:`~solvers.operators.Task` these settings describe."""
        return Task(self.task, stride=self.stride, window=self.window)


def build_model(op: OperatorSettings, x: torch.Tensor, norms) -> torch.nn.Module:
    """The operator network wrapped with its normalisers (``x``: one batch of inputs, for the grid shape)."""
    net = dict(op.network)
    if net["name"] in ("deeponet", "cartesiandeeponet"):
        core = GridDeepONet(grid=tuple(x.shape[2:]), sensor_stride=op.sensor_stride, **net.get("kwargs", {}))
    else:
        core = build_network(net)
    return NormalizedOperator(core, *norms)


def test_pairs(cfg) -> tuple[torch.Tensor, torch.Tensor]:
    """The test split's ``(inputs, targets)`` of an operator experiment (generates the dataset if missing)."""
    op = settings(cfg.operator, OperatorSettings)
    ds = ShardedDataset(ensure_dataset(OmegaConf.to_container(cfg.dataset, resolve=True)))
    _, test_ds = ds.split([op.n_train / len(ds), op.n_test / len(ds)], by="sample", seed=int(cfg.seed))
    return op.task_spec().pairs(test_ds)


def run(cfg, out_dir="."):
    """Train the operator on its dataset's training split and evaluate it on the test split."""
    ctx = dist_from_config(cfg)
    op = settings(cfg.operator, OperatorSettings)
    if cfg.get("dataset") is None:
        raise ValueError(
            f"experiment {cfg.experiment} trains on a dataset; select one with dataset=<name> (configs/dataset/*.yaml)."
        )
    out, t0 = start_run(cfg, out_dir)
    seed_everything(int(cfg.seed))
    ds_spec = OmegaConf.to_container(cfg.dataset, resolve=True)
    if ctx.enabled and not ctx.is_main:
        barrier(ctx)  # rank 0 generates the dataset if it is missing
    path = ensure_dataset(ds_spec)
    if ctx.enabled and ctx.is_main:
        barrier(ctx)
    device = resolve_device(str(cfg.device.value if hasattr(cfg.device, "value") else cfg.device))
    ds = ShardedDataset(path)
    n_train, n_test = op.n_train, op.n_test
    if n_train + n_test > len(ds):
        raise ValueError(
            f"operator.n_train + n_test = {n_train + n_test} exceeds the {len(ds)} samples in {path}; "
            "generate more (dataset.samples) or lower the counts."
        )
    train_ds, test_ds = ds.split([n_train / len(ds), n_test / len(ds)], by="sample", seed=int(cfg.seed))
    task = op.task_spec()
    pointwise = op.pointwise_normalizer
    if op.in_memory or task.name == "ns2d":
        x, y = task.pairs(train_ds)
        train_set = torch.utils.data.TensorDataset(x, y)
        norms = (fit_normalizer(x, pointwise), fit_normalizer(y, pointwise))
    else:  # stream samples from the shards with DataLoader workers; normalisers from the writer's statistics
        train_set = task.dataset(train_ds, in_memory=False)
        x = train_set[0][0][None]
        norms = task.normalizers(ds, pointwise)
    model = build_model(op, x, norms).to(device)
    training = OperatorTraining(
        epochs=op.epochs,
        batch_size=op.batch_size,
        lr=op.lr,
        weight_decay=op.weight_decay,
        decay_every_epochs=op.decay_every_epochs,
        gamma=op.gamma,
        loss=op.loss,
        workers=op.workers,
        seed=int(cfg.seed),
        mode=resolve_mode(
            str(cfg.mode.value if hasattr(cfg.mode, "value") else cfg.mode),
            op.epochs * max(1, op.n_train // op.batch_size),  # optimiser steps of the run
        ),
    )
    callbacks = (
        [
            LossMonitor(int(cfg.trainer.log_every)),
            MetricsLogger(jsonl=str(out / "metrics.jsonl"), every=int(cfg.trainer.metrics_every)),
        ]
        if ctx.is_main
        else []
    )
    if cfg.trainer.progress_bar and ctx.is_main:
        callbacks.append(ProgressBar())
    log.info(
        "%s: %d train pairs %s, %d parameters",
        cfg.experiment,
        len(train_set),
        tuple(x.shape[1:]),
        count_parameters(model),
    )
    res = train_operator(model, train_set, training, task.dims, task.periodic, device, callbacks, distributed=ctx)
    if not ctx.is_main:
        return {}  # evaluation, plots and checkpoints on rank 0 only
    metrics = {
        "dataset": str(path),
        "n_train": n_train,
        "n_test": n_test,
        "train_pairs": len(train_set),
        "resolution": list(x.shape[2:]),
        "epochs": res.epochs,
        "steps": res.steps,
        "train_seconds": res.seconds,
        "samples_per_second": res.samples_per_second,
        "parameters": count_parameters(model),
        "final_train_loss": res.history[-1],
    }
    if task.name == "ns2d":
        traj = task.trajectories(test_ds)
        r = rollout_error(model.cpu(), traj, task.window)
        metrics.update({"rel_l2": r["rel_l2"], "rollout_steps": r["steps"], "rel_l2_per_step": r["rel_l2_per_step"]})
        xt, yt = task.pairs(test_ds)
        metrics["one_step_rel_l2"] = evaluate(model, xt, yt)["rel_l2"]
    else:
        xt, yt = task.pairs(test_ds)
        metrics.update(evaluate(model, xt, yt, device=device))
        model = model.cpu()
        for s in op.superres_strides:
            hi = Task(task.name, stride=int(s))
            xh, yh = hi.pairs(test_ds)
            metrics[f"rel_l2_at_{'x'.join(map(str, xh.shape[2:]))}"] = evaluate(model, xh, yh)["rel_l2"]
        _plot_example(out, task, model, xt[:1], yt[:1])
    _plot_loss(out, res.history)
    spec = model.operator.spec() if hasattr(model.operator, "spec") else None
    save_checkpoint(
        out / "checkpoints" / "final",
        model,
        metadata={
            "experiment": cfg.experiment,
            "operator_spec": spec,
            "metrics": {k: v for k, v in metrics.items() if isinstance(v, (int, float))},
        },
    )
    log.info("test rel L2 = %.4g", metrics["rel_l2"])
    return finish_run(out, cfg, t0, metrics)


def _plot_loss(out: Path, history: list[float]) -> None:
    h = np.asarray(history)
    plot_lines(out / "loss.png", np.arange(1, len(h) + 1), {"training loss (relative)": h}, "step", "loss")


def _plot_example(out: Path, task: Task, model, x, y) -> None:
    pred = predict(model, x)
    if task.dims == 2:
        plot_fields(
            out / "prediction.png",
            {
                "input": x[0, 0].numpy(),
                "reference": y[0, 0].numpy(),
                "prediction": pred[0, 0].numpy(),
                "error": (pred - y)[0, 0].numpy(),
            },
            extent=[0, 1, 0, 1],
            cmap="viridis",
        )
    else:
        grid = np.linspace(0, 1, x.shape[-1], endpoint=False)
        plot_lines(
            out / "prediction.png",
            grid,
            {"input u(x,0)": x[0, 0].numpy(), "reference u(x,1)": y[0, 0].numpy(), "FNO u(x,1)": pred[0, 0].numpy()},
            "x",
            "u",
        )


EXPERIMENT = Experiment(
    run=run,
    nodes={"operator": OperatorSettings},
    description="neural operators (FNO, DeepONet, U-Net) on solver-generated HDF5 datasets",
)
