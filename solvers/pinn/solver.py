"""Physics-informed neural network solver: a problem, a geometry and a network, trained by the Trainer.

The loss is :func:`solvers.pinn.loss.loss_terms` (mean-square residuals, Raissi, Perdikaris &
Karniadakis 2019) at the points of a :class:`~solvers.pinn.collocation.CollocationSet`; the
methods of :class:`~solvers.pinn.methods.PINNMethods` plug in as callbacks. The solver builds its
pieces with pure functions and holds them; the only state that changes during training is the
network's parameters (and an inverse run's unknown coefficients) and the collocation points.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from physics.pdes.base import PDE
from sciml.autodiff import resolve_engine
from sciml.distributed import SINGLE
from sciml.runtime import resolve_device, resolve_dtype, validate_mode
from sciml.training import (
    Callback,
    GradNorm,
    LearningRateAnnealing,
    LossWeights,
    Phase,
    RecoveryPolicy,
    ReLoBRaLo,
    Trainer,
    TrainResult,
)
from solvers.pinn.adaptivity import SelfAdaptiveWeights
from solvers.pinn.collocation import (
    CollocationSet,
    Resampler,
    ResidualAdaptiveRefinement,
    Sampling,
    check_memory,
    resample_step,
)
from solvers.pinn.inverse import Observations, TrainableSet, Unknowns
from solvers.pinn.loss import active_conditions, loss_terms, residual_magnitude, term_names
from solvers.pinn.methods import PINNMethods
from solvers.pinn.predictor import FieldPredictor, field_model

log = logging.getLogger("sciml.pinn")


def loss_mode(mode: str, engine: str) -> str:
    """The mode the loss runs in: ``graph`` compiles it unless nested autograd forbids.

    Inverse runs compile too: the unknown coefficients enter the compiled loss as tensors (the problem is copied
    with them each call, which dynamo traces without a guard on their values), so a step does not recompile."""
    if mode == "graph" and engine == "autograd":
        log.warning(
            "mode=graph cannot compile nested autograd (double backward); running the loss eagerly. "
            "Use derivatives=taylor (or auto) with a sciml network to compile."
        )
        return "pynative"
    return mode


@dataclass
class PINNSolver:
    """Solve ``problem`` on ``geometry`` with ``network`` (a sciml network or any ``nn.Module`` ``[N, D] → [N, F]``).

    ``engine``: ``auto | autograd | taylor``; ``mode``: ``pynative | graph``. ``observations`` and ``unknowns``
    (``{name: {initial, positive}}``) make it an inverse problem: the data term joins the loss and the named
    coefficients of ``problem`` are trained with the network. ``cuda_graphs``: replay each Adam step on a CUDA
    device as one captured graph (:mod:`sciml.training.step_graph`); ``None`` does so on a GPU in ``mode=graph``
    unless a method changes what the loss reads between steps (adaptive weights, self-adaptive point weights, RAR).
    """

    problem: PDE
    geometry: Any
    network: nn.Module
    phases: Sequence[Phase]
    sampling: Sampling = field(default_factory=Sampling)
    methods: PINNMethods = field(default_factory=PINNMethods)
    engine: str = "auto"
    mode: str = "pynative"
    device: str = "auto"
    dtype: str = "float32"
    hard_constraints: bool = True
    loss_weights: dict[str, float] = field(default_factory=dict)
    observations: Observations | None = None
    unknowns: dict[str, dict] = field(default_factory=dict)
    distributed: Any = None  # sciml.distributed.DistributedContext: shard points, average gradients over ranks
    recovery: RecoveryPolicy | None = None
    cuda_graphs: bool | None = None  # None: in mode=graph, where the loss reads only tensors updated in place

    def __post_init__(self):
        validate_mode(self.mode)
        self.device, self.dtype = resolve_device(self.device), resolve_dtype(self.dtype)
        self.distributed = self.distributed or SINGLE
        self.methods.check_compatible(
            self.problem, self.geometry, self.sampling.resample_every, self.distributed.enabled
        )
        self.network = self.network.to(device=self.device, dtype=self.dtype)
        self.model = field_model(self.network, self.problem, self.geometry, self.hard_constraints)
        native = getattr(self.network, "jets_run_native", None)  # asked only where it decides (builds the kernel)
        deciding = self.engine == "auto" and self.mode == "pynative"
        native_jets = deciding and bool(native and native(self.device, self.dtype))
        self.engine = resolve_engine(self.engine, self.model, self.mode, native_jets)
        self.loss_mode = loss_mode(self.mode, self.engine)
        check_memory(
            self.sampling.n_interior + self.sampling.n_focus,
            self.network,
            len(self.problem.input_names),
            self.device,
            self.dtype,
        )
        self.collocation = CollocationSet(
            self.geometry, self.sampling, self.device, self.dtype, self.problem, self.distributed
        )
        self.conditions = active_conditions(self.problem, self.hard_constraints)
        self.unknown_params = (
            Unknowns(self.unknowns).to(device=self.device, dtype=self.dtype) if self.unknowns else None
        )
        if self.unknown_params is not None:
            self.problem.with_coefficients(**self.unknown_params.values())  # names them, or fails naming the valid ones
        if self.observations is not None:
            self.observations = self.observations.to(self.problem, self.device, self.dtype)
        probe = self.collocation.points.interior[:2]
        self.term_names = term_names(
            self.problem, self.hard_constraints, self.observations is not None, probe, self.model, self.engine
        )
        unknown = set(self.loss_weights) - set(self.term_names)
        if unknown:
            raise ValueError(f"loss_weights name unknown terms {sorted(unknown)}; terms are {self.term_names}.")
        self.weights = LossWeights({k: self.loss_weights.get(k, 1.0) for k in self.term_names}, self.device, self.dtype)
        self.point_weights = (
            torch.ones(len(self.collocation.points.interior), device=self.device, dtype=self.dtype, requires_grad=True)
            if self.methods.self_adaptive
            else None
        )
        self.predictor = FieldPredictor(
            self.problem,
            self.network,
            self.model,
            self.device,
            self.dtype,
            domain=getattr(self.geometry, "bounds", None),
        )
        self.uses_cuda_graphs()  # refuses cuda_graphs=true with methods a replayed graph cannot follow

    # -- loss ---------------------------------------------------------------
    @property
    def points(self):
        """The collocation points in use now (:class:`~solvers.pinn.collocation.CollocationPoints`)."""
        return self.collocation.points

    def current_problem(self) -> PDE:
        """The problem with the current estimates of the unknown coefficients (itself without unknowns)."""
        if self.unknown_params is None:
            return self.problem
        return self.problem.with_coefficients(**self.unknown_params.values())

    def loss_terms(self) -> dict[str, Tensor]:
        """Mean-square residual of every term at the current collocation points."""
        time = getattr(self.geometry, "time", None)
        return loss_terms(
            self.model,
            self.current_problem(),
            self.collocation.points,
            self.methods,
            engine=self.engine,
            conditions=self.conditions,
            point_weights=self.point_weights,
            time_bounds=(float(time.t0), float(time.t1)) if time is not None else None,
            observations=self.observations,
        )

    def loss(self) -> tuple[Tensor, dict[str, Tensor]]:
        """``(Σ_k w_k L_k, {k: L_k})``."""
        terms = self.loss_terms()
        return self.weights.total(terms), terms

    def residual_magnitude(self, x: Tensor) -> Tensor:
        """``Σ_k |r_k(x)|`` at points ``x [N, D]`` for the current parameters."""
        return residual_magnitude(self.model, self.current_problem(), x, self.engine)

    def identified(self) -> dict[str, float]:
        """Current values of the unknown coefficients."""
        if self.unknown_params is None:
            return {}
        return {k: float(v.detach()) for k, v in self.unknown_params.values().items()}

    # -- training ------------------------------------------------------------
    def callbacks(self) -> list[Callback]:
        """The method callbacks, in the order they run after each step (before the caller's)."""
        m = self.methods
        cbs: list[Callback] = []
        if m.weighting == "lr_annealing":
            ref = "pde" if "pde" in self.term_names else self.term_names[0]
            cbs.append(
                LearningRateAnnealing(
                    self.weights, self.loss_terms, list(self.network.parameters()), ref, m.weighting_every
                )
            )
        elif m.weighting == "relobralo":
            cbs.append(ReLoBRaLo(self.weights, self.term_names))
        elif m.weighting == "gradnorm":
            last = [p for p in self.network.parameters() if p.requires_grad][-2:]  # the last layer: shared W
            cbs.append(GradNorm(self.weights, self.loss_terms, last, every=m.weighting_every))
        if self.point_weights is not None:
            cbs.append(SelfAdaptiveWeights(self.point_weights, m.self_adaptive_lr))
        if m.rar_every > 0:
            cbs.append(
                ResidualAdaptiveRefinement(
                    self.collocation, self.residual_magnitude, m.rar_every, m.rar_candidates, m.rar_add
                )
            )
        if self.sampling.resample_every > 0:
            cbs.append(Resampler(self.collocation, self.sampling.resample_every))
        return cbs

    def uses_cuda_graphs(self) -> bool:
        """Whether the trainer is asked to capture whole steps (it still checks the device and optimiser)."""
        m = self.methods
        static = m.weighting == "fixed" and self.point_weights is None and m.rar_every == 0
        if self.cuda_graphs is None:  # the default: only on a GPU (so CPU runs log nothing about graphs)
            return self.mode == "graph" and static and self.device.type == "cuda"
        if self.cuda_graphs and not static:
            raise ValueError(
                "cuda_graphs=true cannot replay a loss whose inputs change between steps (adaptive weighting, "
                "self-adaptive point weights or RAR); set cuda_graphs=false or drop those methods."
            )
        return self.cuda_graphs

    def make_trainer(self, callbacks: Sequence[Callback] = ()) -> Trainer:
        """A :class:`~sciml.training.Trainer` over the network (and unknowns) with the method callbacks first."""
        target = self.network if self.unknown_params is None else TrainableSet(self.network, self.unknown_params)
        return Trainer(
            self.loss,
            target,
            self.phases,
            [*self.callbacks(), *callbacks],
            mode=self.loss_mode,
            distributed=self.distributed,
            recovery=self.recovery,
            cuda_graphs=self.uses_cuda_graphs(),
        )

    def fit(self, callbacks: Sequence[Callback] = (), resume_from: str | None = None) -> TrainResult:
        """Train; ``resume_from`` continues exactly from a checkpoint written during training."""
        trainer = self.make_trainer(callbacks)
        if resume_from:
            trainer.resume(resume_from)
            period = self.sampling.resample_every
            drawn = resample_step(trainer, trainer.step, period) if period > 0 else None
            if drawn is not None:  # the points the interrupted run was using at that step
                self.collocation.redraw_interior(drawn)
        return trainer.fit()

    # -- inference -----------------------------------------------------------
    def predict(self, points: np.ndarray | Tensor, batch_size: int = 65536) -> np.ndarray:
        """``u`` at ``points [N, D]``: ``[N, F]`` numpy array (see :class:`FieldPredictor`)."""
        return self.predictor.predict(points, batch_size)

    def evaluate(self, reference) -> dict[str, float]:
        """Relative L2 and max abs error against ``reference`` (see :meth:`FieldPredictor.evaluate`)."""
        return self.predictor.evaluate(reference)


__all__ = ["PINNSolver", "loss_mode"]
