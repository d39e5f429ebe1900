"""An operator wrapped with its input and output normalisers: ``y = D(G(E(x)))``.

The loss is taken on decoded outputs against raw targets (Li et al. 2021), so the metric is
in physical units; the normalisers' buffers are saved with the weights.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from sciml.data import GaussianNormalizer


class NormalizedOperator(nn.Module):
    """An operator between normalisers: encode the input, apply, decode the output."""

    def __init__(
        self,
        operator: nn.Module,
        input_normalizer: GaussianNormalizer | None = None,
        output_normalizer: GaussianNormalizer | None = None,
    ):
        super().__init__()
        self.operator = operator
        self.input_normalizer = input_normalizer
        self.output_normalizer = output_normalizer

    def forward(self, x: Tensor) -> Tensor:
        """Decoded output for raw input ``x``."""
        if self.input_normalizer is not None:
            x = self.input_normalizer.encode(x)
        y = self.operator(x)
        if self.output_normalizer is not None:
            y = self.output_normalizer.decode(y)
        return y


def fit_normalizer(data: Tensor, pointwise: bool) -> GaussianNormalizer:
    """Normaliser for ``[n, C, *grid]`` data: per-point (and channel) or one scalar."""
    with torch.no_grad():
        return GaussianNormalizer.fit(data, pointwise=pointwise)
