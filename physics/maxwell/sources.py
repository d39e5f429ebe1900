"""FDTD sources: time profiles and where they act.

Time profiles (``t`` in seconds, tensors in, tensors out; parameters may be tensors for gradients):

- :class:`GaussianPulse` ``A exp(−((t − t0)/τ)²)`` (broadband, DC included);
- :class:`ModulatedGaussian` ``A exp(−((t − t0)/τ)²) sin(2π f0 (t − t0) + φ)``, ``τ = 1/(π·bandwidth)``.

Placements: :class:`PointSource` (one field component at one cell; soft = added, hard = imposed)
and :class:`PlaneSource` (a whole line in 2-D or plane in 3-D, soft). Positions are cell indices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

COMPONENTS = ("ex", "ey", "ez", "hx", "hy", "hz")


@dataclass(frozen=True)
class GaussianPulse:
    """``A exp(−((t − t₀)/τ)²)``: a baseband pulse of width ``τ`` (s) delayed by ``t₀`` (default 4τ)."""

    width: Any  # τ, seconds
    delay: Any = None  # t0, seconds (default 4τ, so the pulse starts near zero)
    amplitude: Any = 1.0

    def __call__(self, t):
        """The profile at times ``t`` (tensor, s)."""
        t0 = 4 * self.width if self.delay is None else self.delay
        return self.amplitude * torch.exp(-(((t - t0) / self.width) ** 2))


@dataclass(frozen=True)
class ModulatedGaussian:
    """``A exp(−((t − t₀)/τ)²) sin(2πf₀(t − t₀) + φ)`` with ``τ = 1/(π·bandwidth)``: a band around ``f₀`` (Hz);
    ``phase`` ``φ = π/2`` gives the cosine (quadrature) partner under the same envelope."""

    frequency: Any  # f0, Hz
    bandwidth: Any  # Hz (about the full width of the spectrum's main lobe / 2)
    delay: Any = None
    amplitude: Any = 1.0
    phase: Any = 0.0  # φ, rad

    @property
    def width(self):
        """The envelope width ``τ = 1/(π·bandwidth)`` in seconds."""
        return 1.0 / (math.pi * self.bandwidth)

    def __call__(self, t):
        """The profile at times ``t`` (tensor, s)."""
        t0 = 4 * self.width if self.delay is None else self.delay
        return (
            self.amplitude
            * torch.exp(-(((t - t0) / self.width) ** 2))
            * torch.sin(2 * math.pi * self.frequency * (t - t0) + self.phase)
        )


def _check_component(c: str) -> str:
    if c not in COMPONENTS:
        raise ValueError(f"source component {c!r} is not one of {list(COMPONENTS)}.")
    return c


@dataclass(frozen=True)
class PointSource:
    """``profile(t)`` on ``component`` at cell ``position`` (``(i, j, k)``; 2-D grids use ``k = 0``)."""

    position: tuple
    profile: Any
    component: str = "ez"
    hard: bool = False

    def __post_init__(self):
        _check_component(self.component)


@dataclass(frozen=True)
class DistributedSource:
    """A soft source with a spatial ``pattern`` (tensor of the grid's shape): ``field += pattern · profile(t)``."""

    pattern: Any
    profile: Any
    component: str = "hz"

    def __post_init__(self):
        _check_component(self.component)


@dataclass(frozen=True)
class PlaneSource:
    """A soft source on the plane ``index`` across ``axis`` (0, 1 or 2): a line in 2-D, a plane in 3-D."""

    axis: int
    index: int
    profile: Any
    component: str = "ez"

    def __post_init__(self):
        _check_component(self.component)
        if self.axis not in (0, 1, 2):
            raise ValueError(f"PlaneSource axis must be 0, 1 or 2, got {self.axis}.")
