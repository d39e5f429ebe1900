"""Optimisers and learning-rate schedules, built from plain phase descriptions.

A training run is a sequence of :class:`Phase` s, e.g. Adam for 10 000 steps then L-BFGS
for 2 000: the "scheduled switch" of PINN practice (Raissi et al. 2019).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import torch

from sciml.training.fused_adam import FusedAdam
from sciml.training.lbfgs import LBFGS

OPTIMIZERS = ("adam", "adamw", "lbfgs")
SCHEDULERS = ("none", "exponential", "step", "cosine")


@dataclass(frozen=True)
class Phase:
    """One optimiser run of ``steps`` steps.

    ``scheduler``: ``none | exponential (gamma) | step (step_size, gamma) | cosine (eta_min)``,
    stepped once per training step. For ``lbfgs`` one step is one L-BFGS iteration with a
    strong-Wolfe line search (``history_size`` pairs).
    """

    optimizer: str = "adam"
    steps: int = 1000
    lr: float = 1e-3
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    scheduler: str = "none"
    gamma: float = 0.9
    step_size: int = 1000
    eta_min: float = 0.0
    history_size: int = 50
    line_search: str | None = "strong_wolfe"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer={self.optimizer!r} is not supported. Choose one of {list(OPTIMIZERS)}.")
        if self.scheduler not in SCHEDULERS:
            raise ValueError(f"scheduler={self.scheduler!r} is not supported. Choose one of {list(SCHEDULERS)}.")
        if not isinstance(self.steps, int) or self.steps < 0:
            raise ValueError(f"phase steps must be a non-negative integer, got {self.steps!r}.")
        if not self.lr > 0:
            raise ValueError(f"learning rate must be positive, got lr={self.lr}.")
        if self.line_search not in (None, "strong_wolfe"):
            raise ValueError(f"line_search must be 'strong_wolfe' or None, got {self.line_search!r}.")


def make_optimizer(
    phase: Phase, params: Iterable[torch.nn.Parameter], capturable: bool = False
) -> torch.optim.Optimizer:
    """The optimiser for ``phase``: :class:`~sciml.training.fused_adam.FusedAdam` (torch's fused Adam/AdamW kernel,
    called directly on CPU) or our :class:`~sciml.training.lbfgs.LBFGS` with a strong-Wolfe line search.

    ``capturable``: Adam/AdamW keep their step counts on the device, so a CUDA graph can replay the update.
    """
    params = list(params)
    if phase.optimizer == "lbfgs":
        # one trainer step = one iteration; it reuses the gradient of the point its line search accepted
        return LBFGS(params, lr=phase.lr, history_size=phase.history_size, line_search=phase.line_search)
    return FusedAdam(
        params,
        lr=phase.lr,
        betas=tuple(phase.betas),
        weight_decay=phase.weight_decay,
        decoupled_weight_decay=phase.optimizer == "adamw",
        capturable=capturable,
    )


def make_scheduler(phase: Phase, optimizer: torch.optim.Optimizer):
    """The learning-rate scheduler of ``phase`` (``None`` for ``scheduler=none``)."""
    if phase.scheduler == "none":
        return None
    if phase.scheduler == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=phase.gamma)
    if phase.scheduler == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=phase.step_size, gamma=phase.gamma)
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(phase.steps, 1), eta_min=phase.eta_min)
