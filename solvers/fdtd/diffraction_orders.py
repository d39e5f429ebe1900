"""Diffraction orders on a line of a grid that is Bloch-periodic along x: each order's share of the flux.

On a line of constant ``y`` across one period ``P = n_x Δx`` of a grid with Bloch wavevector ``k_x``, every field is a
sum of plane-wave orders

    F(x) = Σ_m F_m e^{i κ_m x},   κ_m = k_x + 2πm/P

exactly, also on the Yee lattice: the discrete x-differences act on each ``e^{i κ_m x}`` alone, so the orders do not
mix. ``F_m`` is the FFT of ``F(x_i) e^{−i k_x x_i}`` over the ``n_x`` samples (``m`` taken modulo ``n_x``). Both
tangential components of one polarisation sit at the same x (``E_z``, ``H_x`` at ``iΔx``; ``E_x``, ``H_z`` at
``(i + ½)Δx``), and by Parseval the y-flux of the line splits into the orders:

    Φ = ½ Δx Σ_i Re(E_z H_x* − E_x H_z*)_i = Σ_m Φ_m,   Φ_m = ½ n_x Δx Re(E_z,m H_x,m* − E_x,m H_z,m*)

In a uniform medium of index ``n`` order ``m`` propagates at ``sin θ_m = κ_m / (n k₀)`` when ``|κ_m| < n k₀``;
otherwise it is evanescent and carries no net flux (what is left in it on the lattice is discretisation error).
This is what Meep's ``get_eigenmode_coefficients`` with ``DiffractedPlanewave`` gives, read off the DFT fields.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor


def order_fluxes(line: dict[str, Tensor], dx: float, k_parallel: float) -> tuple[np.ndarray, Tensor]:
    """``(orders, Φ)``: the y-flux ``Φ`` ``[n_freq, n_x]`` (W per metre along z, ``+`` toward ``+y``) carried by each
    order ``m`` (``orders`` ``[n_x]``, ints in FFT order) through a line of the DFT record ``line``.

    ``line`` maps ``ez``/``hx`` (s) or ``ex``/``hz`` (p) to complex ``[n_freq, n_x, …]`` samples on one row of y;
    ``dx`` (m) is the cell and ``k_parallel`` (rad/m) the grid's Bloch ``k_x``.
    """
    pairs = [(e, h, sign) for e, h, sign in (("ez", "hx", 1.0), ("ex", "hz", -1.0)) if e in line and h in line]
    if not pairs:
        raise ValueError(
            f"the line record has {sorted(line)}; the order fluxes need ez and hx (s) or ex and hz (p): monitor both "
            "tangential components on the line."
        )
    first = line[pairs[0][0]]
    n_freq, nx = first.shape[0], first.shape[1]
    x = torch.arange(nx, dtype=torch.float64) * dx
    demodulate = torch.exp(-1j * k_parallel * x).to(torch.complex128)

    def harmonics(field: Tensor) -> Tensor:
        f = field.to(torch.complex128).reshape(n_freq, nx)
        return torch.fft.fft(f * demodulate, dim=1) / nx

    flux = torch.zeros(n_freq, nx, dtype=torch.float64)
    for e, h, sign in pairs:
        flux = flux + sign * (harmonics(line[e]) * harmonics(line[h]).conj()).real
    orders = np.rint(np.fft.fftfreq(nx) * nx).astype(int)
    return orders, 0.5 * nx * dx * flux


def order_directions(orders, k_parallel: float, period: float, wavelengths, n: float) -> np.ndarray:
    """``sin θ_m = κ_m / (n k₀)`` ``[n_wavelength, n_orders]`` of each order in a medium of index ``n`` at each
    vacuum wavelength (m); ``|sin θ| < 1`` propagates."""
    lams = np.atleast_1d(np.asarray(wavelengths, dtype=np.float64))[:, None]
    kappa = k_parallel + 2 * math.pi * np.asarray(orders)[None, :] / period
    return kappa * lams / (2 * math.pi * n)


def efficiencies_by_order(
    reflected: dict[str, Tensor],
    transmitted: dict[str, Tensor],
    incident_flux: Tensor,
    dx: float,
    k_parallel: float,
    period: float,
    wavelengths,
    n_in: float = 1.0,
    n_out: float = 1.0,
) -> dict[str, np.ndarray]:
    """Each propagating order's ``R_m`` and ``T_m`` from the reflected (total − incident) and transmitted line
    records, normalised by the ``incident_flux`` ``[n_freq]``.

    Returns ``orders`` ``[N]`` (every order that propagates on either side at some wavelength, ascending),
    ``R_orders`` and ``T_orders`` ``[n_wavelength, N]`` (zero where the order is evanescent on that side),
    ``angle_R_orders`` and ``angle_T_orders`` (rad from the normal; NaN where evanescent), and the fractions of
    the flux left in evanescent orders, ``R_evanescent`` and ``T_evanescent`` ``[n_wavelength]`` (discretisation
    error; small when the lines are well clear of the structure).
    """
    orders, phi_r = order_fluxes(reflected, dx, k_parallel)
    _, phi_t = order_fluxes(transmitted, dx, k_parallel)
    phi_in = incident_flux.to(torch.float64)[:, None]
    r_all = (-phi_r / phi_in).numpy()
    t_all = (phi_t / phi_in).numpy()
    sin_r = order_directions(orders, k_parallel, period, wavelengths, n_in)
    sin_t = order_directions(orders, k_parallel, period, wavelengths, n_out)
    prop_r, prop_t = np.abs(sin_r) < 1, np.abs(sin_t) < 1
    keep = np.flatnonzero((prop_r | prop_t).any(0))
    keep = keep[np.argsort(orders[keep])]
    with np.errstate(invalid="ignore"):
        angle_r = np.where(prop_r, np.arcsin(np.clip(sin_r, -1, 1)), np.nan)
        angle_t = np.where(prop_t, np.arcsin(np.clip(sin_t, -1, 1)), np.nan)
    return {
        "orders": orders[keep],
        "R_orders": np.where(prop_r, r_all, 0.0)[:, keep],
        "T_orders": np.where(prop_t, t_all, 0.0)[:, keep],
        "angle_R_orders": angle_r[:, keep],
        "angle_T_orders": angle_t[:, keep],
        "R_evanescent": np.where(prop_r, 0.0, r_all).sum(1),
        "T_evanescent": np.where(prop_t, 0.0, t_all).sum(1),
    }


__all__ = ["efficiencies_by_order", "order_directions", "order_fluxes"]
