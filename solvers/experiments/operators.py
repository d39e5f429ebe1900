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
from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf

from sciml.distributed import barrier
from sciml.distributed import from_config as dist_from_config
from sciml.checkpoint import save_checkpoint
from sciml.data import ShardedDataset
from sciml.networks import build_network, count_parameters
from sciml.runtime import resolve_device, seed_everything
from sciml.training import LossMonitor, MetricsLogger, ProgressBar
from solvers.datasets import ensure_dataset
from solvers.experiments.common import finish, plot_fields, plot_lines, start
from solvers.operator_learning import (NormalizedOperator, OperatorTraining, Task, evaluate, fit_normalizer, predict,
                                       rollout_error, train_operator)
from solvers.operator_learning.deeponet_grid import GridDeepONet

log = logging.getLogger("sciml.run")


def build_model(op: dict, x: torch.Tensor, norms) -> torch.nn.Module:
    """The operator network wrapped with its normalisers (``x``: one batch of inputs, for the grid shape)."""
    net = dict(op["network"])
    kind = net["name"]
    if kind in ("deeponet", "cartesiandeeponet"):
        core = GridDeepONet(grid=tuple(x.shape[2:]), sensor_stride=int(op.get("sensor_stride", 1)), **net.get("kwargs", {}))
    else:
        core = build_network(net)
    return NormalizedOperator(core, *norms)


def test_pairs(cfg) -> tuple[torch.Tensor, torch.Tensor]:
    """The test split's ``(inputs, targets)`` of an operator experiment (generates the dataset if missing)."""
    ds_spec = OmegaConf.to_container(cfg.dataset, resolve=True)
    op = OmegaConf.to_container(cfg.operator, resolve=True)
    ds = ShardedDataset(ensure_dataset(ds_spec))
    n_train, n_test = int(op["n_train"]), int(op["n_test"])
    _, test_ds = ds.split([n_train / len(ds), n_test / len(ds)], by="sample", seed=int(cfg.seed))
    task = Task(op["task"], stride=int(op.get("stride", 1)), window=int(op.get("window", 10)))
    return task.pairs(test_ds)


def run(cfg, out_dir="."):
    ctx = dist_from_config(cfg)
    out, _, t0 = start(cfg, out_dir, needs_grid=False)
    seed_everything(int(cfg.seed))
    ds_spec = OmegaConf.to_container(cfg.dataset, resolve=True)
    op = OmegaConf.to_container(cfg.operator, resolve=True)
    if ctx.enabled and not ctx.is_main:
        barrier(ctx)  # rank 0 generates the dataset if it is missing
    path = ensure_dataset(ds_spec)
    if ctx.enabled and ctx.is_main:
        barrier(ctx)
    device = resolve_device(str(cfg.device.value if hasattr(cfg.device, "value") else cfg.device))
    ds = ShardedDataset(path)
    n_train, n_test = int(op["n_train"]), int(op["n_test"])
    if n_train + n_test > len(ds):
        raise ValueError(f"operator.n_train + n_test = {n_train + n_test} exceeds the {len(ds)} samples in {path}; "
                         "generate more (dataset.samples) or lower the counts.")
    train_ds, test_ds = ds.split([n_train / len(ds), n_test / len(ds)], by="sample", seed=int(cfg.seed))
    task = Task(op["task"], stride=int(op.get("stride", 1)), window=int(op.get("window", 10)))
    pointwise = bool(op.get("pointwise_normalizer", True))
    if bool(op.get("in_memory", True)) or task.name == "ns2d":
        x, y = task.pairs(train_ds)
        train_set = torch.utils.data.TensorDataset(x, y)
        norms = (fit_normalizer(x, pointwise), fit_normalizer(y, pointwise))
    else:  # stream samples from the shards with DataLoader workers; normalisers from the writer's statistics
        train_set = task.dataset(train_ds, in_memory=False)
        x = train_set[0][0][None]
        norms = task.normalizers(ds, pointwise)
    model = build_model(op, x, norms).to(device)
    settings = OperatorTraining(epochs=int(op["epochs"]), batch_size=int(op["batch_size"]), lr=float(op["lr"]),
                                weight_decay=float(op.get("weight_decay", 1e-4)),
                                decay_every_epochs=int(op.get("decay_every_epochs", 50)), gamma=float(op.get("gamma", 0.5)),
                                loss=op.get("loss", "relative_l2"), workers=int(op.get("workers", 0)), seed=int(cfg.seed),
                                mode=str(cfg.mode.value if hasattr(cfg.mode, "value") else cfg.mode))
    callbacks = [LossMonitor(int(cfg.trainer.log_every)),
                 MetricsLogger(jsonl=str(out / "metrics.jsonl"), every=int(cfg.trainer.metrics_every))] if ctx.is_main else []
    if cfg.trainer.progress_bar and ctx.is_main:
        callbacks.append(ProgressBar())
    log.info("%s: %d train pairs %s, %d parameters", cfg.experiment, len(train_set), tuple(x.shape[1:]),
             count_parameters(model))
    res = train_operator(model, train_set, settings, task.dims, task.periodic, device, callbacks, distributed=ctx)
    if not ctx.is_main:
        return {}  # evaluation, plots and checkpoints on rank 0 only
    metrics = {"dataset": str(path), "n_train": n_train, "n_test": n_test, "train_pairs": len(train_set),
               "resolution": list(x.shape[2:]), "epochs": res.epochs, "steps": res.steps,
               "train_seconds": res.seconds, "samples_per_second": res.samples_per_second,
               "parameters": count_parameters(model), "final_train_loss": res.history[-1]}
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
        for s in op.get("superres_strides") or []:
            hi = Task(task.name, stride=int(s))
            xh, yh = hi.pairs(test_ds)
            metrics[f"rel_l2_at_{'x'.join(map(str, xh.shape[2:]))}"] = evaluate(model, xh, yh)["rel_l2"]
        _plot_example(out, task, model, xt[:1], yt[:1])
    _plot_loss(out, res.history)
    spec = model.operator.spec() if hasattr(model.operator, "spec") else None
    save_checkpoint(out / "checkpoints" / "final", model, metadata={"experiment": cfg.experiment, "operator_spec": spec,
                                                                     "metrics": {k: v for k, v in metrics.items() if isinstance(v, (int, float))}})
    log.info("test rel L2 = %.4g", metrics["rel_l2"])
    return finish(out, cfg, t0, metrics)


def _plot_loss(out: Path, history: list[float]) -> None:
    h = np.asarray(history)
    plot_lines(out / "loss.png", np.arange(1, len(h) + 1), {"training loss (relative)": h}, "step", "loss")


def _plot_example(out: Path, task: Task, model, x, y) -> None:
    pred = predict(model, x)
    if task.dims == 2:
        plot_fields(out / "prediction.png", {"input": x[0, 0].numpy(), "reference": y[0, 0].numpy(),
                                             "prediction": pred[0, 0].numpy(), "error": (pred - y)[0, 0].numpy()},
                    extent=[0, 1, 0, 1], cmap="viridis")
    else:
        grid = np.linspace(0, 1, x.shape[-1], endpoint=False)
        plot_lines(out / "prediction.png", grid, {"input u(x,0)": x[0, 0].numpy(), "reference u(x,1)": y[0, 0].numpy(),
                                                  "FNO u(x,1)": pred[0, 0].numpy()}, "x", "u")
