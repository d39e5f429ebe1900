"""Build a :class:`PINNSolver` from a composed Hydra config (entry points only instantiate)."""
from __future__ import annotations

from enum import Enum
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from sciml.networks import build_network
from sciml.training import Phase


def _plain(node: Any) -> Any:
    """Config node → plain Python (enums become their string values)."""
    if isinstance(node, DictConfig):
        return OmegaConf.to_container(node, resolve=True, enum_to_str=True)
    if isinstance(node, Enum):
        return node.value
    return node


def phases_from_config(opt: dict) -> list[Phase]:
    """``optimizer`` group → list of :class:`Phase` (``adam_lbfgs`` gives two)."""
    name = opt["name"]
    phases = []
    if name in ("adam", "adamw", "adam_lbfgs"):
        phases.append(Phase(
            optimizer="adamw" if name == "adamw" else "adam", steps=int(opt["steps"]), lr=float(opt["lr"]),
            weight_decay=float(opt.get("weight_decay", 0.0)), scheduler=opt.get("scheduler", "none"),
            gamma=float(opt.get("gamma", 0.9)), step_size=int(opt.get("step_size", 1000)),
            eta_min=float(opt.get("eta_min", 0.0)),
        ))
    if name in ("lbfgs", "adam_lbfgs") and int(opt.get("lbfgs_steps", 0)) > 0:
        phases.append(Phase(optimizer="lbfgs", steps=int(opt["lbfgs_steps"]), lr=float(opt.get("lbfgs_lr", 1.0)),
                            history_size=int(opt.get("history_size", 50))))
    if not phases:
        raise ValueError(f"optimizer={name} with these settings has no steps to run; set optimizer.steps or lbfgs_steps.")
    return phases


def _instantiate(node, what: str):
    try:
        return instantiate(node)
    except Exception as err:
        target = node.get("_target_", "?") if hasattr(node, "get") else "?"
        raise ValueError(f"Could not build the {what} from config (_target_={target}): {err}") from err


def inference_solver(cfg, device: str = "cpu"):
    """A solver from a run's or zoo entry's config that predicts and evaluates but does not train: eager, with a
    handful of collocation points (no focus points) instead of the training set. Load weights into ``.network``."""
    from omegaconf import OmegaConf

    s = cfg.sampling
    small = {"device": "gpu" if str(device).startswith("cuda") else str(device), "mode": "pynative",
             "sampling": {"n_interior": 16, "n_boundary": 8 if s.n_boundary else 0, "n_initial": 8 if s.n_initial else 0,
                          "n_focus": 0}}
    return solver_from_config(OmegaConf.merge(cfg, small))


def solver_from_config(cfg: DictConfig, distributed=None):
    from solvers.pinn.solver import PINNSolver, Sampling, default_network_spec

    problem = _instantiate(cfg.problem, "problem")
    geometry = _instantiate(cfg.geometry, "geometry")
    model_cfg = _plain(cfg.model)
    spec = default_network_spec(problem, geometry, model_cfg)
    network = build_network(spec)
    inverse = _plain(cfg.get("inverse")) or {}
    extra = {}
    if inverse:
        from solvers.pinn.inverse import ensure_observations, load_observations

        path = ensure_observations(inverse)
        extra["observations"] = load_observations(path, problem.input_names, inverse.get("outputs") or problem.output_names)
        extra["unknowns"] = {k: {"initial": v["initial"], "positive": v.get("positive", True)}
                             for k, v in (inverse.get("unknowns") or {}).items()}
    s = _plain(cfg.sampling)
    sampling = Sampling(n_interior=s["n_interior"], n_boundary=s["n_boundary"], n_initial=s["n_initial"],
                        method=s["method"], seed=s["seed"], resample_every=s["resample_every"],
                        n_focus=s.get("n_focus", 0))
    return PINNSolver(
        problem=problem, geometry=geometry, network=network, phases=phases_from_config(_plain(cfg.optimizer)),
        sampling=sampling, engine=str(_plain(cfg.derivatives)), mode=str(_plain(cfg.mode)),
        device=str(_plain(cfg.device)), dtype=str(_plain(cfg.dtype)), hard_constraints=bool(cfg.hard_constraints),
        loss_weights=dict(_plain(cfg.loss_weights) or {}),
        metadata={"network": spec, "dtype": str(_plain(cfg.dtype))},
        **(_plain(cfg.methods) if cfg.get("methods") is not None else {}), **extra, distributed=distributed,
    )
