"""Finite-difference operators on uniform grids: 2nd and 4th order, batched.

Fields are ``[batch, channels, *grid]`` tensors whose last ``ndim`` axes are space; ``dx`` is the
spacing per spatial axis (a float for all). Boundaries (per axis or one for all):

* ``periodic``: node ``j`` at ``x = j h`` on a periodic box of ``n h``;
* ``dirichlet`` / ``neumann``: cell-centred values ``x = (j + ½) h`` between walls at ``0`` and
  ``n h``; ``bc_value`` is the wall value or the outward normal derivative (a float).

Ghost cells implement the walls (see :mod:`sciml.fields.stencils`). Everything is built from
differentiable torch ops, so gradients flow to the field and to ``bc_value`` tensors.
"""

from __future__ import annotations

import torch
from torch import Tensor

from sciml.fields.stencils import FIRST, ORDERS, SECOND, ghost_weights

BOUNDARIES = ("periodic", "dirichlet", "neumann")


def _per_axis(value, ndim: int, name: str) -> tuple:
    if isinstance(value, (list, tuple)):
        if len(value) != ndim:
            raise ValueError(f"{name} needs one entry per spatial axis ({ndim}), got {len(value)}.")
        return tuple(value)
    return (value,) * ndim


def _check(u: Tensor, ndim: int, order: int, boundary: str, axis: int) -> None:
    if u.ndim != ndim + 2:
        raise ValueError(
            f"field must be [batch, channels, *grid] with {ndim} spatial axes, got shape {tuple(u.shape)}."
        )
    if order not in ORDERS:
        raise ValueError(f"order={order} is not available; choose one of {list(ORDERS)}.")
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary={boundary!r} is not known; choose one of {list(BOUNDARIES)}.")
    if not 0 <= axis < ndim:
        raise ValueError(f"axis={axis} is out of range for {ndim} spatial axes.")
    need = order + 1  # the stencil's width, and the interior values a wall's ghost rule reads
    n = u.shape[2 + axis]
    if n < need:
        raise ValueError(
            f"grid axis {axis} has {n} points, too few for the order-{order} stencil with {boundary} boundaries "
            f"(needs at least {need}). Refine the grid or lower the order."
        )


def pad(u: Tensor, axis: int, width: int, boundary: str, bc_value=0.0, dx: float = 1.0, order: int = 2) -> Tensor:
    """Add ``width`` ghost cells on both sides of spatial ``axis`` (0-based among the grid axes)."""
    dim = 2 + axis
    n = u.shape[dim]
    if boundary == "periodic":
        return torch.cat([u.narrow(dim, n - width, width), u, u.narrow(dim, 0, width)], dim)
    w, c = ghost_weights(order, boundary)
    scale = 1.0 if boundary == "dirichlet" else dx
    lo_vals, hi_vals = (bc_value, bc_value) if not isinstance(bc_value, tuple) else bc_value
    m = w.shape[1]
    lo_in = [u.narrow(dim, j, 1) for j in range(m)]  # nearest the low wall first
    hi_in = [u.narrow(dim, n - 1 - j, 1) for j in range(m)]  # nearest the high wall first
    lo, hi = [], []
    for k in range(width):
        lo.append(sum(float(w[k, j]) * lo_in[j] for j in range(m)) + float(c[k]) * scale * lo_vals)
        hi.append(sum(float(w[k, j]) * hi_in[j] for j in range(m)) + float(c[k]) * scale * hi_vals)
    return torch.cat([*reversed(lo), u, *hi], dim)


def _apply_stencil(
    u: Tensor, axis: int, coeffs: tuple[float, ...], boundary: str, bc_value, dx: float, order: int
) -> Tensor:
    r = len(coeffs) // 2
    dim = 2 + axis
    n = u.shape[dim]
    p = pad(u, axis, r, boundary, bc_value, dx, order)
    return sum(c * p.narrow(dim, i, n) for i, c in enumerate(coeffs) if c != 0.0)  # type: ignore[return-value]


def derivative(
    u: Tensor,
    axis: int,
    dx: float,
    *,
    ndim: int | None = None,
    order: int = 2,
    n: int = 1,
    boundary: str = "periodic",
    bc_value=0.0,
) -> Tensor:
    """``∂ⁿu/∂x_axisⁿ`` (``n`` = 1 or 2) with an ``O(dx^order)`` central stencil; same shape as ``u``."""
    ndim = u.ndim - 2 if ndim is None else ndim
    _check(u, ndim, order, boundary, axis)
    if n not in (1, 2):
        raise ValueError(f"derivative order n={n} is not supported; use 1 or 2 (compose for higher).")
    coeffs = FIRST[order] if n == 1 else SECOND[order]
    return _apply_stencil(u, axis, coeffs, boundary, bc_value, dx, order) / dx**n


def gradient(u: Tensor, dx, *, order: int = 2, boundary="periodic", bc_value=0.0) -> Tensor:
    """``∇u`` of a scalar field ``[B, 1, *grid]``: ``[B, ndim, *grid]``."""
    ndim = u.ndim - 2
    if u.shape[1] != 1:
        raise ValueError(f"gradient expects one channel, got {u.shape[1]}; apply it per channel.")
    dxs, bcs, vals = (
        _per_axis(dx, ndim, "dx"),
        _per_axis(boundary, ndim, "boundary"),
        _per_axis(bc_value, ndim, "bc_value"),
    )
    return torch.cat([derivative(u, a, dxs[a], order=order, boundary=bcs[a], bc_value=vals[a]) for a in range(ndim)], 1)


def divergence(v: Tensor, dx, *, order: int = 2, boundary="periodic", bc_value=0.0) -> Tensor:
    """``∇·v`` of a vector field ``[B, ndim, *grid]``: ``[B, 1, *grid]``."""
    ndim = v.ndim - 2
    if v.shape[1] != ndim:
        raise ValueError(f"divergence expects {ndim} channels (one per axis), got {v.shape[1]}.")
    dxs, bcs, vals = (
        _per_axis(dx, ndim, "dx"),
        _per_axis(boundary, ndim, "boundary"),
        _per_axis(bc_value, ndim, "bc_value"),
    )
    return sum(
        derivative(v[:, a : a + 1], a, dxs[a], order=order, boundary=bcs[a], bc_value=vals[a]) for a in range(ndim)
    )  # type: ignore[return-value]


def curl(v: Tensor, dx, *, order: int = 2, boundary="periodic") -> Tensor:
    """Curl: 2-D ``[B, 2, nx, ny]`` → ``[B, 1, ...]`` (``∂v_y/∂x − ∂v_x/∂y``); 3-D ``[B, 3, ...]`` → ``[B, 3, ...]``."""
    ndim = v.ndim - 2
    dxs, bcs = _per_axis(dx, ndim, "dx"), _per_axis(boundary, ndim, "boundary")
    d = lambda c, a: derivative(v[:, c : c + 1], a, dxs[a], order=order, boundary=bcs[a])
    if ndim == 2 and v.shape[1] == 2:
        return d(1, 0) - d(0, 1)
    if ndim == 3 and v.shape[1] == 3:
        return torch.cat([d(2, 1) - d(1, 2), d(0, 2) - d(2, 0), d(1, 0) - d(0, 1)], 1)
    raise ValueError(f"curl needs a 2-D field with 2 channels or a 3-D field with 3, got shape {tuple(v.shape)}.")


def laplacian(u: Tensor, dx, *, order: int = 2, boundary="periodic", bc_value=0.0) -> Tensor:
    """``Δu`` per channel: same shape as ``u``."""
    ndim = u.ndim - 2
    dxs, bcs, vals = (
        _per_axis(dx, ndim, "dx"),
        _per_axis(boundary, ndim, "boundary"),
        _per_axis(bc_value, ndim, "bc_value"),
    )
    return sum(derivative(u, a, dxs[a], order=order, n=2, boundary=bcs[a], bc_value=vals[a]) for a in range(ndim))  # type: ignore[return-value]
