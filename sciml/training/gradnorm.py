"""GradNorm: loss weights that equalise the terms' gradient norms, scaled by how fast each term trains.

Chen, Badrinarayanan, Lee & Rabinovich, *GradNorm: Gradient normalization for adaptive loss balancing in
deep multitask networks*, ICML 2018 (Alg. 1). For terms ``L_i`` with weights ``w_i`` and shared parameters
``W``:

    G_i  = ‖∇_W (w_i L_i)‖₂,         Ḡ = mean_i G_i
    L̃_i  = L_i(t) / L_i(0),          r_i = L̃_i / mean_j L̃_j           (inverse training rate)
    L_grad = Σ_i | G_i − Ḡ · r_i^α |                                   (the target Ḡ r_i^α held constant)
    w_i ← w_i − η ∂L_grad/∂w_i = w_i − η sign(G_i − Ḡ r_i^α) ‖∇_W L_i‖₂
    w ← T w / Σ_j w_j                                                   (T terms: the weights sum to T)

A term that trains more slowly (larger ``r_i``) is given a larger gradient target and so a larger weight;
``α`` sets how strongly. Weights are updated in place (:class:`~sciml.training.loss_weighting.LossWeights`),
so a compiled loss reads them without recompiling. Every ``every`` first-order steps, never during L-BFGS.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor

from sciml.training.callbacks import Callback
from sciml.training.loss_weighting import LossWeights


class GradNorm(Callback):
    """GradNorm over the weighted terms of ``terms_fn()`` (fresh terms with graphs) and shared ``params``."""

    def __init__(
        self,
        weights: LossWeights,
        terms_fn: Callable[[], dict[str, Tensor]],
        params: Sequence[Tensor],
        alpha: float = 1.5,
        lr: float = 0.025,
        every: int = 1,
        min_weight: float = 1e-3,
    ):
        if alpha < 0 or not lr > 0 or every < 1 or not min_weight > 0:
            raise ValueError(
                f"GradNorm needs alpha >= 0, lr > 0, every >= 1 and min_weight > 0; got alpha={alpha}, lr={lr}, "
                f"every={every}, min_weight={min_weight}."
            )
        self.weights, self.terms_fn = weights, terms_fn
        self.params = [p for p in params if p.requires_grad]
        self.alpha, self.lr, self.every, self.min_weight = alpha, lr, every, min_weight
        self.initial: dict[str, float] | None = None

    def update(self) -> dict[str, float]:
        """One GradNorm step on the weights (Alg. 1); returns the new weights."""
        terms = {k: v for k, v in self.terms_fn().items() if k in self.weights.tensors}
        names = list(terms)
        losses = {k: float(terms[k].detach()) for k in names}
        if self.initial is None:
            self.initial = {k: max(losses[k], 1e-30) for k in names}
        norms = []
        for k in names:  # ‖∇_W L_i‖₂ (unweighted); G_i = w_i times it
            g = torch.autograd.grad(terms[k], self.params, retain_graph=True, allow_unused=True)
            norms.append(float(torch.sqrt(sum((x * x).sum() for x in g if x is not None))))
        w = [float(self.weights.tensors[k]) for k in names]
        G = [wi * ni for wi, ni in zip(w, norms)]
        G_mean = sum(G) / len(G)
        ratio = [losses[k] / self.initial[k] for k in names]
        r_mean = sum(ratio) / len(ratio)
        targets = [G_mean * (ri / r_mean) ** self.alpha for ri in ratio]
        sign = [(g > t) - (g < t) for g, t in zip(G, targets)]
        new = [max(wi - self.lr * s * ni, self.min_weight) for wi, s, ni in zip(w, sign, norms)]
        total = sum(new)
        for k, v in zip(names, new):
            self.weights.set(k, len(names) * v / total)
        return self.weights.values()

    def on_step_end(self, trainer, record):
        """Update every ``every`` first-order steps."""
        if record.step % self.every == 0 and record.phase != "lbfgs":
            self.update()
