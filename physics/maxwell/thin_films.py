"""Reflectance and transmittance of a layered stack: the characteristic-matrix (transfer-matrix) method.

Born & Wolf, *Principles of Optics*, §1.6. A plane wave of vacuum ``wavelength`` meets, at ``angle`` from the normal
in the incidence medium ``n_in``, layers of refractive index ``n_j`` and thickness ``d_j`` on a substrate ``n_out``.
Each layer has the matrix

    M_j = [[cos δ_j, −i sin δ_j / η_j], [−i η_j sin δ_j, cos δ_j]],   δ_j = 2π n_j d_j cos θ_j / λ

with the tilted admittance ``η = n cos θ`` (s, TE: E out of the plane of incidence) or ``η = n / cos θ`` (p, TM), and
Snell's law ``n sin θ`` fixed. With ``[B, C] = Π M_j [1, η_out]``: ``r = (η_in B − C)/(η_in B + C)``, ``R = |r|²``,
``T = 4 η_in Re(η_out) / |η_in B + C|²``. Lossless layers give ``R + T = 1``.
"""

from __future__ import annotations

import numpy as np


def _cos_theta(n, n_in, sin_in):
    s = n_in * sin_in / n
    return np.sqrt(1 - s * s + 0j)


def thin_film_rt(
    indices, thicknesses, wavelength, angle: float = 0.0, polarization: str = "s", n_in: float = 1.0, n_out: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """``(R, T)`` of the stack for each vacuum ``wavelength`` (m, scalar or array) at ``angle`` (rad) in ``n_in``.

    ``indices``: refractive index per layer (complex for absorbers), ``thicknesses``: metres per layer.
    """
    if polarization not in ("s", "p"):
        raise ValueError(f"polarization must be 's' (TE) or 'p' (TM), got {polarization!r}.")
    indices, thicknesses = list(indices), list(thicknesses)
    if len(indices) != len(thicknesses):
        raise ValueError(f"{len(indices)} indices but {len(thicknesses)} thicknesses: give one thickness per layer.")
    if any(d < 0 for d in thicknesses):
        raise ValueError(f"layer thicknesses must be >= 0 (metres), got {thicknesses}.")
    lam = np.atleast_1d(np.asarray(wavelength, dtype=np.float64))
    sin_in = np.sin(angle)

    def admittance(n):
        c = _cos_theta(n, n_in, sin_in)
        return (n * c if polarization == "s" else n / c), c

    eta_in, _ = admittance(n_in)
    eta_out, _ = admittance(n_out)
    b = np.ones_like(lam, dtype=complex)
    c = np.full_like(lam, eta_out, dtype=complex)
    for n, d in zip(reversed(indices), reversed(thicknesses)):  # [B, C] = M_1 … M_N [1, η_out]
        eta, cos_t = admittance(n)
        delta = 2 * np.pi * n * d * cos_t / lam
        b, c = np.cos(delta) * b - 1j * np.sin(delta) / eta * c, -1j * eta * np.sin(delta) * b + np.cos(delta) * c
    denom = eta_in * b + c
    r = (eta_in * b - c) / denom
    t_power = 4 * eta_in.real * eta_out.real / np.abs(denom) ** 2
    return np.abs(r) ** 2, t_power


__all__ = ["thin_film_rt"]
