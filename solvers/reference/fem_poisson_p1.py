"""Piecewise-linear (P1) finite elements for ``−Δu = f`` with Dirichlet data, on triangle meshes.

Stiffness ``K_ij = Σ_T ∫_T ∇φ_i·∇φ_j`` and load ``F_i = Σ_T ∫_T f φ_i`` (f at the centroid,
area/3 per vertex) are assembled with ``scipy.sparse``; Dirichlet nodes (on edges used by one
triangle only) are eliminated and the system solved directly. Second order in the nodal
max-norm for smooth solutions (a test fits the order on the L-shaped domain). This is the
reference for the ``poisson_mesh`` PINN case.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def boundary_nodes(triangles: np.ndarray) -> np.ndarray:
    """Indices of nodes on edges that belong to exactly one triangle."""
    edges = np.sort(np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]]), axis=1)
    uniq, counts = np.unique(edges, axis=0, return_counts=True)
    return np.unique(uniq[counts == 1])


def solve_poisson_p1(
    points: np.ndarray,
    triangles: np.ndarray,
    f: Callable[[np.ndarray], np.ndarray],
    g: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Nodal values ``u [n]`` of the P1 solution; ``f`` and ``g`` map ``[k, 2]`` points to ``[k]`` values."""
    p = np.asarray(points, float)[:, :2]
    t = np.asarray(triangles, int)
    if t.ndim != 2 or t.shape[1] != 3:
        raise ValueError(f"P1 FEM needs triangles [m, 3], got shape {t.shape}.")
    a, b, c = p[t[:, 0]], p[t[:, 1]], p[t[:, 2]]
    area2 = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    if np.any(np.abs(area2) < 1e-14):
        raise ValueError(f"triangle {int(np.argmin(np.abs(area2)))} is degenerate (zero area); repair the mesh.")
    area = 0.5 * np.abs(area2)
    # gradients of the barycentric basis: ∇φ_k = (y_{k+1} - y_{k+2}, x_{k+2} - x_{k+1}) / (2A), signed
    xs, ys = p[t][:, :, 0], p[t][:, :, 1]
    gx = np.stack([ys[:, 1] - ys[:, 2], ys[:, 2] - ys[:, 0], ys[:, 0] - ys[:, 1]], 1) / area2[:, None]
    gy = np.stack([xs[:, 2] - xs[:, 1], xs[:, 0] - xs[:, 2], xs[:, 1] - xs[:, 0]], 1) / area2[:, None]
    local = (gx[:, :, None] * gx[:, None, :] + gy[:, :, None] * gy[:, None, :]) * area[:, None, None]
    rows = np.repeat(t, 3, axis=1).ravel()
    cols = np.tile(t, (1, 3)).ravel()
    n = len(p)
    K = sp.csr_matrix((local.ravel(), (rows, cols)), shape=(n, n))
    centroid = (a + b + c) / 3
    F = np.zeros(n)
    np.add.at(F, t.ravel(), np.repeat(f(centroid) * area / 3, 3))
    bnd = boundary_nodes(t)
    u = np.zeros(n)
    u[bnd] = g(p[bnd])
    free = np.setdiff1d(np.arange(n), bnd)
    rhs = F[free] - K[free][:, bnd] @ u[bnd]
    u[free] = spla.spsolve(K[free][:, free].tocsc(), rhs)
    return u


def lshape_mesh(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Structured triangulation of the L-shape ``[−1, 1]² \\ (0, 1]²`` with ``n`` cells per unit length."""
    h = 1.0 / n
    xs = np.arange(-n, n + 1) * h
    X, Y = np.meshgrid(xs, xs, indexing="ij")
    keep = ~((X > 1e-12) & (Y > 1e-12))
    index = -np.ones(X.shape, int)
    index[keep] = np.arange(keep.sum())
    pts = np.stack([X[keep], Y[keep]], 1)
    tris = []
    for i in range(2 * n):
        for j in range(2 * n):
            cx, cy = xs[i] + h / 2, xs[j] + h / 2
            if cx > 0 and cy > 0:
                continue
            v00, v10, v01, v11 = index[i, j], index[i + 1, j], index[i, j + 1], index[i + 1, j + 1]
            tris += [(v00, v10, v11), (v00, v11, v01)]
    return pts, np.array(tris)
