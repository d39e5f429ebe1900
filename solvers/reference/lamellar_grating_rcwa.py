"""Diffraction efficiencies of a lamellar (binary) grating: rigorous coupled-wave analysis (the Fourier modal method).

Moharam, Grann, Pommet & Gaylord, JOSA A 12, 1068 (1995), with Li's factorisation rules for TM (Li, JOSA A 13, 1870
(1996); Lalanne & Morris, JOSA A 13, 779 (1996)). An independent check of the FDTD's per-order efficiencies
(:func:`solvers.fdtd.periodic_response`), in the FDTD's frame: x periodic with period ``P``, light from the cover
(``y < 0``, index ``n_in``) towards ``+y`` through one grating layer ``0 < y < d`` whose permittivity ``ε(x)`` is
``ε_groove`` with one ridge ``ε_ridge`` of width ``w`` centred at ``x_c``, onto the substrate ``n_out`` (``y > d``).

Fields are sums of the ``N = 2M + 1`` orders ``e^{i κ_m x}``, ``κ_m = k_x + 2πm/P`` (``k_x = k₀ n_in sin θ``). With
``K = diag(κ_m)/k₀``, ``[[ε]]`` and ``[[1/ε]]`` the Toeplitz matrices of the Fourier coefficients of ``ε`` and ``1/ε``,
the layer's field obeys ``u'' = k₀² A u`` with

    s (TE, E = E_z):  A = K² − [[ε]],                          u = E_z,  continuous also: ∂E_z/∂y
    p (TM, H = H_z):  A = [[1/ε]]⁻¹ (K [[ε]]⁻¹ K − I),          u = H_z,  continuous also: [[1/ε]] ∂H_z/∂y

(Li's rules: ``E_y`` is continuous across the ridge walls, so ``ε E_y`` takes ``[[ε]]``; ``D_x`` is continuous, so
``E_x = D_x/ε`` takes ``[[1/ε]]``.) The layer's modes ``W e^{∓k₀ q y}`` (``A = W diag(q²) W⁻¹``, ``Re q ≥ 0``) and the
plane waves of cover and substrate are matched at both faces in one ``4N`` linear system whose exponentials never
grow (``|e^{−k₀ q d}| ≤ 1``), so thick layers are stable. Efficiencies are each order's y-flux over the incident one:

    R_m = |r_m|² Re(k_y,m^in) / k_y,0^in,   T_m = |t_m|² Re(k_y,m^out / g) / (k_y,0^in / g_in)

with ``g = 1`` (s) or ``n²`` (p). Lossless gratings give ``Σ R_m + Σ T_m = 1`` to rounding. TE converges fast in
``M``; TM, with Li's rules, at first order in ``1/M`` at worst.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def _toeplitz(coefficients: np.ndarray, n: int) -> np.ndarray:
    """``T[m, k] = c[m − k]`` for ``c`` stored at offsets ``−(2n−2) … 2n−2`` (index ``2n − 2`` is offset 0)."""
    idx = np.arange(n)[:, None] - np.arange(n)[None, :] + 2 * n - 2
    return coefficients[idx]


def _binary_fourier(value_ridge, value_groove, fill: float, centre: float, n: int) -> np.ndarray:
    """Fourier coefficients ``c_j`` (``j = −(2n−2) … 2n−2``) of ``f(x)`` over one period (``x`` in periods): the
    ridge value on ``|x − centre| < fill/2``, the groove value elsewhere."""
    j = np.arange(-(2 * n - 2), 2 * n - 1)
    c = (value_ridge - value_groove) * fill * np.sinc(j * fill) * np.exp(-2j * math.pi * j * centre)
    c = c.astype(complex)
    c[j == 0] += value_groove
    return c


def _outgoing_ky(n_medium, kappa: np.ndarray) -> np.ndarray:
    """``k_y/k₀`` of each order in a uniform medium, on the branch of waves leaving the grating (``Im ≥ 0``)."""
    k = np.sqrt(complex(n_medium) ** 2 - kappa.astype(complex) ** 2)
    return np.where(k.imag < 0, -k, k)


def lamellar_grating_orders(
    wavelength: float,
    period: float,
    depth: float,
    ridge_width: float,
    eps_ridge,
    eps_groove=1.0,
    angle: float = 0.0,
    polarization: str = "s",
    n_in: float = 1.0,
    n_out: float = 1.0,
    harmonics: int = 40,
    ridge_centre: float | None = None,
) -> dict[str, np.ndarray]:
    """Per-order reflectance and transmittance of one lamellar grating layer, lit at ``angle`` (rad) from the cover.

    Lengths in metres (any one unit works); ``eps_*`` may be complex (absorbers). ``harmonics`` is ``M``: orders
    ``−M … M`` are kept. ``ridge_centre`` (default ``period/2``) only moves the phases of the orders.
    Returns ``orders`` ``[N]`` (ints ``m``), ``R`` and ``T`` ``[N]`` (zero for evanescent orders),
    ``angle_R`` and ``angle_T`` ``[N]`` (rad from the normal, in the cover and in the substrate; NaN where
    evanescent), and ``balance = Σ R + Σ T``.
    """
    if polarization not in ("s", "p"):
        raise ValueError(
            f"polarization must be 's' (TE: E out of the plane of incidence) or 'p', got {polarization!r}."
        )
    if not (period > 0 and wavelength > 0 and depth >= 0 and 0 <= ridge_width <= period):
        raise ValueError(
            f"need period > 0, wavelength > 0, depth >= 0 and 0 <= ridge_width <= period; got period={period}, "
            f"wavelength={wavelength}, depth={depth}, ridge_width={ridge_width}."
        )
    if not all(isinstance(n, numbers.Real) and n >= 1 for n in (n_in, n_out)):  # numpy's real scalars too
        raise ValueError(
            f"n_in and n_out must be real indices >= 1 (transparent cover and substrate, where each order's power is "
            f"defined), got {n_in!r} and {n_out!r}; put an absorber in the grating layer (complex eps_ridge)."
        )
    if harmonics < 1:
        raise ValueError(f"harmonics (M, orders −M … M) must be >= 1, got {harmonics}.")
    n = 2 * harmonics + 1
    orders = np.arange(-harmonics, harmonics + 1)
    k0 = 2 * math.pi / wavelength
    kappa = n_in * math.sin(angle) + orders * wavelength / period  # κ_m / k₀
    centre = (period / 2 if ridge_centre is None else ridge_centre) / period
    fill = ridge_width / period
    eps = _toeplitz(_binary_fourier(eps_ridge, eps_groove, fill, centre, n), n)
    kx = np.diag(kappa.astype(complex))
    if polarization == "s":
        a = kx @ kx - eps
        gamma = np.eye(n, dtype=complex)
        g_in, g_out = 1.0, 1.0
    else:
        inv_eps = _toeplitz(_binary_fourier(1 / eps_ridge, 1 / eps_groove, fill, centre, n), n)
        a = np.linalg.solve(inv_eps, kx @ np.linalg.solve(eps, kx) - np.eye(n))
        gamma = inv_eps
        g_in, g_out = n_in**2, n_out**2
    lam, w = np.linalg.eig(a)
    q = np.sqrt(lam.astype(complex))
    q = np.where(q.real < 0, -q, q)  # Re q >= 0: e^{−k₀ q y} never grows into the layer
    v = gamma @ w @ np.diag(q)  # the continuous partner of u for each mode, per unit of −k₀
    x = np.diag(np.exp(-k0 * q * depth))
    ky_in, ky_out = _outgoing_ky(n_in, kappa), _outgoing_ky(n_out, kappa)
    # plane waves e^{±i k_y y}: u' / k₀ = ±i k_y u, times 1/g for p
    y_in, y_out = np.diag(1j * ky_in / g_in), np.diag(1j * ky_out / g_out)
    eye, zero = np.eye(n, dtype=complex), np.zeros((n, n), dtype=complex)
    # unknowns [r, c+, c−, t]; modes c+ e^{−k₀ q y} and c− e^{−k₀ q (d − y)}
    system = np.block(
        [
            [eye, -w, -w @ x, zero],  # u at y = 0
            [-y_in, v, -v @ x, zero],  # its partner at y = 0 (reflected waves run toward −y)
            [zero, w @ x, w, -eye],  # u at y = d
            [zero, -v @ x, v, -y_out],  # partner at y = d
        ]
    )
    incident = (orders == 0).astype(complex)
    rhs = np.concatenate([-incident, -y_in @ incident, np.zeros(n), np.zeros(n)])
    sol = np.linalg.solve(system, rhs)
    r, t = sol[:n], sol[3 * n :]
    flux_in = ky_in[harmonics].real / g_in
    reflect = np.abs(r) ** 2 * ky_in.real / g_in / flux_in
    transmit = np.abs(t) ** 2 * (ky_out / g_out).real / flux_in
    propagating_in, propagating_out = np.abs(ky_in.imag) < 1e-12, np.abs(ky_out.imag) < 1e-12
    with np.errstate(invalid="ignore"):
        angle_r = np.where(propagating_in, np.arcsin(np.clip(kappa / n_in, -1, 1)), np.nan)
        angle_t = np.where(propagating_out, np.arcsin(np.clip(kappa / np.real(n_out), -1, 1)), np.nan)
    reflect, transmit = np.where(propagating_in, reflect, 0.0), np.where(propagating_out, transmit, 0.0)
    return {
        "orders": orders,
        "R": reflect,
        "T": transmit,
        "angle_R": angle_r,
        "angle_T": angle_t,
        "balance": float(reflect.sum() + transmit.sum()),
    }


__all__ = ["lamellar_grating_orders"]
