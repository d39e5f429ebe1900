"""Losses for operator learning on grids (Li et al. 2021).

``relative_lp``: mean over the batch of ``‖ŷ − y‖_p / ‖y‖_p`` (norms over all non-batch axes).
``relative_h1``: the same in the discrete H¹ norm ``‖e‖² + Σ_d ‖∂_d e‖²``, with derivatives
taken spectrally (``periodic=True``) or by second-order central differences (one-sided at
the ends) on a grid of spacing ``1 / n`` along each of the trailing ``dims`` axes.
All return a 0-d tensor and are differentiable.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def _check(pred: Tensor, target: Tensor) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"prediction shape {tuple(pred.shape)} differs from target shape {tuple(target.shape)}.")


def relative_lp(pred: Tensor, target: Tensor, p: float = 2.0, eps: float = 1e-12) -> Tensor:
    """Batch mean of ``‖pred − target‖_p / ‖target‖_p`` per sample (first axis = batch)."""
    _check(pred, target)
    b = pred.shape[0]
    diff = torch.linalg.vector_norm((pred - target).reshape(b, -1), ord=p, dim=1)
    ref = torch.linalg.vector_norm(target.reshape(b, -1), ord=p, dim=1)
    return (diff / (ref + eps)).mean()


def _grad(u: Tensor, axis: int, periodic: bool) -> Tensor:
    n = u.shape[axis]
    h = 1.0 / n
    if periodic:
        k = torch.fft.fftfreq(n, d=h, device=u.device) * 2 * math.pi
        shape = [1] * u.dim()
        shape[axis] = n
        return torch.fft.ifft(1j * k.reshape(shape) * torch.fft.fft(u, dim=axis), dim=axis).real
    return torch.gradient(u, spacing=h, dim=axis, edge_order=2)[0]


def relative_h1(pred: Tensor, target: Tensor, dims: int, periodic: bool = False, eps: float = 1e-12) -> Tensor:
    """Batch mean of the relative H¹ error over the last ``dims`` axes."""
    _check(pred, target)
    b = pred.shape[0]
    e, y = pred - target, target
    num = e.reshape(b, -1).pow(2).sum(1)
    den = y.reshape(b, -1).pow(2).sum(1)
    for ax in range(pred.dim() - dims, pred.dim()):
        num = num + _grad(e, ax, periodic).reshape(b, -1).pow(2).sum(1)
        den = den + _grad(y, ax, periodic).reshape(b, -1).pow(2).sum(1)
    return (num.sqrt() / (den.sqrt() + eps)).mean()


LOSSES = {
    "relative_l2": lambda p, t, dims, periodic: relative_lp(p, t, 2.0),
    "relative_l1": lambda p, t, dims, periodic: relative_lp(p, t, 1.0),
    "relative_h1": lambda p, t, dims, periodic: relative_h1(p, t, dims, periodic),
    "mse": lambda p, t, dims, periodic: torch.mean((p - t) ** 2),
}
