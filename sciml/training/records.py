"""What training reports: one :class:`StepRecord` per step (to callbacks), one :class:`TrainResult` at the end,
and :class:`TrainerView`, the part of the trainer a callback may use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Sequence


@dataclass(frozen=True)
class StepRecord:
    """What callbacks see after each step."""

    step: int
    phase: str
    lr: float
    loss: float
    terms: dict[str, float]
    seconds: float


@dataclass(frozen=True)
class TrainResult:
    """What :meth:`Trainer.fit` returns.

    ``history`` is the loss per completed step; ``stopped`` the reason of an early stop; ``recoveries`` one line per
    non-finite loss that was rolled back (:mod:`sciml.training.recovery`).
    """

    steps: int
    history: list[float]
    seconds: float
    stopped: str | None = None
    term_history: dict[str, list[float]] = field(default_factory=dict)
    recoveries: list[str] = field(default_factory=list)


class TrainerView(Protocol):
    """What callbacks see of :class:`~sciml.training.Trainer`: progress, the phases, and the few controls."""

    step: int
    total_steps: int
    phases: Sequence[Any]
    last_checkpoint: Path | None

    def request_stop(self, reason: str) -> None:
        """Stop after the current step."""

    def save_checkpoint(self, path: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write weights and training state to ``path``."""

    def reset_optimizer_memory(self, reason: str) -> None:
        """Forget curvature pairs or moments after the objective changed."""


__all__ = ["StepRecord", "TrainResult", "TrainerView"]
