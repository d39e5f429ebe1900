"""Physics-informed neural network solver: problem + geometry + network + trainer.

The loss is the mean-square PDE residual at interior collocation points plus, unless hard
constraints impose them exactly, the mean-square boundary and initial residuals:
``L = Σ_k w_k · mean(r_k²)`` (Raissi, Perdikaris & Karniadakis 2019).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from physics.pdes.base import PDE
from sciml.autodiff import ValueOnly, derivatives, resolve_engine
from sciml.networks import OutputTransform
from sciml.runtime import resolve_device, resolve_dtype, validate_mode
from sciml.training import Callback, Phase, Trainer, TrainResult

log = logging.getLogger("sciml.pinn")


@dataclass(frozen=True)
class Sampling:
    """Collocation counts per region, the sampler and an optional resampling period."""

    n_interior: int = 2540
    n_boundary: int = 80
    n_initial: int = 160
    method: str = "random"
    seed: int = 0
    resample_every: int = 0


@dataclass(frozen=True)
class CollocationPoints:
    """Tensors of points ``[N, D]`` per region (and boundary normals)."""

    interior: Tensor
    boundary: Tensor | None = None
    normals: Tensor | None = None
    initial: Tensor | None = None


def sample_points(geometry, sampling: Sampling, device, dtype, seed: int) -> CollocationPoints:
    """Draw collocation points from ``geometry`` (a :class:`~sciml.geometry.SpaceTime` or a shape)."""
    as_t = lambda a: torch.as_tensor(np.asarray(a), dtype=dtype, device=device)  # noqa: E731
    interior = as_t(geometry.sample_interior(sampling.n_interior, sampling.method, seed))
    boundary = normals = initial = None
    if sampling.n_boundary > 0:
        b, n = geometry.sample_boundary(sampling.n_boundary, sampling.method, seed + 1)
        boundary, normals = as_t(b), as_t(n)
    if sampling.n_initial > 0 and hasattr(geometry, "sample_initial"):
        initial = as_t(geometry.sample_initial(sampling.n_initial, sampling.method, seed + 2))
    return CollocationPoints(interior, boundary, normals, initial)


class _Resampler(Callback):
    """Redraw interior points every ``period`` steps (in place, so a compiled loss keeps working)."""

    def __init__(self, solver: "PINNSolver", period: int):
        self.solver, self.period = solver, period

    def on_step_end(self, trainer, record):
        if record.step % self.period == 0:
            s = self.solver
            new = sample_points(s.geometry, s.sampling, s.device, s.dtype, s.sampling.seed + 1000 * record.step)
            s.points.interior.copy_(new.interior)


@dataclass
class PINNSolver:
    """Solve ``problem`` on ``geometry`` with ``network``.

    ``network`` is a sciml network (or any ``nn.Module`` mapping ``[N, D] → [N, F]``).
    ``engine``: ``auto | autograd | taylor``; ``mode``: ``pynative | graph``.
    """

    problem: PDE
    geometry: Any
    network: nn.Module
    phases: Sequence[Phase]
    sampling: Sampling = field(default_factory=Sampling)
    engine: str = "auto"
    mode: str = "pynative"
    device: str = "auto"
    dtype: str = "float32"
    hard_constraints: bool = True
    loss_weights: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        validate_mode(self.mode)
        self.device = resolve_device(self.device)
        self.dtype = resolve_dtype(self.dtype)
        self.network = self.network.to(device=self.device, dtype=self.dtype)
        n_out, n_in = len(self.problem.output_names), len(self.problem.input_names)
        if getattr(self.network, "out_features", n_out) != n_out or getattr(self.network, "in_features", n_in) != n_in:
            raise ValueError(
                f"{self.problem!r} has inputs {self.problem.input_names} and outputs {self.problem.output_names}, "
                f"but the network maps {self.network.in_features} → {self.network.out_features} features."
            )
        transform = self.problem.hard_constraint(self.geometry) if self.hard_constraints else None
        if self.hard_constraints and transform is None:
            raise ValueError(f"{self.problem!r} defines no hard constraint; set hard_constraints=false.")
        self.model = OutputTransform(self.network, transform) if transform is not None else self.network
        self.engine = resolve_engine(self.engine, self.model, self.mode)
        if self.mode == "graph" and self.engine == "autograd":
            log.warning("mode=graph cannot compile nested autograd (double backward); running the loss eagerly. "
                        "Use derivatives=taylor (or auto) with a sciml network to compile.")
            self._loss_mode = "pynative"
        else:
            self._loss_mode = self.mode
        unknown = set(self.loss_weights) - {"pde", *self._term_names()}
        if unknown:
            raise ValueError(f"loss_weights name unknown terms {sorted(unknown)}; terms are {['pde', *self._term_names()]}.")
        self.points = sample_points(self.geometry, self.sampling, self.device, self.dtype, self.sampling.seed)
        self._second = self.problem.second_dim_indices()

    def _term_names(self) -> list[str]:
        return [] if self.hard_constraints else [c.name for c in self.problem.conditions()]

    # -- loss ---------------------------------------------------------------
    def _derivs(self, x: Tensor, second=None):
        return derivatives(self.model, x, self.engine, second_dims=self._second if second is None else second,
                           input_names=self.problem.input_names, output_names=self.problem.output_names,
                           laplacian_only=self.problem.laplacian_only and second is None)

    def loss_terms(self) -> dict[str, Tensor]:
        """Mean-square residual of every term at the current collocation points."""
        d = self._derivs(self.points.interior)
        terms = {k: (r * r).mean() for k, r in self.problem.residual(d, self.points.interior).items()}
        if not self.hard_constraints:
            for cond in self.problem.conditions():
                x = self.points.boundary if cond.region == "boundary" else self.points.initial
                if x is None:
                    raise ValueError(f"Condition {cond.name!r} needs {cond.region} points; set sampling.n_{cond.region} > 0.")
                n = self.points.normals if cond.region == "boundary" else None
                if cond.derivatives:
                    d = self._derivs(x, second=())
                else:
                    d = ValueOnly(self.model(x), x.shape[1], self.problem.input_names, self.problem.output_names)
                r = cond.residual(d, x, n)
                terms[cond.name] = (r * r).mean()
        return terms

    def loss(self) -> tuple[Tensor, dict[str, Tensor]]:
        terms = self.loss_terms()
        total = sum(self.loss_weights.get(k, 1.0) * v for k, v in terms.items())
        return total, terms  # type: ignore[return-value]

    # -- training ------------------------------------------------------------
    def make_trainer(self, callbacks: Sequence[Callback] = ()) -> Trainer:
        cbs = list(callbacks)
        if self.sampling.resample_every > 0:
            cbs.insert(0, _Resampler(self, self.sampling.resample_every))
        return Trainer(self.loss, self.network, self.phases, cbs, mode=self._loss_mode)

    def fit(self, callbacks: Sequence[Callback] = (), resume_from: str | None = None) -> TrainResult:
        """Train; ``resume_from`` continues exactly from a checkpoint written during training."""
        trainer = self.make_trainer(callbacks)
        if resume_from:
            trainer.resume(resume_from)
        return trainer.fit()

    # -- inference -----------------------------------------------------------
    def predict(self, points: np.ndarray | Tensor, batch_size: int = 65536) -> np.ndarray:
        """``u`` at ``points [N, D]`` (numpy or tensor): ``[N, F]`` numpy array."""
        x = torch.as_tensor(np.asarray(points) if not isinstance(points, Tensor) else points, dtype=self.dtype, device=self.device)
        if x.ndim != 2 or x.shape[1] != len(self.problem.input_names):
            raise ValueError(f"points must be [N, {len(self.problem.input_names)}] ({self.problem.input_names}), got {tuple(x.shape)}.")
        outs = []
        with torch.no_grad():
            for s in range(0, len(x), batch_size):
                outs.append(self.model(x[s : s + batch_size]).cpu().numpy())
        return np.concatenate(outs).astype(np.float64)

    def evaluate(self, reference) -> dict[str, float]:
        """Relative L2 error ``‖u − u_ref‖₂ / ‖u_ref‖₂`` on the reference's points (plus max abs error)."""
        pts = reference.points()
        ref = reference.solution(pts)
        pred = self.predict(pts)
        err = pred - ref
        rel = float(np.linalg.norm(err) / np.linalg.norm(ref))
        if not math.isfinite(rel):
            raise FloatingPointError("Prediction contains NaN/Inf; the model is not usable.")
        return {"rel_l2": rel, "max_abs_error": float(np.abs(err).max())}

    # -- construction from config -------------------------------------------
    @classmethod
    def from_config(cls, cfg) -> "PINNSolver":
        """Build from a composed experiment config (see ``configs/`` and :func:`sciml.config.compose`)."""
        from solvers.pinn.from_config import solver_from_config

        return solver_from_config(cfg)


def default_network_spec(problem: PDE, geometry, model_cfg: dict) -> dict:
    """Network spec for ``problem``: in/out sizes from the problem, input bounds from the geometry."""
    kwargs = {k: v for k, v in model_cfg.items() if k not in ("name", "normalize_inputs")}
    kwargs["in_features"], kwargs["out_features"] = len(problem.input_names), len(problem.output_names)
    if model_cfg.get("normalize_inputs", True):
        lo, hi = geometry.bounds
        kwargs["input_bounds"] = [lo, hi]
    return {"name": model_cfg.get("name", "mlp"), "kwargs": kwargs}




