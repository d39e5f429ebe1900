"""Flow past a circular cylinder: pseudo-spectral Navier–Stokes with volume penalisation.

    ∂u/∂t + (u·∇)u = −∇p + ν Δu − (χ/η)(u − u_s),     ∇·u = 0

on the periodic box ``[0, Lx) × [−Ly/2, Ly/2)`` (Angot, Bruneau & Fabrie 1999; Kolomenskiy &
Schneider 2009). The mask ``χ`` is 1 inside the cylinder (target ``u_s = 0``, ``η`` tiny, i.e. no
slip) and, with a weaker rate, in a *fringe* band at the outflow end that relaxes the wake back to
the free stream ``u_s = (U, 0)`` before it re-enters through the periodic boundary (Nordström et
al. 1999). Away from both masks the flow obeys the plain Navier–Stokes equations with ``ν`` — which
is what the cylinder-wake inverse problem (Raissi et al. 2019, §4.2.1) needs from its data.

One step (``dt``) is Heun's method with an integrating factor for viscosity (2/3-rule dealiased
convection, Leray projection), then the implicit penalisation ``u ← (u + dt c u_s)/(1 + dt c)``
in physical space with ``c = χ/η``, then a projection. Fields are ``[nx, ny]``, axis 0 = x.
Units: lengths in cylinder diameters ``D``, velocities in ``U``, times in ``D/U``; ``Re = U D / ν``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from sciml.fields import wavenumbers


@dataclass(frozen=True)
class WakeDomain:
    """Box, cylinder and fringe. Defaults: 16 × 8 diameters, 16 points per diameter, Re = 100."""

    nx: int = 256
    ny: int = 128
    length: float = 16.0
    width: float = 8.0
    centre: tuple[float, float] = (3.0, 0.0)
    diameter: float = 1.0  # 0: no body (a periodic box, for tests)
    nu: float = 0.01
    inflow: float = 1.0
    eta: float = 1e-4  # penalisation time scale inside the cylinder (smaller = stiffer no-slip)
    fringe: tuple[float, float] = (12.5, 16.0)  # x-band where the wake relaxes to the free stream
    fringe_rate: float = 8.0  # 1/time at the fringe's centre (0: no fringe)
    dtype: torch.dtype = torch.float64
    kx: Tensor = field(init=False, repr=False)
    ky: Tensor = field(init=False, repr=False)
    k2: Tensor = field(init=False, repr=False)
    dealias: Tensor = field(init=False, repr=False)
    rate: Tensor = field(init=False, repr=False)
    target_u: Tensor = field(init=False, repr=False)

    def __post_init__(self):
        if self.nx % 2 or self.ny % 2 or min(self.nx, self.ny) < 16:
            raise ValueError(f"grid sizes must be even and >= 16, got nx={self.nx}, ny={self.ny}.")
        if not self.nu > 0:
            raise ValueError(f"viscosity nu must be positive, got {self.nu}.")
        if not 0 < self.fringe[0] < self.fringe[1] <= self.length:
            raise ValueError(f"fringe {self.fringe} must be an x-interval inside (0, {self.length}].")
        kx = wavenumbers(self.nx, self.length, dtype=self.dtype)[:, None]
        ky = wavenumbers(self.ny, self.width, real=True, dtype=self.dtype)[None, :]
        keep = (kx.abs() < (2 / 3) * kx.abs().max() + 1e-12) & (ky.abs() < (2 / 3) * ky.abs().max() + 1e-12)
        x, y = self.coordinates()
        r = torch.hypot(x - self.centre[0], y - self.centre[1])
        h = self.length / self.nx
        inside = (
            0.5 * (1 - torch.tanh((r - self.diameter / 2) / h)) if self.diameter > 0 else torch.zeros_like(r)
        )  # smoothed over about one cell (less Gibbs)
        a, b = self.fringe
        s = ((x - a) / (b - a)).clamp(0, 1)
        band = torch.sin(math.pi * s) ** 2  # smooth on/off
        rate = inside / self.eta + band * self.fringe_rate
        target = torch.where(
            rate > 0, self.inflow * band * self.fringe_rate / rate.clamp_min(1e-300), torch.zeros_like(rate)
        )  # u_s = 0 in the body, U in the fringe
        for name, val in (
            ("kx", kx),
            ("ky", ky),
            ("k2", kx**2 + ky**2),
            ("dealias", keep.to(self.dtype)),
            ("rate", rate),
            ("target_u", target),
        ):
            object.__setattr__(self, name, val)

    @property
    def reynolds(self) -> float:
        """``Re = U D / ν``."""
        return self.inflow * self.diameter / self.nu

    def coordinates(self) -> tuple[Tensor, Tensor]:
        """Node coordinates ``x, y`` ``[nx, ny]``."""
        x = torch.arange(self.nx, dtype=self.dtype) * (self.length / self.nx)
        y = -self.width / 2 + torch.arange(self.ny, dtype=self.dtype) * (self.width / self.ny)
        return torch.meshgrid(x, y, indexing="ij")

    def stable_dt(self, umax: float = 2.0, cfl: float = 0.3) -> float:
        """A convective step ``cfl·h/umax`` (viscosity is integrated exactly)."""
        return cfl * min(self.length / self.nx, self.width / self.ny) / umax


@dataclass(frozen=True)
class WakeState:
    """Spectral velocity ``u_hat``, ``v_hat`` ``[nx, ny//2+1]`` (complex) at time ``t``."""

    u_hat: Tensor
    v_hat: Tensor
    t: float = 0.0


def _fft(a: Tensor) -> Tensor:
    return torch.fft.rfft2(a)


def _ifft(a: Tensor, d: WakeDomain) -> Tensor:
    return torch.fft.irfft2(a, s=(d.nx, d.ny))


def project(u_hat: Tensor, v_hat: Tensor, d: WakeDomain) -> tuple[Tensor, Tensor]:
    """Leray projection onto divergence-free fields (the mean flow is kept)."""
    k2 = torch.where(d.k2 == 0, torch.ones_like(d.k2), d.k2)
    div = (d.kx * u_hat + d.ky * v_hat) / k2
    return u_hat - d.kx * div, v_hat - d.ky * div


def convection(u_hat: Tensor, v_hat: Tensor, d: WakeDomain) -> tuple[Tensor, Tensor]:
    """``−P[(u·∇)u]`` in Fourier space, dealiased."""
    u, v = _ifft(u_hat, d), _ifft(v_hat, d)
    ik_x, ik_y = 1j * d.kx, 1j * d.ky
    nu_ = -(u * _ifft(ik_x * u_hat, d) + v * _ifft(ik_y * u_hat, d))
    nv_ = -(u * _ifft(ik_x * v_hat, d) + v * _ifft(ik_y * v_hat, d))
    return project(_fft(nu_) * d.dealias, _fft(nv_) * d.dealias, d)


def penalize(u_hat: Tensor, v_hat: Tensor, d: WakeDomain, dt: float) -> tuple[Tensor, Tensor]:
    """Implicit Euler of ``u_t = −c (u − u_s)`` over ``dt`` in physical space, then a projection."""
    u, v = _ifft(u_hat, d), _ifft(v_hat, d)
    f = dt * d.rate
    u = (u + f * d.target_u) / (1 + f)
    v = v / (1 + f)
    return project(_fft(u), _fft(v), d)


def initial_state(d: WakeDomain, perturbation: float = 0.1) -> WakeState:
    """Free stream ``(U, 0)`` plus an antisymmetric kick behind the body that starts vortex shedding early."""
    x, y = d.coordinates()
    cx, cy = d.centre
    v = perturbation * d.inflow * torch.exp(-((x - cx - 1.5) ** 2 + (y - cy) ** 2))
    u = torch.full_like(x, d.inflow)
    uh, vh = project(_fft(u), _fft(v), d)
    return WakeState(uh, vh, 0.0)


def step(s: WakeState, d: WakeDomain, dt: float) -> WakeState:
    """One step (pure): Heun with an integrating factor for ``ν Δ``, then penalisation."""
    e = torch.exp(-d.nu * d.k2 * dt)
    nu0, nv0 = convection(s.u_hat, s.v_hat, d)
    ua, va = e * (s.u_hat + dt * nu0), e * (s.v_hat + dt * nv0)
    nua, nva = convection(ua, va, d)
    uh = e * s.u_hat + 0.5 * dt * (e * nu0 + nua)
    vh = e * s.v_hat + 0.5 * dt * (e * nv0 + nva)
    uh, vh = penalize(uh, vh, d, dt)
    return WakeState(uh, vh, s.t + dt)


def velocity(s: WakeState, d: WakeDomain) -> tuple[Tensor, Tensor]:
    """Physical ``u, v`` ``[nx, ny]``."""
    return _ifft(s.u_hat, d), _ifft(s.v_hat, d)


def pressure(s: WakeState, d: WakeDomain) -> Tensor:
    """Pressure ``[nx, ny]`` (zero mean) from the Poisson equation ``−Δp = ∇·((u·∇)u)`` outside the masks.

    Inside the cylinder and the fringe the penalisation force also acts; there ``p`` is not physical.
    """
    u, v = velocity(s, d)
    ik_x, ik_y = 1j * d.kx, 1j * d.ky
    nu_ = u * _ifft(ik_x * s.u_hat, d) + v * _ifft(ik_y * s.u_hat, d)
    nv_ = u * _ifft(ik_x * s.v_hat, d) + v * _ifft(ik_y * s.v_hat, d)
    div = ik_x * _fft(nu_) * d.dealias + ik_y * _fft(nv_) * d.dealias
    k2 = torch.where(d.k2 == 0, torch.ones_like(d.k2), d.k2)
    p_hat = div / k2 * (d.k2 != 0)
    return _ifft(p_hat, d)


def lift_signal(s: WakeState, d: WakeDomain, probe: tuple[float, float] = (2.0, 0.0)) -> float:
    """Cross-stream velocity ``v`` at a wake probe (``probe`` diameters behind the centre): its period gives St."""
    _, v = velocity(s, d)
    i = int(round((d.centre[0] + probe[0]) / (d.length / d.nx))) % d.nx
    j = int(round((d.centre[1] + probe[1] + d.width / 2) / (d.width / d.ny))) % d.ny
    return float(v[i, j])


def strouhal(times, signal) -> float:
    """Shedding frequency ``f D / U`` from a probe signal by counting upward zero crossings (interpolated)."""
    import numpy as np

    t, s = np.asarray(times, float), np.asarray(signal, float) - np.mean(signal)
    idx = np.nonzero((s[:-1] < 0) & (s[1:] >= 0))[0]
    if len(idx) < 3:
        raise ValueError("fewer than three shedding cycles in the probe signal; run longer.")
    tc = t[idx] - s[idx] * (t[idx + 1] - t[idx]) / (s[idx + 1] - s[idx])
    return float((len(tc) - 1) / (tc[-1] - tc[0]))


def advance(s: WakeState, d: WakeDomain, dt: float, steps: int) -> WakeState:
    """``steps`` steps of :func:`step` (raises if the flow blows up)."""
    for _ in range(steps):
        s = step(s, d, dt)
    if not bool(torch.isfinite(s.u_hat).all()):
        raise FloatingPointError(f"cylinder-wake run became non-finite by t={s.t:g}; reduce dt (now {dt:g}).")
    return s


__all__ = [
    "WakeDomain",
    "WakeState",
    "initial_state",
    "step",
    "advance",
    "velocity",
    "pressure",
    "project",
    "lift_signal",
    "strouhal",
]
