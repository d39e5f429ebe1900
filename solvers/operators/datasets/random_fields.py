"""Gaussian random fields ``N(0, σ² (-Δ + τ² I)^{-α})`` for random PDE inputs (Li et al. 2021).

Sampled in the Laplacian's eigenbasis: for each wavevector ``k`` the coefficient is
``σ · (4π²|k|² + τ²)^{-α/2} · ξ_k`` with ``ξ_k ~ N(0, 1)``. ``boundary="periodic"`` uses
Fourier modes on ``[0, 1)^d`` (``n`` points, ``x_j = j/n``); ``"neumann"`` uses cosines
``cos(π k x)`` on ``[0, 1]^d`` sampled at the ``n`` cell centres (Li et al.'s Darcy inputs).
The zero mode is dropped for periodic fields (zero mean), as in the FNO data.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.fft


def gaussian_random_field(
    shape: Sequence[int],
    rng: np.random.Generator,
    alpha: float = 2.0,
    tau: float = 3.0,
    sigma: float | None = None,
    boundary: str = "periodic",
) -> np.ndarray:
    """One sample of shape ``shape`` (1-D to 3-D). ``sigma`` defaults to ``τ^{α - d/2}`` (Li et al.)."""
    shape = tuple(int(n) for n in shape)
    d = len(shape)
    if sigma is None:
        sigma = tau ** (0.5 * (2 * alpha - d))
    if boundary == "periodic":
        ks = np.meshgrid(*[np.fft.fftfreq(n, 1.0 / n) for n in shape], indexing="ij")
        k2 = sum(k**2 for k in ks)
        amp = sigma * (4 * np.pi**2 * k2 + tau**2) ** (-alpha / 2)
        amp[(0,) * d] = 0.0
        coeff = amp * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))
        # ifftn of a complex white spectrum: take the real part, rescale to unit variance per mode
        return np.real(np.fft.ifftn(coeff)) * np.prod(shape) / np.sqrt(2)
    if boundary == "neumann":
        ks = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
        k2 = sum(k**2 for k in ks)
        amp = sigma * (np.pi**2 * k2 + tau**2) ** (-alpha / 2)
        amp[(0,) * d] = 0.0
        coeff = amp * rng.standard_normal(shape)
        return scipy.fft.idctn(coeff, type=2, norm="ortho") * np.sqrt(np.prod(shape))
    raise ValueError(f"boundary={boundary!r}; use 'periodic' or 'neumann'.")
