"""Autoregressive rollout of a one-step operator: ``ω_{t+1} = G(ω_{t-w+1}, …, ω_t)``.

``rollout(model, window, steps)`` feeds each prediction back as the newest input frame.
Errors therefore accumulate, and :func:`rollout_error` reports the relative L2 of the whole
predicted trajectory against the reference (Li et al.'s NS metric), plus its growth per step.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from sciml.training.losses import relative_lp


@torch.no_grad()
def rollout(model: nn.Module, window: Tensor, steps: int) -> Tensor:
    """``window [B, w, *grid]`` → predictions ``[B, steps, *grid]``."""
    if steps < 1:
        raise ValueError(f"rollout steps must be >= 1, got {steps}.")
    frames = window
    out = []
    for _ in range(steps):
        nxt = model(frames)  # [B, 1, *grid]
        out.append(nxt)
        frames = torch.cat([frames[:, 1:], nxt], dim=1)
    return torch.cat(out, dim=1)


@torch.no_grad()
def rollout_error(model: nn.Module, trajectories: Tensor, window: int, batch: int = 16) -> dict[str, object]:
    """Relative L2 of rollouts from the first ``window`` frames over the rest of ``trajectories [n, T, *grid]``."""
    steps = trajectories.shape[1] - window
    preds = torch.cat(
        [rollout(model, trajectories[i : i + batch, :window], steps) for i in range(0, trajectories.shape[0], batch)]
    )
    truth = trajectories[:, window:]
    per_step = [float(relative_lp(preds[:, k], truth[:, k])) for k in range(steps)]
    return {"rel_l2": float(relative_lp(preds, truth)), "rel_l2_per_step": per_step, "steps": steps}
