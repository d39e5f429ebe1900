"""CMAP: a tabulated correction energy of two backbone dihedrals (φ, ψ), interpolated by bicubic patches.

CHARMM22/CMAP (MacKerell, Feig & Brooks, J. Comput. Chem. 25, 1400, 2004) and AMBER ff19SB add to each
residue an energy ``E(φ, ψ)`` given on a periodic ``n × n`` grid, ``E[i, j] = E(φ = i Δ, ψ = j Δ)``,
``Δ = 2π/n``. Between grid points it is the bicubic Hermite patch that matches the values, both first
derivatives and the cross derivative at the four corners of each cell (Numerical Recipes §3.6, ``bcucof``):

    E(φ, ψ) = Σ_{a,b=0..3} c_ab t^a u^b,      t = φ/Δ − i,  u = ψ/Δ − j        (φ, ψ taken in [0, 2π))
    c = A F Aᵀ,   F = [[E00, E01, Eψ00, Eψ01], [E10, E11, Eψ10, Eψ11], [Eφ00, Eφ01, Eφψ00, Eφψ01], [Eφ10, …]]
    A = [[1, 0, 0, 0], [0, 0, 1, 0], [−3, 3, −2, −1], [2, −2, 1, 1]]           (derivatives scaled by Δ)

The corner derivatives come from periodic cubic splines through the grid along each axis (the cross
derivative: the spline derivative along φ of the ψ derivatives), as OpenMM's ``CMAPTorsionForce`` computes
them, so the surface is C¹ everywhere and equals OpenMM's to rounding. Coefficients are built once per map
(:func:`cmap_coefficients`, numpy/scipy); the energy is torch and differentiable in the positions.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from physics.forcefields.bonded import dihedral_angles

_HERMITE = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [-3.0, 3.0, -2.0, -1.0], [2.0, -2.0, 1.0, 1.0]])


def _periodic_derivative(values: np.ndarray, axis: int) -> np.ndarray:
    """d/dx at the knots of the periodic cubic spline through ``values`` along ``axis`` (knots 0, Δ, …)."""
    n = values.shape[axis]
    x = np.arange(n + 1) * (2 * math.pi / n)
    closed = np.concatenate([values, np.take(values, [0], axis=axis)], axis=axis)
    from scipy.interpolate import CubicSpline  # here: scipy is not needed to import the force fields

    spline = CubicSpline(x, closed, axis=axis, bc_type="periodic")
    return np.take(spline(x, 1), np.arange(n), axis=axis)


def cmap_coefficients(grid) -> np.ndarray:
    """Bicubic coefficients ``c[i, j, a, b]`` ``[n, n, 4, 4]`` of one map ``grid[i, j] = E(iΔ, jΔ)`` (kJ/mol),
    first index φ. Raises when the grid is not square."""
    E = np.asarray(grid, dtype=np.float64)
    if E.ndim != 2 or E.shape[0] != E.shape[1] or E.shape[0] < 4:
        raise ValueError(f"a CMAP grid must be square and at least 4 × 4 (E[φ index, ψ index]); got {E.shape}.")
    n = E.shape[0]
    delta = 2 * math.pi / n
    d_phi = _periodic_derivative(E, 0) * delta
    d_psi = _periodic_derivative(E, 1) * delta
    d_cross = _periodic_derivative(_periodic_derivative(E, 1), 0) * delta * delta

    def corners(f):  # [n, n, 2, 2]: f at (i, j), (i, j+1), (i+1, j), (i+1, j+1)
        f1 = np.roll(f, -1, axis=0)
        return np.stack([np.stack([f, np.roll(f, -1, 1)], -1), np.stack([f1, np.roll(f1, -1, 1)], -1)], -2)

    F = np.block([[corners(E), corners(d_psi)], [corners(d_phi), corners(d_cross)]])  # [n, n, 4, 4]
    return np.einsum("ak,ijkl,bl->ijab", _HERMITE, F, _HERMITE)


def cmap_energy(R: Tensor, index: Tensor, map_index: Tensor, coefficients: Tensor, box=None, strain=None) -> Tensor:
    """Σ over CMAP terms of ``E_map(φ, ψ)`` (0-d, kJ/mol).

    ``index`` ``[T, 8]``: the four atoms of φ then the four of ψ; ``map_index`` ``[T]``; ``coefficients``
    ``[M, n, n, 4, 4]`` from :func:`cmap_coefficients` (all maps the same size)."""
    if index.shape[0] == 0:
        return R.new_zeros(())
    n = coefficients.shape[1]
    delta = 2 * math.pi / n
    two_pi = 2 * math.pi
    phi = torch.remainder(dihedral_angles(R, index[:, :4], box, strain), two_pi) / delta
    psi = torch.remainder(dihedral_angles(R, index[:, 4:], box, strain), two_pi) / delta
    i = phi.detach().floor().long().clamp(0, n - 1)
    j = psi.detach().floor().long().clamp(0, n - 1)
    t, u = phi - i, psi - j
    c = coefficients.to(R)[map_index, i, j]  # [T, 4, 4]
    tp = torch.stack([torch.ones_like(t), t, t * t, t * t * t], -1)  # products, not pow: finite grads at t = 0
    up = torch.stack([torch.ones_like(u), u, u * u, u * u * u], -1)
    return torch.einsum("ta,tab,tb->", tp, c, up)
