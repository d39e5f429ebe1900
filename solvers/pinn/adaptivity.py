"""Training methods that adapt where and how much each residual counts.

* :func:`causal_loss` — Wang, Sankaran & Perdikaris (2022), *Respecting causality is all you
  need for training PINNs*, arXiv:2203.07404: split ``[t0, t1]`` into ``M`` bins with mean
  squared residuals ``L_i``; weigh bin ``i`` by ``w_i = exp(−ε Σ_{k<i} L_k)`` (not
  differentiated), so later times count only once earlier times are resolved.
* Residual-based adaptive refinement (RAR) changes the points, so it lives with them in
  :mod:`solvers.pinn.collocation`.
* :class:`SelfAdaptiveWeights` — McClenny & Braga-Neto (2023), *Self-adaptive PINNs*, J.
  Comput. Phys. 474:111722: per-point weights ``λ_j`` in ``mean(λ_j r_j²)``, updated by
  gradient *ascent* ``λ ← λ + η ∂L/∂λ`` (``∂L/∂λ_j = r_j²/N``), so the points with the largest
  residuals gain weight.
"""

from __future__ import annotations

import torch
from torch import Tensor

from sciml.training import Callback


def causal_weights(bin_losses: Tensor, epsilon: float) -> Tensor:
    """``w_i = exp(−ε Σ_{k<i} L_k)`` for bin losses ``[M]`` (detached)."""
    before = torch.cumsum(bin_losses, 0) - bin_losses
    return torch.exp(-epsilon * before).detach()


def causal_loss(sq: Tensor, t: Tensor, t0: float, t1: float, bins: int, epsilon: float) -> Tensor:
    """Causally weighted mean of squared residuals ``sq [N]`` at times ``t [N]``."""
    idx = ((t - t0) * (bins / (t1 - t0))).long().clamp(0, bins - 1)
    sums = torch.zeros(bins, dtype=sq.dtype, device=sq.device).index_add(0, idx, sq)
    # index_add of ones, not bincount: a fixed-size output, so torch.compile keeps the step in one graph
    counts = torch.zeros(bins, dtype=sq.dtype, device=sq.device).index_add(0, idx, torch.ones_like(sq)).clamp(min=1)
    per_bin = sums / counts
    return (causal_weights(per_bin, epsilon) * per_bin).mean()


class SelfAdaptiveWeights(Callback):
    """Gradient ascent on per-point weights after each first-order step (frozen during L-BFGS)."""

    def __init__(self, weights: Tensor, lr: float = 1.0):
        if not weights.requires_grad:
            raise ValueError("self-adaptive weights must require grad.")
        self.weights, self.lr = weights, lr

    def on_step_end(self, trainer, record):
        """Ascend the point weights along their gradient after a first-order step; clear it after every step."""
        g = self.weights.grad
        if g is not None:
            if record.phase != "lbfgs":
                with torch.no_grad():
                    self.weights.add_(self.lr * len(self.weights) * g)
            self.weights.grad = None
