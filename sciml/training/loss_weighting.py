"""Adaptive weights for multi-term losses ``L = Σ_k λ_k L_k`` (PINN residual, boundary, initial …).

Weights are 0-d tensors updated *in place* between steps, so a compiled loss reads the new
values without recompiling. Each balancer is a :class:`~sciml.training.Callback`.

* :class:`LearningRateAnnealing` — Wang, Teng & Perdikaris (2021), *Understanding and
  mitigating gradient flow pathologies in PINNs*, SIAM J. Sci. Comput. 43:A3055, Alg. 1:
  ``λ̂_k = max_θ |∇_θ L_ref| / mean_θ |∇_θ L_k|``, ``λ_k ← (1 − α) λ_k + α λ̂_k``. A term whose
  gradients are small next to the residual's gets a larger weight.
* :class:`ReLoBRaLo` — Bischof & Kraus (2021), *Multi-objective loss balancing for
  physics-informed deep learning*, arXiv:2110.09813: ``λ_bal(t, t') = K · softmax_k(L_k(t) /
  (τ L_k(t')))``, ``λ(t) = α(ρ λ(t−1) + (1 − ρ) λ_bal(t, 0)) + (1 − α) λ_bal(t, t−1)``,
  ``ρ ~ Bernoulli(E[ρ])``. A term that decreases more slowly than the others gains weight;
  the weights sum to ``K``. Uses loss values only (no extra gradients).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from sciml.training.callbacks import Callback


class LossWeights:
    """Named 0-d weight tensors; ``total(terms)`` gives ``Σ λ_k L_k`` (unnamed terms weigh 1)."""

    def __init__(self, initial: dict[str, float], device=None, dtype=torch.float32):
        self.tensors = {k: torch.tensor(float(v), device=device, dtype=dtype) for k, v in initial.items()}

    def total(self, terms: dict[str, Tensor]) -> Tensor:
        """``Σ_k w_k L_k`` (terms without a weight count once)."""
        return sum(self.tensors[k] * v if k in self.tensors else v for k, v in terms.items())  # type: ignore[return-value]

    def values(self) -> dict[str, float]:
        """The current weights as floats."""
        return {k: float(v) for k, v in self.tensors.items()}

    def set(self, name: str, value: float) -> None:
        """Set the weight of ``name`` (in place, so a compiled loss sees it)."""
        self.tensors[name].fill_(float(value))


class LearningRateAnnealing(Callback):
    """Every ``every`` steps, rebalance from gradient statistics of ``terms_fn()`` (fresh terms with graphs)."""

    def __init__(
        self,
        weights: LossWeights,
        terms_fn: Callable[[], dict[str, Tensor]],
        params: Sequence[Tensor],
        reference: str = "pde",
        every: int = 100,
        alpha: float = 0.9,
    ):
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}.")
        self.weights, self.terms_fn, self.params = weights, terms_fn, [p for p in params if p.requires_grad]
        self.reference, self.every, self.alpha = reference, max(1, every), alpha

    def rebalance(self) -> dict[str, float]:
        """One update of the weights from the gradient statistics; returns the new weights."""
        terms = self.terms_fn()
        if self.reference not in terms:
            raise ValueError(f"reference term {self.reference!r} is not among the loss terms {sorted(terms)}.")

        def grads(t):
            g = torch.autograd.grad(t, self.params, retain_graph=True, allow_unused=True)
            return torch.cat([x.reshape(-1).abs() for x in g if x is not None])

        g_ref = grads(terms[self.reference]).max()
        for name, t in terms.items():
            if name == self.reference or name not in self.weights.tensors:
                continue
            hat = float(g_ref / (grads(t).mean() + 1e-30))
            old = float(self.weights.tensors[name])
            self.weights.set(name, (1 - self.alpha) * old + self.alpha * hat)
        return self.weights.values()

    def on_step_end(self, trainer, record):
        """Rebalance every ``every`` first-order steps (never during L-BFGS)."""
        if record.step % self.every == 0 and record.phase != "lbfgs":
            self.rebalance()


class ReLoBRaLo(Callback):
    """Relative loss balancing with random lookback over the named ``terms``."""

    def __init__(
        self,
        weights: LossWeights,
        terms: Sequence[str],
        alpha: float = 0.999,
        temperature: float = 0.1,
        expected_rho: float = 0.999,
        seed: int = 0,
    ):
        self.weights, self.names = weights, list(terms)
        self.alpha, self.tau, self.expected_rho = alpha, temperature, expected_rho
        self.rng = np.random.default_rng(seed)
        self.first: np.ndarray | None = None
        self.prev: np.ndarray | None = None

    def _bal(self, now: np.ndarray, ref: np.ndarray) -> np.ndarray:
        z = now / (self.tau * np.maximum(ref, 1e-30))
        z = np.exp(z - z.max())
        return len(now) * z / z.sum()

    def update(self, losses: dict[str, float]) -> dict[str, float]:
        """One ReLoBRaLo update from the step's term losses; returns the new weights."""
        now = np.array([losses[k] for k in self.names], dtype=float)
        if self.first is None:
            self.first = self.prev = now
            return self.weights.values()
        lam = np.array([float(self.weights.tensors[k]) for k in self.names])
        rho = float(self.rng.random() < self.expected_rho)
        new = self.alpha * (rho * lam + (1 - rho) * self._bal(now, self.first)) + (1 - self.alpha) * self._bal(
            now, self.prev
        )
        for k, v in zip(self.names, new):
            self.weights.set(k, v)
        self.prev = now
        return self.weights.values()

    def on_step_end(self, trainer, record):
        """Update from the step's recorded terms."""
        if all(k in record.terms for k in self.names):
            self.update(record.terms)
