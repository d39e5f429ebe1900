"""1-D viscous Burgers ``u_t + (u²/2)_x = ν u_xx``, Fourier pseudo-spectral on a periodic interval.

State ``u_hat`` (``rfft`` of ``u``) on ``n`` nodes ``x_j = x0 + j L / n``. The viscous term is
integrated exactly by ETDRK4 (Kassam & Trefethen 2005) and the flux is dealiased (2/3 rule).
Odd initial data on ``[-1, 1)`` (period 2), such as ``-sin(πx)``, keep ``u(±1, t) = 0``, so
this solver also reproduces the Dirichlet benchmark of Raissi et al. (2019).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import Tensor

from sciml.fields import wavenumbers
from solvers.time_integrators import etdrk4_coefficients, etdrk4_step


def dealiased_flux(u_hat: Tensor, k: Tensor, n: int) -> Tensor:
    """``-(u²/2)_x`` in Fourier space, with the 2/3 rule applied to the product."""
    mask = (torch.arange(k.numel(), device=k.device) < n / 3).to(k.dtype)
    u = torch.fft.irfft(u_hat, n=n)
    return -0.5j * k * torch.fft.rfft(u * u) * mask


@dataclass(frozen=True)
class BurgersState:
    """``u_hat`` ``[batch, n//2+1]`` (complex) at time ``t``."""

    u_hat: Tensor
    t: float = 0.0


@dataclass(frozen=True)
class SpectralBurgers:
    """Operators for ``n`` periodic nodes on ``[x0, x0 + length)`` with viscosity ``nu`` and step ``dt``."""

    n: int
    nu: float
    dt: float
    length: float = 2.0
    x0: float = -1.0
    dtype: torch.dtype = torch.float64

    def __post_init__(self):
        if self.n < 8 or self.n % 2:
            raise ValueError(f"Burgers grid size must be an even number >= 8, got {self.n}.")
        if not self.nu > 0:
            raise ValueError(f"viscosity must be positive, got nu={self.nu}.")
        k = wavenumbers(self.n, self.length, real=True, dtype=self.dtype)
        object.__setattr__(self, "_k", k)
        object.__setattr__(self, "_co", etdrk4_coefficients(-self.nu * k**2, self.dt))

    def x(self) -> Tensor:
        """Grid points ``[n]`` on the periodic interval."""
        return self.x0 + torch.arange(self.n, dtype=self.dtype) * (self.length / self.n)

    def init(self, u0: Tensor) -> BurgersState:
        """State from physical values ``u0`` ``[batch, n]``."""
        return BurgersState(torch.fft.rfft(u0))

    def physical(self, state: BurgersState) -> Tensor:
        """Physical values ``[batch, n]`` of a state."""
        return torch.fft.irfft(state.u_hat, n=self.n)

    def _flux(self, u_hat: Tensor) -> Tensor:
        return dealiased_flux(u_hat, self._k, self.n)

    def step(self, state: BurgersState) -> BurgersState:
        """Advance one ``dt`` (pure)."""
        return replace(state, u_hat=etdrk4_step(state.u_hat, self._flux, self._co), t=state.t + self.dt)


def burgers_rk_step(u_hat: Tensor, k: Tensor, nu, dt: float, n: int, method: str = "rk4") -> Tensor:
    """An explicit-RK step in which ``nu`` may be a tensor (for gradients with respect to viscosity)."""
    from solvers.time_integrators import rk_step

    def rhs(t, v):
        return dealiased_flux(v, k, n) - nu * k**2 * v

    return rk_step(rhs, u_hat, 0.0, dt, method)
