"""Fourier-spectral operators on periodic grids.

A periodic axis of ``n`` nodes ``x_j = j L / n`` has wavenumbers ``k = 2π m / L`` with
``m = 0, 1, …, -1`` (``torch.fft.fftfreq``). Derivatives multiply by ``(i k)^p``; the Nyquist
mode of odd derivatives is zeroed (Trefethen 2000, *Spectral Methods in MATLAB*, ch. 3).
Dealiasing follows Orszag's 2/3 rule; the exponential filter is ``exp(-α (|k|/k_max)^p)``.
Fields are ``[batch, channels, *grid]`` (real); spatial axes are the last ``ndim``.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor


def wavenumbers(n: int, length: float, *, real: bool = False, device=None, dtype=torch.float64) -> Tensor:
    """Angular wavenumbers ``2π m / L`` for ``n`` periodic samples (``rfftfreq`` layout if ``real``)."""
    if n < 2:
        raise ValueError(f"a periodic axis needs at least 2 points, got {n}.")
    f = (
        torch.fft.rfftfreq(n, d=1.0 / n, device=device, dtype=dtype)
        if real
        else torch.fft.fftfreq(n, d=1.0 / n, device=device, dtype=dtype)
    )
    return 2 * math.pi * f / length


def spectral_derivative(u: Tensor, axis: int, length: float, order: int = 1) -> Tensor:
    """``∂^order u / ∂x_axis^order`` of a real periodic field, spectrally exact for band-limited data."""
    dim = 2 + axis
    if u.ndim < 3:
        raise ValueError(f"field must be [batch, channels, *grid], got shape {tuple(u.shape)}.")
    n = u.shape[dim]
    k = wavenumbers(n, length, real=True, device=u.device, dtype=u.dtype if u.is_floating_point() else torch.float64)
    mult = (1j * k) ** order
    if order % 2 == 1 and n % 2 == 0:
        mult[-1] = 0.0  # Nyquist mode has no well-defined odd derivative
    shape = [1] * u.ndim
    shape[dim] = -1
    uh = torch.fft.rfft(u, dim=dim)
    return torch.fft.irfft(uh * mult.reshape(shape), n=n, dim=dim)


def dealias_mask(shape: Sequence[int], *, device=None) -> Tensor:
    """Boolean mask in ``rfftn`` layout keeping modes with ``|m| < n/3`` on every axis (2/3 rule)."""
    masks = []
    for i, n in enumerate(shape):
        m = (
            torch.fft.rfftfreq(n, d=1.0 / n, device=device)
            if i == len(shape) - 1
            else torch.fft.fftfreq(n, d=1.0 / n, device=device)
        ).abs()
        masks.append(m < n / 3)
    out = masks[0]
    for m in masks[1:]:
        out = out[..., None] & m
    return out


def exponential_filter(
    shape: Sequence[int], alpha: float = 36.0, power: int = 16, *, device=None, dtype=torch.float64
) -> Tensor:
    """Filter ``exp(-α (|m|/m_max)^p)`` in ``rfftn`` layout (Hou & Li 2007 use α = 36, p = 36)."""
    facs = []
    for i, n in enumerate(shape):
        m = (
            torch.fft.rfftfreq(n, d=1.0 / n, device=device, dtype=dtype)
            if i == len(shape) - 1
            else torch.fft.fftfreq(n, d=1.0 / n, device=device, dtype=dtype)
        ).abs() / (n // 2)
        facs.append(torch.exp(-alpha * m**power))
    out = facs[0]
    for f in facs[1:]:
        out = out[..., None] * f
    return out


def apply_spectral(u: Tensor, multiplier: Tensor, ndim: int) -> Tensor:
    """``irfftn(multiplier · rfftn(u))`` over the last ``ndim`` axes."""
    dims = tuple(range(-ndim, 0))
    return torch.fft.irfftn(torch.fft.rfftn(u, dim=dims) * multiplier, s=u.shape[-ndim:], dim=dims)
