"""Run a pure step function for many steps, optionally with gradient checkpointing over chunks.

``step(state) -> state`` advances one ``dt``. With ``checkpoint_every = K`` the autograd graph
keeps only every K-th state and recomputes each chunk in backward (``torch.utils.checkpoint``),
so memory grows like ``n_steps / K + K`` states instead of ``n_steps`` (Griewank & Walther 2000).
A non-finite state stops the run with an error naming the step; ``on_snapshot`` sees the good
states every ``snapshot_every`` steps, so the last good snapshot is already saved.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor
from torch.utils.checkpoint import checkpoint


class NonFiniteStateError(FloatingPointError):
    """The state became NaN or Inf."""


def _finite(state) -> bool:
    if isinstance(state, Tensor):
        return bool(torch.isfinite(state).all())
    if isinstance(state, (tuple, list)):
        return all(_finite(s) for s in state)
    fields = getattr(state, "__dataclass_fields__", None)
    if fields:
        return all(_finite(getattr(state, f)) for f in fields if isinstance(getattr(state, f), (Tensor, tuple, list)))
    return True


def rollout(
    step: Callable,
    state,
    n_steps: int,
    *,
    checkpoint_every: int = 0,
    check_every: int = 1,
    snapshot_every: int = 0,
    on_snapshot: Callable[[int, object], None] | None = None,
):
    """Apply ``step`` ``n_steps`` times; returns the final state."""
    if n_steps < 0:
        raise ValueError(f"n_steps must be >= 0, got {n_steps}.")

    def chunk(s, k):
        for _ in range(k):
            s = step(s)
        return s

    done = 0
    while done < n_steps:
        k = min(checkpoint_every or 1, n_steps - done)
        if checkpoint_every and torch.is_grad_enabled():
            state = checkpoint(chunk, state, k, use_reentrant=False)
        else:
            state = chunk(state, k)
        done += k
        if check_every and (done % check_every == 0 or done == n_steps) and not _finite(state):
            raise NonFiniteStateError(
                f"state became non-finite by step {done}; reduce dt (check the CFL number) or the forcing."
                + (" The last good snapshot was passed to on_snapshot." if on_snapshot else "")
            )
        if on_snapshot is not None and snapshot_every and done % snapshot_every == 0:
            on_snapshot(done, state)
    return state
