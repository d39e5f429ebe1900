"""Reference solution of the 1-D periodic Allen–Cahn equation by Fourier ETDRK4.

``u_t = d u_xx + γ (u − u³)`` on ``[−1, 1)`` (period 2), ``u(x, 0) = x² cos(π x)``. The stiff
diffusion is integrated exactly in Fourier space and the reaction by ETDRK4 (Kassam & Trefethen
2005, SIAM J. Sci. Comput. 26:1214); this is how Raissi et al. (2019) made their data set
(Chebfun, 512 modes, dt = 1e-5). Our defaults, 512 modes and dt = 1e-4, agree with a run at
1024 modes and dt = 2.5e-5 to about 1.4e-6 (max norm, t = 1).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from sciml.fields import wavenumbers
from solvers.time_integrators import etdrk4_coefficients, etdrk4_step


def allen_cahn_spectral(
    n: int = 512, dt: float = 1e-4, t_out=None, diffusion: float = 1e-4, reaction: float = 5.0
) -> tuple[np.ndarray, np.ndarray]:
    """``(x [n], u [len(t_out), n])`` at the output times ``t_out`` (default ``linspace(0, 1, 101)``).

    Each output time must be a multiple of ``dt``.
    """
    if n < 16 or n % 2:
        raise ValueError(f"Allen–Cahn grid size must be an even number >= 16, got {n}.")
    t_out = np.linspace(0.0, 1.0, 101) if t_out is None else np.asarray(t_out, float)
    steps = np.rint(t_out / dt).astype(int)
    if np.any(np.abs(steps * dt - t_out) > 1e-9) or np.any(np.diff(steps) < 0):
        raise ValueError(f"output times must be increasing multiples of dt={dt}.")
    x = -1.0 + 2.0 * np.arange(n) / n
    k = wavenumbers(n, 2.0, real=True, dtype=torch.float64)
    co = etdrk4_coefficients(-diffusion * k**2, dt)

    def nonlinear(v):
        u = torch.fft.irfft(v, n=n)
        return torch.fft.rfft(reaction * (u - u**3))

    xt = torch.as_tensor(x)
    v = torch.fft.rfft(xt * xt * torch.cos(math.pi * xt))
    out, done = [], 0
    for s in steps:
        for _ in range(int(s) - done):
            v = etdrk4_step(v, nonlinear, co)
        done = int(s)
        out.append(torch.fft.irfft(v, n=n).numpy())
    return x, np.stack(out)


class AllenCahnSpectral:
    """Reference on an ``nt × nx`` grid over ``[−1, 1) × [0, 1]`` (``nx`` divides the solver's ``n``)."""

    def __init__(
        self,
        diffusion: float = 1e-4,
        reaction: float = 5.0,
        n: int = 512,
        dt: float = 1e-4,
        nx: int = 256,
        nt: int = 101,
    ):
        if n % nx:
            raise ValueError(f"nx={nx} must divide the solver grid n={n}.")
        self.diffusion, self.reaction, self.n, self.dt, self.nx, self.nt = (
            float(diffusion),
            float(reaction),
            int(n),
            float(dt),
            int(nx),
            int(nt),
        )
        self._cache = None

    def _field(self):
        if self._cache is None:
            t = np.linspace(0.0, 1.0, self.nt)
            x, u = allen_cahn_spectral(self.n, self.dt, t, self.diffusion, self.reaction)
            stride = self.n // self.nx
            self._cache = (x[::stride], t, u[:, ::stride])
        return self._cache

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Axes ``x [nx]`` and ``t [nt]``."""
        x, t, _ = self._field()
        return x, t

    def points(self) -> np.ndarray:
        """``[nt * nx, 2]`` as ``(x, t)``, x varying fastest within each time."""
        x, t, _ = self._field()
        tt, xx = np.meshgrid(t, x, indexing="ij")
        return np.stack([xx.ravel(), tt.ravel()], 1)

    def solution(self, points: np.ndarray) -> np.ndarray:
        """``u`` at ``points`` ``[N, 2]`` (must be this reference's own grid points): ``[N, 1]``."""
        x, t, u = self._field()
        if points.shape != (self.nt * self.nx, 2) or not np.allclose(points, self.points()):
            raise ValueError("AllenCahnSpectral.solution is tabulated on its own grid; pass points() unchanged.")
        return u.reshape(-1, 1)

    def field_shape(self) -> tuple[int, int]:
        """``(nt, nx)``: the shape of the reference field."""
        return self.nt, self.nx
