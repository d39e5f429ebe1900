"""Exponential time differencing RK4 for stiff diagonal problems ``u_t = L u + N(u)``.

``L`` is diagonal (e.g. ``-ν k²`` in Fourier space); the φ-functions are evaluated by contour
integrals on ``M`` points to avoid cancellation (Kassam & Trefethen 2005, *Fourth-order
time-stepping for stiff PDEs*, SIAM J. Sci. Comput. 26:1214; Cox & Matthews 2002).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor


@dataclass(frozen=True)
class ETDRK4Coefficients:
    """Precomputed ``e^{L dt}``, ``e^{L dt/2}`` and the weights ``Q, f1, f2, f3`` (complex, shape of ``L``)."""

    E: Tensor
    E2: Tensor
    Q: Tensor
    f1: Tensor
    f2: Tensor
    f3: Tensor


def etdrk4_coefficients(L: Tensor, dt: float, n_contour: int = 32) -> ETDRK4Coefficients:
    """Coefficients for the diagonal linear operator ``L`` (real or complex tensor) and step ``dt``."""
    L = L.to(torch.complex128)
    hL = dt * L
    r = torch.exp(1j * math.pi * (torch.arange(1, n_contour + 1, dtype=torch.float64) - 0.5) / n_contour).to(L.device)
    LR = hL.unsqueeze(-1) + r
    Q = dt * torch.mean((torch.exp(LR / 2) - 1) / LR, dim=-1)
    f1 = dt * torch.mean((-4 - LR + torch.exp(LR) * (4 - 3 * LR + LR**2)) / LR**3, dim=-1)
    f2 = dt * torch.mean((2 + LR + torch.exp(LR) * (-2 + LR)) / LR**3, dim=-1)
    f3 = dt * torch.mean((-4 - 3 * LR - LR**2 + torch.exp(LR) * (4 - LR)) / LR**3, dim=-1)
    real = lambda z: z.real if torch.allclose(L.imag, torch.zeros_like(L.imag)) else z
    return ETDRK4Coefficients(torch.exp(hL), torch.exp(hL / 2), real(Q), real(f1), real(f2), real(f3))


def etdrk4_step(v: Tensor, nonlinear: Callable[[Tensor], Tensor], co: ETDRK4Coefficients) -> Tensor:
    """One step for the spectral state ``v`` (complex) with ``nonlinear(v)`` the transformed N."""
    Nv = nonlinear(v)
    a = co.E2 * v + co.Q * Nv
    Na = nonlinear(a)
    b = co.E2 * v + co.Q * Na
    Nb = nonlinear(b)
    c = co.E2 * a + co.Q * (2 * Nb - Nv)
    Nc = nonlinear(c)
    return co.E * v + Nv * co.f1 + 2 * (Na + Nb) * co.f2 + Nc * co.f3
