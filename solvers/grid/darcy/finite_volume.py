"""Darcy flow ``-∇·(a ∇u) = f`` on the unit square with ``u = 0`` on the boundary.

Cell-centred finite volumes on ``n × n`` cells (``h = 1/n``): face coefficients are harmonic
means of the neighbouring cells' ``a``; a wall face uses the cell's ``a`` and the distance
``h/2`` to the wall. The 5-point system is assembled in ``scipy.sparse`` and solved directly.
Second-order accurate for smooth ``a`` (tests fit the order). This generates the Darcy data of
Li et al. (2021), *Fourier neural operator for parametric PDEs*.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse


def assemble(a: np.ndarray) -> scipy.sparse.csr_matrix:
    """Matrix ``A`` ``[n², n²]`` (row-major cells) of the operator ``-∇·(a∇·)`` times ``h²``."""
    a = np.asarray(a, float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"permeability must be a square [n, n] array, got shape {a.shape}.")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("permeability must be finite and strictly positive everywhere.")
    n = a.shape[0]
    idx = np.arange(n * n).reshape(n, n)
    rows, cols, vals = [], [], []
    diag = np.zeros((n, n))
    for axis in (0, 1):
        lo = [slice(None)] * 2
        hi = [slice(None)] * 2
        lo[axis], hi[axis] = slice(0, n - 1), slice(1, n)
        lo_t, hi_t = tuple(lo), tuple(hi)
        t = 2 * a[lo_t] * a[hi_t] / (a[lo_t] + a[hi_t])  # interior faces
        diag[lo_t] += t
        diag[hi_t] += t
        rows += [idx[lo_t].ravel(), idx[hi_t].ravel()]
        cols += [idx[hi_t].ravel(), idx[lo_t].ravel()]
        vals += [-t.ravel(), -t.ravel()]
        first = [slice(None)] * 2
        last = [slice(None)] * 2
        first[axis], last[axis] = 0, n - 1
        diag[tuple(first)] += 2 * a[tuple(first)]  # wall at distance h/2
        diag[tuple(last)] += 2 * a[tuple(last)]
    rows.append(idx.ravel())
    cols.append(idx.ravel())
    vals.append(diag.ravel())
    import scipy.sparse as sp  # here, not at import: every `sciml run` loads this module's experiment

    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n * n, n * n))


def solve(a: np.ndarray, f: np.ndarray | float = 1.0) -> np.ndarray:
    """Pressure ``u`` ``[n, n]`` at cell centres for permeability ``a`` and source ``f`` (array or constant)."""
    a = np.asarray(a, float)
    n = a.shape[0]
    h = 1.0 / n
    rhs = np.broadcast_to(np.asarray(f, float), (n, n)).ravel() * h * h
    import scipy.sparse.linalg as spla

    return spla.spsolve(assemble(a).tocsc(), rhs).reshape(n, n)


def cell_centres(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``X, Y`` ``[n, n]`` cell-centre coordinates (``indexing='ij'``)."""
    x = (np.arange(n) + 0.5) / n
    return np.meshgrid(x, x, indexing="ij")
