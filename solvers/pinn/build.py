"""Build PINN solvers and predictors from a composed config (only entry points call this).

``solver_from_config(cfg)`` reads each node once: the problem and geometry (registered
``_target_`` components), the network (``model`` → :func:`sciml.networks.field_network_spec` →
:func:`sciml.networks.build_network`), the optimiser phases, ``sampling`` and ``methods``, and an
inverse run's observations and unknowns. ``predictor_from_checkpoint`` rebuilds a trained field
from the network spec saved in a checkpoint (``network.spec()``), without drawing training points.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sciml.checkpoint import load_weights
from sciml.config import instantiate, settings
from sciml.networks import build_network, field_network_spec
from sciml.runtime import resolve_mode
from sciml.training import Phase, RecoveryPolicy
from solvers.pinn.collocation import Sampling
from solvers.pinn.inverse import InverseSettings, ensure_observations, load_observations
from solvers.pinn.methods import PINNMethods
from solvers.pinn.predictor import FieldPredictor, predictor_from_spec
from solvers.pinn.solver import PINNSolver


def plain(node: Any) -> Any:
    """Config node → plain Python (enums become their string values)."""
    if isinstance(node, DictConfig):
        return OmegaConf.to_container(node, resolve=True, enum_to_str=True)
    if isinstance(node, Enum):
        return node.value
    return node


def phases_from_config(opt: dict) -> list[Phase]:
    """``optimizer`` node → list of :class:`~sciml.training.Phase` (``adam_lbfgs`` gives two)."""
    name = opt["name"]
    phases = []
    if name in ("adam", "adamw", "adam_lbfgs") and int(opt["steps"]) > 0:
        phases.append(
            Phase(
                optimizer="adamw" if name == "adamw" else "adam",
                steps=int(opt["steps"]),
                lr=float(opt["lr"]),
                weight_decay=float(opt["weight_decay"]),
                scheduler=opt["scheduler"],
                gamma=float(opt["gamma"]),
                step_size=int(opt["step_size"]),
                eta_min=float(opt["eta_min"]),
            )
        )
    if name in ("lbfgs", "adam_lbfgs") and int(opt["lbfgs_steps"]) > 0:
        phases.append(
            Phase(
                optimizer="lbfgs",
                steps=int(opt["lbfgs_steps"]),
                lr=float(opt["lbfgs_lr"]),
                history_size=int(opt["history_size"]),
            )
        )
    if not phases:
        raise ValueError(
            f"optimizer={name} with these settings has no steps to run; set optimizer.steps or optimizer.lbfgs_steps."
        )
    return phases


def problem_and_geometry(cfg) -> tuple[Any, Any]:
    """The ``problem`` and ``geometry`` nodes, built."""
    return instantiate(cfg.problem, "problem"), instantiate(cfg.geometry, "geometry")


def solver_from_config(cfg: DictConfig, distributed=None) -> PINNSolver:
    """A :class:`PINNSolver` for a composed experiment config."""
    problem, geometry = problem_and_geometry(cfg)
    network = build_network(
        field_network_spec(
            plain(cfg.model), problem.input_names, problem.output_names, getattr(geometry, "bounds", None)
        )
    )
    observations, unknowns = None, {}
    if cfg.get("inverse") is not None:
        inverse = settings(cfg.inverse, InverseSettings)
        path = ensure_observations(inverse)
        observations = load_observations(path, problem.input_names, inverse.outputs or problem.output_names)
        unknowns = {
            k: {"initial": v["initial"], "positive": v.get("positive", True)} for k, v in inverse.unknowns.items()
        }
    phases = phases_from_config(plain(cfg.optimizer))
    return PINNSolver(
        problem=problem,
        geometry=geometry,
        network=network,
        phases=phases,
        sampling=settings(cfg.get("sampling"), Sampling),
        methods=settings(cfg.get("methods"), PINNMethods),
        engine=str(plain(cfg.derivatives)),
        mode=resolve_mode(str(plain(cfg.mode)), sum(p.steps for p in phases)),
        device=str(plain(cfg.device)),
        dtype=str(plain(cfg.dtype)),
        hard_constraints=bool(cfg.hard_constraints),
        loss_weights=dict(plain(cfg.loss_weights) or {}),
        observations=observations,
        unknowns=unknowns,
        distributed=distributed,
        recovery=settings(cfg.trainer.recovery, RecoveryPolicy),
        cuda_graphs=cfg.get("cuda_graphs"),
    )


def predictor_from_checkpoint(cfg, checkpoint: str | Path, device: str = "cpu") -> FieldPredictor:
    """The trained field of a run or zoo entry: the network rebuilt from the checkpoint's saved spec, its weights
    loaded, inside the problem's hard-constraint transform (problem and geometry from ``cfg``)."""
    meta = json.loads((Path(checkpoint) / "meta.json").read_text())
    if "network" not in meta:
        raise ValueError(
            f"checkpoint {checkpoint} holds no network spec (meta.json has no 'network'); it was not "
            "written by a PINN run."
        )
    problem, geometry = problem_and_geometry(cfg)
    dev = "gpu" if str(device).startswith("cuda") else str(device)
    predictor = predictor_from_spec(
        meta["network"], problem, geometry, bool(cfg.hard_constraints), dev, str(plain(cfg.dtype))
    )
    load_weights(checkpoint, predictor.network)
    return predictor


__all__ = ["plain", "phases_from_config", "problem_and_geometry", "solver_from_config", "predictor_from_checkpoint"]
