"""Fifth-order WENO reconstruction of interface values (Jiang & Shu 1996, J. Comput. Phys. 126:202).

Given cell averages ``q`` ``[..., n + 6]`` (3 ghost cells each side), returns the left and right
states at the ``n + 1`` interfaces of the ``n`` interior cells: ``q_L`` from the cell to the left,
``q_R`` from the cell to the right, each ``[..., n + 1]``.
"""

from __future__ import annotations

from torch import Tensor

_EPS = 1e-6
_D = (0.1, 0.6, 0.3)  # linear weights


def _weno_minus(v0, v1, v2, v3, v4):
    """Value at the right face of cell v2 from stencil v0..v4 (upwind for flow to the right)."""
    b0 = 13 / 12 * (v0 - 2 * v1 + v2) ** 2 + 0.25 * (v0 - 4 * v1 + 3 * v2) ** 2
    b1 = 13 / 12 * (v1 - 2 * v2 + v3) ** 2 + 0.25 * (v1 - v3) ** 2
    b2 = 13 / 12 * (v2 - 2 * v3 + v4) ** 2 + 0.25 * (3 * v2 - 4 * v3 + v4) ** 2
    a0, a1, a2 = _D[0] / (_EPS + b0) ** 2, _D[1] / (_EPS + b1) ** 2, _D[2] / (_EPS + b2) ** 2
    p0 = (2 * v0 - 7 * v1 + 11 * v2) / 6
    p1 = (-v1 + 5 * v2 + 2 * v3) / 6
    p2 = (2 * v2 + 5 * v3 - v4) / 6
    return (a0 * p0 + a1 * p1 + a2 * p2) / (a0 + a1 + a2)


def reconstruct(q: Tensor) -> tuple[Tensor, Tensor]:
    """``(q_L, q_R)`` at interfaces ``i + ½`` for ``i = 2 … n+2`` of the padded array."""
    m = q.shape[-1]
    s = lambda k: q[..., k : m - 5 + k]
    q_l = _weno_minus(s(0), s(1), s(2), s(3), s(4))
    q_r = _weno_minus(s(5), s(4), s(3), s(2), s(1))
    return q_l, q_r
