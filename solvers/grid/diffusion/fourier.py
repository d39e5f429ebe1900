"""Exact Fourier diffusion on a periodic box: ``û(k, t + dt) = e^{-ν |k|² dt} û(k, t)``.

The continuous operator (``|k|²``), so it is exact in time and spectrally accurate in space.
"""

from __future__ import annotations

import torch

from sciml.fields import wavenumbers


def step(u, dt: float, dx: float, nu):
    """One exact step for periodic fields ``[batch, channels, *grid]`` with spacing ``dx``."""
    ndim = u.ndim - 2
    dims = tuple(range(-ndim, 0))
    k2 = 0
    for i, ax in enumerate(range(2, u.ndim)):
        n = u.shape[ax]
        k = wavenumbers(n, n * dx, real=(i == ndim - 1), device=u.device, dtype=u.dtype)
        shape = [1] * ndim
        shape[i] = -1
        k2 = k2 + (k**2).reshape(shape)
    return torch.fft.irfftn(torch.fft.rfftn(u, dim=dims) * torch.exp(-nu * k2 * dt), s=u.shape[-ndim:], dim=dims)
