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
from sciml.distributed import SINGLE, shard_rows
from sciml.networks import OutputTransform
from sciml.runtime import resolve_device, resolve_dtype, validate_mode
from sciml.training import Callback, LearningRateAnnealing, LossWeights, Phase, ReLoBRaLo, Trainer, TrainResult
from solvers.pinn.inverse import Observations, TrainableSet, Unknowns
from solvers.pinn.adaptivity import (ResidualAdaptiveRefinement, SelfAdaptiveWeights, causal_loss)

WEIGHTINGS = ("fixed", "lr_annealing", "relobralo")

log = logging.getLogger("sciml.pinn")


@dataclass(frozen=True)
class Sampling:
    """Collocation counts per region, the sampler and an optional resampling period.

    ``n_focus`` extra interior points come from the problem's ``sample_focus(n, geometry, seed)`` (for example
    concentrated around a point source, as MindElec samples its source region separately); they join the
    interior points, so the residual there counts more."""

    n_interior: int = 2540
    n_boundary: int = 80
    n_initial: int = 160
    method: str = "random"
    seed: int = 0
    resample_every: int = 0
    n_focus: int = 0


@dataclass(frozen=True)
class CollocationPoints:
    """Tensors of points ``[N, D]`` per region (and boundary normals)."""

    interior: Tensor
    boundary: Tensor | None = None
    normals: Tensor | None = None
    initial: Tensor | None = None


def sample_points(geometry, sampling: Sampling, device, dtype, seed: int, problem=None) -> CollocationPoints:
    """Draw collocation points from ``geometry`` (a :class:`~sciml.geometry.SpaceTime` or a shape); with
    ``sampling.n_focus > 0`` also ``problem.sample_focus(n_focus, geometry, seed)``, appended to the interior."""
    as_t = lambda a: torch.as_tensor(np.asarray(a), dtype=dtype, device=device)  # noqa: E731
    interior = as_t(geometry.sample_interior(sampling.n_interior, sampling.method, seed))
    if sampling.n_focus > 0:
        if not hasattr(problem, "sample_focus"):
            raise ValueError(f"sampling.n_focus={sampling.n_focus} asks the problem for focus points, but {problem!r} "
                             "has no sample_focus(n, geometry, seed); set sampling.n_focus=0.")
        interior = torch.cat([interior, as_t(problem.sample_focus(sampling.n_focus, geometry, seed + 3))])
    boundary = normals = initial = None
    if sampling.n_boundary > 0:
        b, n = geometry.sample_boundary(sampling.n_boundary, sampling.method, seed + 1)
        boundary, normals = as_t(b), as_t(n)
    if sampling.n_initial > 0 and hasattr(geometry, "sample_initial"):
        initial = as_t(geometry.sample_initial(sampling.n_initial, sampling.method, seed + 2))
    return CollocationPoints(interior, boundary, normals, initial)


def resample_step(trainer: Trainer, step: int, period: int) -> int | None:
    """The step at which the points in use after ``step`` were drawn (``None``: the initial draw).

    Points are redrawn after every ``period``-th step, except before an L-BFGS step: a quasi-Newton method needs
    one fixed objective, and a new draw under its curvature memory sends the line search far off (NaN).
    """
    for r in range(step - step % period, 0, -period):
        if trainer.phases[trainer._phase_at(r)].optimizer != "lbfgs":
            return r
    return None


class _Resampler(Callback):
    """Redraw interior points every ``period`` steps (in place, so a compiled loss keeps working)."""

    def __init__(self, solver: "PINNSolver", period: int):
        self.solver, self.period = solver, period

    def on_step_end(self, trainer, record):
        if record.step % self.period == 0 and resample_step(trainer, record.step, self.period) == record.step:
            self.solver.resample_interior(record.step)


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
    weighting: str = "fixed"  # fixed | lr_annealing | relobralo  (sciml.training.loss_weighting)
    weighting_every: int = 100
    causal_bins: int = 0  # > 0: causal training over this many time bins (Wang, Sankaran & Perdikaris 2022)
    causal_epsilon: float = 1.0
    rar_every: int = 0  # > 0: residual-based adaptive refinement every this many steps (Lu et al. 2021)
    rar_candidates: int = 10000
    rar_add: int = 100
    self_adaptive: bool = False  # per-point residual weights by gradient ascent (McClenny & Braga-Neto 2023)
    self_adaptive_lr: float = 1.0
    observations: Any = None  # solvers.pinn.inverse.Observations: adds the data term "data"
    unknowns: dict[str, dict] = field(default_factory=dict)  # name -> {initial, positive}: trainable PDE coefficients
    distributed: Any = None  # sciml.distributed.DistributedContext: shard points, average gradients over ranks

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
        if self.unknowns and self._loss_mode == "graph":
            log.warning("inverse runs rebind PDE coefficients every step; running the loss eagerly (mode=pynative).")
            self._loss_mode = "pynative"
        self.distributed = self.distributed or SINGLE
        if self.distributed.enabled and self.rar_every:
            raise ValueError("RAR adds points where each rank's residual is largest, which would differ from a "
                             "single-process run; turn it off (methods.rar_every=0) for distributed training.")
        pts = sample_points(self.geometry, self.sampling, self.device, self.dtype, self.sampling.seed, self.problem)
        ctx = self.distributed  # every rank draws the same global set, then keeps rows rank::world_size
        self.points = CollocationPoints(shard_rows(pts.interior, ctx, "interior points (sampling.n_interior)"),
                                        shard_rows(pts.boundary, ctx, "boundary points (sampling.n_boundary)"),
                                        shard_rows(pts.normals, ctx, "boundary normals"),
                                        shard_rows(pts.initial, ctx, "initial points (sampling.n_initial)"))
        self._second = self.problem.second_dim_indices()
        self._check_methods()
        self.unknown_params = None
        if self.unknowns:
            missing = [k for k in self.unknowns if not hasattr(self.problem, k)]
            if missing:
                raise ValueError(f"unknowns {missing} are not coefficients of {self.problem!r}.")
            self.unknown_params = Unknowns(self.unknowns).to(device=self.device, dtype=self.dtype)
            self._bind_unknowns()
        if self.observations is not None:
            bad = [o for o in self.observations.outputs if o not in self.problem.output_names]
            if bad:
                raise ValueError(f"observed outputs {bad} are not outputs of {self.problem!r} {self.problem.output_names}.")
            self.observations = Observations(self.observations.x.to(self.device, self.dtype),
                                             self.observations.y.to(self.device, self.dtype),
                                             self.observations.outputs, self.observations.source)
        probe = self.points.interior[:2]
        self.residual_names = list(self.problem.residual(self._derivs(probe), probe).keys())
        names = [*self.residual_names, *self._term_names()]
        unknown = set(self.loss_weights) - set(names)
        if unknown:
            raise ValueError(f"loss_weights name unknown terms {sorted(unknown)}; terms are {names}.")
        self.weights = LossWeights({k: self.loss_weights.get(k, 1.0) for k in [*self.residual_names, *self._term_names()]},
                                   self.device, self.dtype)
        self.sa_weights = (torch.ones(len(self.points.interior), device=self.device, dtype=self.dtype, requires_grad=True)
                           if self.self_adaptive else None)

    def _check_methods(self) -> None:
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting={self.weighting!r}; choose one of {WEIGHTINGS}.")
        if self.causal_bins:
            if "t" not in self.problem.input_names or not hasattr(self.geometry, "time"):
                raise ValueError("causal training needs a time-dependent problem (an input named 't' on a SpaceTime "
                                 f"geometry); {self.problem!r} has inputs {self.problem.input_names}.")
            if self.causal_bins < 2:
                raise ValueError(f"causal_bins must be >= 2 (or 0 to disable), got {self.causal_bins}.")
        if self.self_adaptive and (self.rar_every or self.sampling.resample_every):
            raise ValueError("self-adaptive weights belong to fixed collocation points; they cannot be combined with "
                             "RAR or resampling. Disable one of them.")

    def _term_names(self) -> list[str]:
        names = [c.name for c in self._active_conditions()]
        return names + (["data"] if self.observations is not None else [])

    # -- loss ---------------------------------------------------------------
    def _derivs(self, x: Tensor, second=None):
        return derivatives(self.model, x, self.engine, second_dims=self._second if second is None else second,
                           input_names=self.problem.input_names, output_names=self.problem.output_names,
                           laplacian_only=self.problem.laplacian_only and second is None)

    def _bind_unknowns(self) -> None:
        for k, v in self.unknown_params.values().items():
            setattr(self.problem, k, v)

    def identified(self) -> dict[str, float]:
        """Current values of the unknown coefficients."""
        return {k: float(v) for k, v in self.unknown_params.values().items()} if self.unknown_params is not None else {}

    def loss_terms(self) -> dict[str, Tensor]:
        """Mean-square residual of every term at the current collocation points."""
        if self.unknown_params is not None:
            self._bind_unknowns()
        x = self.points.interior
        d = self._derivs(x)
        terms = {k: self._residual_loss(r, x) for k, r in self.problem.residual(d, x).items()}
        for cond in self._active_conditions():
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
        if self.observations is not None:
            obs = self.observations
            idx = [self.problem.output_names.index(o) for o in obs.outputs]
            pred = self.model(obs.x)[:, idx]
            terms["data"] = ((pred - obs.y) ** 2).mean()
        return terms

    def _active_conditions(self):
        """Soft conditions in the loss: all of them, or with hard constraints only those the transform does not cover."""
        return [c for c in self.problem.conditions() if not self.hard_constraints or c.with_hard_constraints]

    def _residual_loss(self, r: Tensor, x: Tensor) -> Tensor:
        sq = r * r
        if self.sa_weights is not None:
            sq = self.sa_weights * sq
        if not self.causal_bins:
            return sq.mean()
        ti = self.problem.input_names.index("t")
        t0, t1 = float(self.geometry.time.t0), float(self.geometry.time.t1)
        return causal_loss(sq, x[:, ti], t0, t1, self.causal_bins, self.causal_epsilon)

    def loss(self) -> tuple[Tensor, dict[str, Tensor]]:
        terms = self.loss_terms()
        return self.weights.total(terms), terms

    # -- training ------------------------------------------------------------
    def make_trainer(self, callbacks: Sequence[Callback] = ()) -> Trainer:
        cbs = list(callbacks)
        if self.sampling.resample_every > 0:
            cbs.insert(0, _Resampler(self, self.sampling.resample_every))
        if self.rar_every > 0:
            cbs.insert(0, ResidualAdaptiveRefinement(self, self.rar_every, self.rar_candidates, self.rar_add))
        if self.sa_weights is not None:
            cbs.insert(0, SelfAdaptiveWeights(self.sa_weights, self.self_adaptive_lr))
        if self.weighting == "lr_annealing":
            ref = "pde" if "pde" in self.residual_names else self.residual_names[0]
            cbs.insert(0, LearningRateAnnealing(self.weights, self.loss_terms, list(self.network.parameters()), ref,
                                                self.weighting_every))
        elif self.weighting == "relobralo":
            cbs.insert(0, ReLoBRaLo(self.weights, [*self.residual_names, *self._term_names()]))
        target = self.network if self.unknown_params is None else TrainableSet(self.network, self.unknown_params)
        return Trainer(self.loss, target, self.phases, cbs, mode=self._loss_mode, distributed=self.distributed)

    def resample_interior(self, step: int) -> None:
        """Redraw the interior points as the run does at ``step`` (in place, so a compiled loss keeps working)."""
        new = sample_points(self.geometry, self.sampling, self.device, self.dtype, self.sampling.seed + 1000 * step,
                            self.problem)
        self.points.interior.copy_(shard_rows(new.interior, self.distributed, "interior points"))

    def fit(self, callbacks: Sequence[Callback] = (), resume_from: str | None = None) -> TrainResult:
        """Train; ``resume_from`` continues exactly from a checkpoint written during training."""
        trainer = self.make_trainer(callbacks)
        if resume_from:
            trainer.resume(resume_from)
            period = self.sampling.resample_every
            drawn = resample_step(trainer, trainer.step, period) if period > 0 else None
            if drawn is not None:  # the points the interrupted run was using at that step
                self.resample_interior(drawn)
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
        """Relative L2 error ``‖u − u_ref‖₂ / ‖u_ref‖₂`` on the reference's points (plus max abs error).

        A reference may name ``output_columns`` to compare and add figures through ``metrics(predict)``.
        """
        pts = reference.points()
        ref = reference.solution(pts)
        pred = self.predict(pts)
        cols = getattr(reference, "output_columns", None)  # compare only these outputs (e.g. not a gauge pressure)
        if cols is not None:
            pred = pred[:, list(cols)]
        err = pred - ref
        rel = float(np.linalg.norm(err) / np.linalg.norm(ref))
        if not math.isfinite(rel):
            raise FloatingPointError("Prediction contains NaN/Inf; the model is not usable.")
        out = {"rel_l2": rel, "max_abs_error": float(np.abs(err).max())}
        if hasattr(reference, "metrics"):  # reference-specific figures (e.g. Ghia's centreline table)
            out.update(reference.metrics(self.predict))
        return out

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




