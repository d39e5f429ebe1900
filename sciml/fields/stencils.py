"""Finite-difference stencils (data) and boundary ghost-cell weights.

Central stencils on a uniform grid with spacing ``h`` (Fornberg 1988, *Generation of finite
difference formulas on arbitrarily spaced grids*, Math. Comp. 51:699):

* ``FIRST[order]``  approximates ``h  · ∂u/∂x``   with error ``O(h^order)``
* ``SECOND[order]`` approximates ``h² · ∂²u/∂x²`` with error ``O(h^order)``

Offsets run from ``-r`` to ``r`` with ``r = len(coefficients) // 2``.

Walls: data are cell-centred, ``u_j`` at ``x = (j + ½) h`` with the wall at ``x = 0``. Ghost
cells at ``x = -(k - ½) h`` come from the polynomial of degree ``order + 1`` that matches the wall
condition and the first ``order + 1`` interior values, so one-sided errors stay ``O(h^order)``
for first and second derivatives at every point (tests fit the order).
"""

from __future__ import annotations

from functools import cache

import numpy as np

FIRST: dict[int, tuple[float, ...]] = {
    2: (-1 / 2, 0.0, 1 / 2),
    4: (1 / 12, -2 / 3, 0.0, 2 / 3, -1 / 12),
}
SECOND: dict[int, tuple[float, ...]] = {
    2: (1.0, -2.0, 1.0),
    4: (-1 / 12, 4 / 3, -5 / 2, 4 / 3, -1 / 12),
}
ORDERS = tuple(FIRST)


@cache
def ghost_weights(order: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``W [r, order+1]`` and wall factors ``c [r]`` for the ``r = order // 2`` ghosts.

    ``ghost_k = Σ_j W[k-1, j] u_j + c[k-1] · g`` where ``g`` is the wall value (Dirichlet) or
    ``h · ∂u/∂n`` with ``n`` the outward normal (Neumann). Units of ``h = 1``.
    """
    if order not in FIRST:
        raise ValueError(f"order={order} is not available; choose one of {list(FIRST)}.")
    m = order + 1  # interior values used
    deg = order + 1  # polynomial degree: m values + 1 wall condition
    xs = np.arange(m) + 0.5
    rows = [xs**p for p in range(deg + 1)]
    a = np.array(rows).T  # value conditions [m, deg+1]
    if kind == "dirichlet":
        wall = np.array([[1.0] + [0.0] * deg])  # p(0) = g
    elif kind == "neumann":
        wall = np.array([[0.0, -1.0] + [0.0] * (deg - 1)])  # -p'(0) = h ∂u/∂n
    else:
        raise ValueError(f"boundary kind {kind!r} has no ghost rule; use 'dirichlet' or 'neumann'.")
    system = np.vstack([a, wall])  # [(m+1), deg+1], square
    inv = np.linalg.inv(system)  # coefficients = inv @ [u_0..u_{m-1}, g]
    r = order // 2
    ghosts = np.array([[(-(k - 0.5)) ** p for p in range(deg + 1)] for k in range(1, r + 1)])
    w = ghosts @ inv  # [r, m+1]
    return w[:, :m], w[:, m]
