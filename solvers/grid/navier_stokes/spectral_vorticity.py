"""2-D incompressible Navier–Stokes, pseudo-spectral vorticity–streamfunction on a periodic box.

    ∂ω/∂t + u·∇ω = ν Δω + f,     Δψ = -ω,     u = ∂ψ/∂y,  v = -∂ψ/∂x

on ``[0, L)²`` with ``n × n`` nodes. The state holds ``ω̂`` (``rfft2`` of vorticity). The
nonlinear term is evaluated in physical space and dealiased with the 2/3 rule; the step is
classic RK4 (or any tableau) with ``dt`` passed explicitly. Optional Kolmogorov forcing
(body force ``f_x = A sin(k_f y)``, i.e. ``-A k_f cos(k_f y)`` on vorticity).
Fields are ``[batch, n, n]`` with axis 1 = x, axis 2 = y.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import torch
from torch import Tensor

from sciml.fields import dealias_mask, wavenumbers
from solvers.time_integrators import rk_step


@dataclass(frozen=True)
class NSGrid:
    """Spectral operators for an ``n × n`` periodic box of side ``length`` (defaults to 2π)."""

    n: int
    length: float = 2 * math.pi
    device: str | torch.device = "cpu"
    dtype: torch.dtype = torch.float64
    kx: Tensor = field(init=False, repr=False)
    ky: Tensor = field(init=False, repr=False)
    k2: Tensor = field(init=False, repr=False)
    mask: Tensor = field(init=False, repr=False)

    def __post_init__(self):
        if self.n < 4 or self.n % 2:
            raise ValueError(f"NS grid size must be an even number >= 4, got n={self.n}.")
        kx = wavenumbers(self.n, self.length, device=self.device, dtype=self.dtype)[:, None]
        ky = wavenumbers(self.n, self.length, real=True, device=self.device, dtype=self.dtype)[None, :]
        object.__setattr__(self, "kx", kx)
        object.__setattr__(self, "ky", ky)
        object.__setattr__(self, "k2", kx**2 + ky**2)
        object.__setattr__(self, "mask", dealias_mask((self.n, self.n), device=self.device))

    @property
    def dx(self) -> float:
        """Grid spacing."""
        return self.length / self.n

    def coordinates(self) -> tuple[Tensor, Tensor]:
        """Node coordinates ``X, Y`` ``[n, n]`` (``indexing='ij'``)."""
        x = torch.arange(self.n, device=self.device, dtype=self.dtype) * self.dx
        return torch.meshgrid(x, x, indexing="ij")

    def to_spectral(self, w: Tensor) -> Tensor:
        """``rfft2`` of a physical field ``[..., n, n]``."""
        return torch.fft.rfft2(w)

    def to_physical(self, w_hat: Tensor) -> Tensor:
        """Physical field ``[..., n, n]`` of spectral coefficients."""
        return torch.fft.irfft2(w_hat, s=(self.n, self.n))

    def velocity(self, w_hat: Tensor) -> tuple[Tensor, Tensor]:
        """``u, v`` from vorticity: ``ψ̂ = ω̂ / k²``, ``u = ∂ψ/∂y``, ``v = -∂ψ/∂x``."""
        psi = w_hat / torch.where(self.k2 == 0, torch.ones_like(self.k2), self.k2)
        psi = torch.where(self.k2 == 0, torch.zeros_like(psi), psi)
        return self.to_physical(1j * self.ky * psi), self.to_physical(-1j * self.kx * psi)


@dataclass(frozen=True)
class NSState:
    """Spectral vorticity ``w_hat`` ``[batch, n, n//2+1]`` (complex) at time ``t``."""

    w_hat: Tensor
    t: float = 0.0


def vorticity_rhs(grid: NSGrid, w_hat: Tensor, nu, forcing_hat: Tensor | None = None) -> Tensor:
    """``-(u·∇ω)^ + ν(-k²)ω̂ + f̂`` with the advection dealiased (2/3 rule)."""
    u, v = grid.velocity(w_hat)
    wx = grid.to_physical(1j * grid.kx * w_hat)
    wy = grid.to_physical(1j * grid.ky * w_hat)
    adv = grid.to_spectral(u * wx + v * wy) * grid.mask
    out = -adv - nu * grid.k2 * w_hat
    if forcing_hat is not None:
        out = out + forcing_hat
    return out


def kolmogorov_forcing(grid: NSGrid, amplitude: float = 1.0, k_f: int = 4) -> Tensor:
    """Spectral vorticity forcing for the body force ``f_x = A sin(k_f y)``: ``curl f = -A k_f cos(k_f y)``."""
    _, y = grid.coordinates()
    return grid.to_spectral(-amplitude * k_f * torch.cos(k_f * y))


def step(
    state: NSState, dt: float, grid: NSGrid, nu, forcing_hat: Tensor | None = None, method: str = "rk4"
) -> NSState:
    """Advance one ``dt`` (pure: returns a new state)."""
    w = rk_step(lambda t, w: vorticity_rhs(grid, w, nu, forcing_hat), state.w_hat, state.t, dt, method)
    return replace(state, w_hat=w, t=state.t + dt)


def taylor_green_vorticity(grid: NSGrid, t: float, nu: float) -> Tensor:
    """Exact vorticity ``ω = -2 cos x cos y e^{-2νt}`` of the Taylor–Green vortex on ``[0, 2π)²``."""
    x, y = grid.coordinates()
    return -2 * torch.cos(x) * torch.cos(y) * math.exp(-2 * nu * t)


def max_velocity(grid: NSGrid, w_hat: Tensor) -> float:
    """Largest speed ``max |u|`` of the flow (for CFL checks)."""
    u, v = grid.velocity(w_hat)
    return float(torch.sqrt(u * u + v * v).max())
