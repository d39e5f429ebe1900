"""Recovery from non-finite losses: roll back to the last good parameters and go on.

A NaN or Inf loss is usually a recoverable fault, not a failed run: an L-BFGS line search tried a
point far along a direction built from stale curvature pairs, or an Adam step with too large a
learning rate overflowed. The trainer keeps a copy of the parameters of the last step whose loss
was finite (:class:`ParameterSnapshot`) and, on a non-finite loss, restores it and

- for L-BFGS: clears the quasi-Newton memory, so the next iteration is a short steepest-descent
  step (torch's first L-BFGS iteration uses ``t = min(1, 1/‖g‖₁)·lr``);
- for Adam/AdamW: clears the moment estimates and multiplies the learning rate by
  ``lr_factor``.

After ``max_consecutive`` failures in a row the phase ends early and keeps the restored
parameters (for L-BFGS, whose line search only accepts decreases, these are also the best ones);
after ``max_total`` failures in one run every later failure ends its phase at once. Each event is
logged and kept in :attr:`sciml.training.TrainResult.recoveries`.

A stalled L-BFGS is the other recoverable fault (:class:`LBFGSStallWatch`): when its line search finds no
decrease, the parameters and so the loss stay exactly the same from one iteration to the next. On a fixed
objective the next iteration then repeats the same search exactly (same point, gradient and memory, so the same
direction) and fails again, spending ``max_evaluations`` evaluations for nothing. So at the first unchanged
iteration (``patience = 1``) the trainer clears the memory (a fresh, steepest-descent start often finds a
decrease again); if the loss still does not move, the phase ends there, keeping the parameters. A larger
``patience`` only helps an objective that changes between iterations without changing the loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sciml.checks import check_range


@dataclass(frozen=True)
class RecoveryPolicy:
    """How many non-finite losses a run absorbs, and how it changes course after one.

    ``max_consecutive = 0`` turns recovery off: the first non-finite loss raises
    :class:`sciml.training.NonFiniteLossError`.
    """

    max_consecutive: int = 5
    max_total: int = 50
    lr_factor: float = 0.5

    def __post_init__(self):
        check_range("max_consecutive", self.max_consecutive, low=0, integer=True, meaning="0 turns recovery off")
        check_range(
            "max_total",
            self.max_total,
            low=self.max_consecutive,
            integer=True,
            meaning="failures one run may absorb, at least max_consecutive",
        )
        check_range(
            "lr_factor",
            self.lr_factor,
            low=0,
            high=1,
            low_open=True,
            meaning="0.5 halves the learning rate after each recovered Adam step",
        )

    @property
    def enabled(self) -> bool:
        """Whether non-finite losses are recovered (``max_consecutive > 0``)."""
        return self.max_consecutive > 0


class NonFiniteTrial(Exception):
    """Raised inside an optimiser step when a loss evaluation is NaN/Inf; caught by the trainer.

    ``first`` tells whether it was the step's first evaluation (the current parameters are bad)
    or a later trial point of a line search (the current parameters are still good).
    """

    def __init__(self, value: float, first: bool):
        super().__init__(f"non-finite loss {value}")
        self.value, self.first = value, first


class ParameterSnapshot:
    """A copy of a list of tensors, refreshed in place (``save``) and written back (``restore``)."""

    def __init__(self, params: list[torch.Tensor]):
        self.params = params
        self.copy = [p.detach().clone() for p in params]
        self.valid = False

    @torch.no_grad()
    def save(self) -> None:
        """Copy the current values into the snapshot."""
        torch._foreach_copy_(self.copy, [p.detach() for p in self.params])
        self.valid = True

    @torch.no_grad()
    def restore(self) -> None:
        """Copy the snapshot back into the parameters."""
        torch._foreach_copy_([p.detach() for p in self.params], self.copy)


class LBFGSStallWatch:
    """Counts L-BFGS iterations whose loss equals the previous one exactly (parameters left unchanged).

    :meth:`update` returns ``"reset"`` after ``patience`` such iterations in a row (the first time), ``"end"``
    after ``patience`` more with the memory reset, else ``None``. A change in the loss clears both. Exact
    equality, not a tolerance: a line search that moved the parameters at all changes the loss's bits, and a
    slow but real descent must not be cut short.
    """

    def __init__(self, patience: int = 1):
        check_range("patience", patience, low=1, integer=True)
        self.patience = patience
        self._last: float | None = None
        self._same = 0
        self._reset_done = False

    def update(self, loss: float) -> str | None:
        """Record one iteration's loss; the action it calls for (see the class doc)."""
        if loss != self._last:
            self._last, self._same, self._reset_done = loss, 0, False
            return None
        self._same += 1
        if self._same < self.patience:
            return None
        self._same = 0
        if not self._reset_done:
            self._reset_done = True
            return "reset"
        return "end"


def parameters_finite(params: list[torch.Tensor]) -> bool:
    """Whether every entry of every tensor is finite (one host sync)."""
    if not params:
        return True
    return bool(torch.stack([torch.isfinite(p.detach()).all() for p in params]).all())


__all__ = ["LBFGSStallWatch", "NonFiniteTrial", "ParameterSnapshot", "RecoveryPolicy", "parameters_finite"]
