"""Normalisers for operator learning: ``(x - mean) / (std + eps)`` and back.

Built from the statistics a :class:`~sciml.data.DatasetWriter` computed while writing, so
no second pass over the data is needed. ``pointwise=True`` keeps one mean/std per grid
point (Li et al. 2021's ``UnitGaussianNormalizer``); ``False`` uses one scalar per field.
Buffers travel with the model's state dict, so a checkpoint carries its normaliser.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from sciml.data.statistics import RunningMoments


class GaussianNormalizer(nn.Module):
    """Affine map to zero mean and unit variance; ``mean``/``std`` broadcast against ``[batch, *shape]``."""

    def __init__(self, mean: Tensor | float, std: Tensor | float, eps: float = 1e-6):
        super().__init__()
        std_t = torch.as_tensor(std, dtype=torch.float32)
        if not torch.all(torch.isfinite(std_t)) or torch.any(std_t < 0):
            raise ValueError("normaliser std must be finite and non-negative.")
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).clone())
        self.register_buffer("std", std_t.clone())
        self.eps = eps

    @classmethod
    def from_moments(cls, moments: RunningMoments, pointwise: bool = True, eps: float = 1e-6) -> "GaussianNormalizer":
        if moments.count == 0:
            raise ValueError("cannot build a normaliser from an empty dataset (no samples were written).")
        if pointwise:
            return cls(torch.from_numpy(np.asarray(moments.mean)), torch.from_numpy(np.asarray(moments.std)), eps)
        m, s = moments.scalar()
        return cls(m, s, eps)

    @classmethod
    def fit(cls, data: Tensor, pointwise: bool = True, eps: float = 1e-6) -> "GaussianNormalizer":
        """From a tensor ``[n, *shape]`` held in memory."""
        if pointwise:
            return cls(data.mean(0), data.std(0, unbiased=False), eps)
        return cls(data.mean(), data.std(unbiased=False), eps)

    def encode(self, x: Tensor) -> Tensor:
        return (x - self.mean) / (self.std + self.eps)

    def decode(self, y: Tensor) -> Tensor:
        return y * (self.std + self.eps) + self.mean

    forward = encode
