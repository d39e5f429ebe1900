"""The ``sciml run`` entry point for PINN experiments.

Writes into the current (Hydra output) directory: ``config.yaml`` (resolved), ``checkpoints/``,
``metrics.jsonl``/``metrics.csv``, TensorBoard events under ``tb/``, ``loss.png``,
``solution.png`` and, only after a successful evaluation, ``metrics.json``.
"""

from __future__ import annotations

import logging
import platform
import time
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

from sciml.checkpoint import atomic_write_text, load_weights
from sciml.config import instantiate
from sciml.distributed import barrier, broadcast_object
from sciml.distributed import from_config as dist_from_config
from sciml.plugins import Experiment
from sciml.runs import finish_run
from sciml.runs.resume import latest_checkpoint
from sciml.runtime import seed_everything, set_deterministic
from sciml.training import (
    CheckpointConfig,
    EarlyStopping,
    LossMonitor,
    MetricsLogger,
    ModelCheckpoint,
    ProgressBar,
    StartupTimer,
    StepProfiler,
    TensorBoardLogger,
)
from solvers.pinn.build import plain, solver_from_config
from solvers.pinn.collocation import Sampling
from solvers.pinn.inverse import InverseSettings
from solvers.pinn.methods import PINNMethods

log = logging.getLogger("sciml.run")


def run_experiment(cfg: DictConfig, out_dir: str | Path = ".") -> dict:
    """Train, evaluate and report one PINN experiment; returns the metrics dict."""
    t_start = time.perf_counter()
    ctx = dist_from_config(cfg)
    out = Path(broadcast_object(str(Path(out_dir).resolve()), ctx))  # rank 0's folder; only rank 0 writes
    if ctx.is_main:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
        (out / "metrics.json").unlink(missing_ok=True)
    seed_everything(int(cfg.seed))
    set_deterministic(bool(cfg.deterministic))
    if ctx.enabled and not ctx.is_main:
        barrier(ctx)  # rank 0 builds first (it may generate observation files)
    solver = solver_from_config(cfg, distributed=ctx)
    if ctx.enabled and ctx.is_main:
        barrier(ctx)
    tr = plain(cfg.trainer)
    ck = tr["checkpoint"]
    ckpt_dir = str(out / ck["directory"])
    spec = solver.network.spec() if hasattr(solver.network, "spec") else None  # rebuilds the network (zoo, resume)
    meta = {
        "network": spec,
        "dtype": plain(cfg.dtype),
        "experiment": cfg.experiment,
        "config": OmegaConf.to_container(cfg, resolve=True, enum_to_str=True),
    }
    callbacks = (
        [
            ModelCheckpoint(
                CheckpointConfig(ck["save_checkpoint_steps"], ck["keep_checkpoint_max"], ck["prefix"], ckpt_dir), meta
            ),
            LossMonitor(tr["log_every"]),
            MetricsLogger(
                jsonl=str(out / "metrics.jsonl"), csv_path=str(out / "metrics.csv"), every=tr["metrics_every"]
            ),
        ]
        if ctx.is_main
        else []
    )  # logging, checkpoints and plots on rank 0 only
    if tr["progress_bar"] and ctx.is_main:
        callbacks.append(ProgressBar())
    if tr["tensorboard"] and ctx.is_main:
        callbacks.append(TensorBoardLogger(str(out / "tb"), every=tr["metrics_every"]))
    if cfg.get("profile", False) and ctx.is_main:
        callbacks.append(StepProfiler(out / "profile"))
    startup = StartupTimer()
    callbacks.append(startup)
    if tr["early_stopping_patience"] > 0:  # on every rank: the loss it watches is the same everywhere
        callbacks.append(EarlyStopping(tr["early_stopping_patience"]))
    if cfg.init_from:
        src = str(cfg.init_from)
        if src.startswith("zoo:"):  # fine-tune from a shipped zoo entry
            from sciml import zoo

            src = str(zoo.weights_dir(src[4:]))
        load_weights(src, solver.network)
        log.info("initialised weights from %s", cfg.init_from)
    resume = cfg.resume_from
    if resume == "latest":  # the newest unfinished run of this experiment (or says why it took a finished one)
        resume = str(latest_checkpoint(out, ck["directory"], ck["prefix"])[0])
    resume = broadcast_object(resume, ctx)
    log.info("device=%s mode=%s dtype=%s engine=%s", solver.device, solver.mode, plain(cfg.dtype), solver.engine)
    t0 = time.perf_counter()
    result = solver.fit(callbacks, resume_from=resume)
    wall = time.perf_counter() - t0
    if not ctx.is_main:
        return {}
    metrics: dict = {
        "experiment": cfg.experiment,
        "steps": result.steps,
        "final_loss": result.history[-1] if result.history else None,
        "wall_seconds": wall,
        "train_seconds": result.seconds,
        "stopped": result.stopped,
        "device": str(solver.device),
        "mode": solver.mode,
        "loss_compiled": solver.loss_mode == "graph",
        "engine": solver.engine,
        "dtype": str(solver.dtype).replace("torch.", ""),
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "world_size": ctx.world_size,
        "recoveries": result.recoveries,
        **startup.figures,
    }
    if len(result.history) < result.steps:
        metrics["steps_completed"] = len(result.history)
    if result.recoveries:
        log.warning(
            "training recovered from %d fault(s) (non-finite losses, a stalled L-BFGS); see 'recoveries' in "
            "metrics.json.",
            len(result.recoveries),
        )
    if solver.unknown_params is not None:
        found = solver.identified()
        truth = {k: v.get("true_value") for k, v in plain(cfg.inverse)["unknowns"].items()}
        metrics["identified"] = found
        metrics["parameter_rel_error"] = {k: abs(found[k] - t) / abs(t) for k, t in truth.items() if t}
        metrics["observations"] = {"file": solver.observations.source, "count": len(solver.observations.x)}
        log.info("identified %s (relative errors %s)", found, metrics["parameter_rel_error"])
    reference = None
    if cfg.get("evaluation") is not None:
        reference = instantiate(cfg.evaluation, "evaluation reference")
        metrics.update(solver.evaluate(reference))
        log.info("relative L2 error vs %s: %.3e", type(reference).__name__, metrics["rel_l2"])
    if tr.get("plots", True):
        from solvers.pinn.plots import plot_loss, plot_scattered, plot_solution, write_point_cloud

        plot_loss(result, out / "loss.png")
        if reference is not None and hasattr(reference, "field_shape"):
            plot_solution(solver, reference, out / "solution.png")
        elif reference is not None:
            plot_scattered(solver, reference, out / "solution.png")
        if reference is not None:
            write_point_cloud(solver, reference, out / "solution.vtu")
    return finish_run(out, cfg, t_start, metrics)


EXPERIMENT = Experiment(
    run=run_experiment,
    nodes={"sampling": Sampling, "methods": PINNMethods, "inverse": InverseSettings},
    description="physics-informed neural network: forward and inverse PDE problems",
)
