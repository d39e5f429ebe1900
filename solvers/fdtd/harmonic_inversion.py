"""Resonances and their quality factors from a ringing signal: harmonic inversion by the matrix pencil method.

The role Harminv plays for Meep. A signal is modelled as a sum of damped sinusoids

    y(t_k) = Σ_m a_m exp(−(2π i f_m + γ_m)(t_k − t_0)) + noise,     Q_m = π f_m / γ_m

(``γ`` the amplitude decay rate, 1/s). The matrix pencil (Hua & Sarkar, IEEE Trans. ASSP 38, 814 (1990)) finds
the poles ``z_m = exp(−(2π i f_m + γ_m) Δt)`` as the eigenvalues of ``V₁⁺ V₂``, with ``V₁``, ``V₂`` the signal
subspace (leading right singular vectors of the Hankel matrix of samples) without its last, respectively first,
row. Unlike an FFT peak it resolves frequencies far below ``1/T`` and measures Q from a signal much shorter than
the decay time.

Long FDTD signals are first low-passed (zero-phase FIR) and decimated so that the band of interest spans the
new Nyquist range and at most ``max_samples`` samples remain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Resonance:
    """One mode: ``frequency`` (Hz), ``decay`` rate γ (1/s), ``q`` (``π f/γ``; ∞ when not decaying), complex
    ``amplitude`` at the first sample used, and ``error``, the relative residual of the fit."""

    frequency: float
    decay: float
    q: float
    amplitude: complex
    error: float


def _decimate(x: np.ndarray, dt: float, fmax: float, max_samples: int) -> tuple[np.ndarray, float]:
    import scipy.signal  # here, not at the top: 0.6 s that every run importing solvers.reference would pay

    stride = max(1, int(0.4 / (fmax * dt)))  # the largest stride that keeps fmax below 0.4 × the new rate
    y, total = x, 1
    while stride // total > 1:  # stages of at most 10, as scipy recommends
        factor = min(10, stride // total)
        y = scipy.signal.decimate(y, factor, ftype="fir", zero_phase=True)
        total *= factor
    if total > 1 and len(y) > 64:
        y = y[8:-8]  # the filter's edge transients
    return y[:max_samples], dt * total


def harmonic_inversion(
    signal,
    dt: float,
    fmin: float,
    fmax: float,
    modes: int | None = None,
    rank_tol: float = 1e-4,
    max_samples: int = 2000,
    start: int = 0,
) -> list[Resonance]:
    """Resonances of ``signal`` (real or complex samples every ``dt`` seconds, from sample ``start``) with
    ``fmin ≤ f ≤ fmax`` (Hz), strongest first.

    ``modes`` fixes the model order; otherwise singular values above ``rank_tol`` × the largest are kept.
    Take the samples after the source has switched off (``start``), as with Harminv.
    """
    x = np.asarray(signal)[start:]
    if x.ndim != 1 or len(x) < 16:
        raise ValueError(f"harmonic_inversion needs a 1-D signal of at least 16 samples, got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("the signal contains NaN or Inf; the simulation blew up before the monitor ran out.")
    if not 0 <= fmin < fmax:
        raise ValueError(f"need 0 <= fmin < fmax, got fmin={fmin}, fmax={fmax} (Hz).")
    if fmax * dt >= 0.5:
        raise ValueError(f"fmax = {fmax:g} Hz is above the Nyquist frequency {0.5 / dt:g} Hz of the samples.")
    y, h = _decimate(x, dt, fmax, max_samples)
    n = len(y)
    pencil = n // 3
    hankel = np.lib.stride_tricks.sliding_window_view(y, pencil + 1)  # [n − L, L + 1]
    _, s, vh = np.linalg.svd(hankel, full_matrices=False)
    rank = modes if modes is not None else int((s > rank_tol * s[0]).sum())
    if np.isrealobj(y) and modes is not None:
        rank = 2 * modes  # a real signal holds each mode with its conjugate
    rank = max(1, min(rank, pencil))
    v = vh[:rank].conj().T  # [L + 1, rank]
    z = np.linalg.eigvals(np.linalg.pinv(v[:-1]) @ v[1:])
    z = z[np.abs(z) <= 1.001]  # a clearly growing pole is noise in a passive ringdown
    vander = z[None, :] ** np.arange(n)[:, None]
    scale = np.abs(vander).max(0)
    amp, *_ = np.linalg.lstsq(vander / scale, y, rcond=None)
    amp = amp / scale
    fit = vander @ amp
    error = float(np.linalg.norm(fit - y) / max(np.linalg.norm(y), 1e-300))
    out = []
    for zm, am in zip(z, amp):
        f = -np.angle(zm) / (2 * np.pi * h)
        f = abs(f) if np.isrealobj(y) else f
        if not fmin <= f <= fmax:
            continue
        decay = -math.log(max(abs(zm), 1e-300)) / h
        q = math.pi * f / decay if decay > 0 else math.inf
        out.append(Resonance(float(f), float(decay), float(q), complex(am), error))
    out.sort(key=lambda r: -abs(r.amplitude))
    if np.isrealobj(y):  # merge each conjugate pair into one mode
        merged = []
        for r in out:
            if not any(abs(r.frequency - m.frequency) <= 1e-9 * max(r.frequency, 1.0) for m in merged):
                merged.append(r)
        out = merged
    return out


__all__ = ["harmonic_inversion", "Resonance"]
