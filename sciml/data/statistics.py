"""Streaming per-field statistics (mean and standard deviation) computed while a dataset is written.

Two views per field: a scalar over all samples and elements, and a pointwise one (one mean
and std per element, over samples), which is what Li et al.'s ``UnitGaussianNormalizer``
uses. Batches merge with Chan, Golub & LeVeque's (1979) parallel update, so the result is
exact in float64 whatever the batch sizes and survives a resumed write.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class RunningMoments:
    """Count, mean and sum of squared deviations ``m2`` of arrays of a fixed ``shape`` (float64)."""

    count: int
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def empty(cls, shape: tuple[int, ...]) -> "RunningMoments":
        return cls(0, np.zeros(shape), np.zeros(shape))

    def update(self, batch: np.ndarray) -> None:
        """Merge ``batch`` ``[k, *shape]`` into the moments."""
        batch = np.asarray(batch, dtype=np.float64)
        k = batch.shape[0]
        if k == 0:
            return
        b_mean = batch.mean(axis=0)
        b_m2 = ((batch - b_mean) ** 2).sum(axis=0)
        n = self.count + k
        delta = b_mean - self.mean
        self.mean = self.mean + delta * (k / n)
        self.m2 = self.m2 + b_m2 + delta**2 * (self.count * k / n)
        self.count = n

    def merge(self, other: "RunningMoments") -> None:
        """Fold another set of moments (of the same shape) into this one."""
        if other.count == 0:
            return
        n = self.count + other.count
        delta = other.mean - self.mean
        self.mean = self.mean + delta * (other.count / n)
        self.m2 = self.m2 + other.m2 + delta**2 * (self.count * other.count / n)
        self.count = n

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(self.m2 / max(self.count, 1))

    def scalar(self) -> tuple[float, float]:
        """Mean and std over samples *and* elements, from the pointwise moments (exact)."""
        if self.count == 0:
            return float("nan"), float("nan")
        m = float(self.mean.mean())
        total_m2 = float(self.m2.sum() + self.count * ((self.mean - m) ** 2).sum())
        return m, float(np.sqrt(total_m2 / (self.count * self.mean.size)))
