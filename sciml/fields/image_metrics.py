"""Image-quality measures for reconstructed fields: PSNR and SSIM.

- PSNR ``= 10 log10(R² / MSE)`` with ``R`` the data range (dB).
- SSIM (Wang, Bovik, Sheikh & Simoncelli 2004, *IEEE Trans. Image Process.* 13:600): local means,
  variances and covariance under an 11 × 11 Gaussian window (σ = 1.5), ``C1 = (0.01 R)²``,
  ``C2 = (0.03 R)²``, averaged over the pixels whose window lies inside the image (the convention
  of scikit-image's ``structural_similarity(..., gaussian_weights=True, use_sample_covariance=False)``).

Both take 2-D arrays (numpy or torch) of equal shape and return floats.
"""

from __future__ import annotations

import math

import numpy as np


def _np(a) -> np.ndarray:
    return a.detach().cpu().numpy() if hasattr(a, "detach") else np.asarray(a, dtype=np.float64)


def psnr(estimate, truth, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio of ``estimate`` against ``truth`` (dB); ``data_range`` defaults to truth's range."""
    x, y = _np(estimate).astype(np.float64), _np(truth).astype(np.float64)
    if x.shape != y.shape:
        raise ValueError(f"psnr needs equal shapes, got {x.shape} and {y.shape}.")
    r = float(y.max() - y.min()) if data_range is None else float(data_range)
    mse = float(np.mean((x - y) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(r * r / mse)


def _gaussian_filter(a: np.ndarray, sigma: float = 1.5, radius: int = 5) -> np.ndarray:
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    rows = np.apply_along_axis(lambda v: np.convolve(v, k, mode="valid"), 1, a)
    return np.apply_along_axis(lambda v: np.convolve(v, k, mode="valid"), 0, rows)


def ssim(estimate, truth, data_range: float | None = None) -> float:
    """Mean structural similarity of ``estimate`` against ``truth`` (1 for identical images)."""
    x, y = _np(estimate).astype(np.float64), _np(truth).astype(np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"ssim needs two 2-D arrays of equal shape, got {x.shape} and {y.shape}.")
    if min(x.shape) < 11:
        raise ValueError(f"ssim's 11 x 11 window needs images of at least 11 x 11 pixels, got {x.shape}.")
    r = float(y.max() - y.min()) if data_range is None else float(data_range)
    c1, c2 = (0.01 * r) ** 2, (0.03 * r) ** 2
    mx, my = _gaussian_filter(x), _gaussian_filter(y)
    vx = _gaussian_filter(x * x) - mx * mx
    vy = _gaussian_filter(y * y) - my * my
    cxy = _gaussian_filter(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(s.mean())
