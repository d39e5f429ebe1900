"""Which Navier–Stokes coefficients do gridded velocity and pressure data obey? A least-squares check.

For the cylinder-wake inverse problem (Raissi, Perdikaris & Karniadakis 2019, §4.2.1) a PINN identifies ``λ₁`` and
``λ₂`` in

    u_t + p_x = −λ₁ (u u_x + v u_y) + λ₂ (u_xx + u_yy)
    v_t + p_y = −λ₁ (u v_x + v v_y) + λ₂ (v_xx + v_yy)

from samples of ``u, v``. Before blaming the PINN for a wrong ``λ₂``, check that the data obey the equations with
the ``ν`` they were made with. :func:`fit_coefficients` differentiates the snapshots with fourth-order central
differences (:func:`sciml.fields.derivative`) in ``t``, ``x`` and ``y`` and solves the two equations above,
stacked over every interior point, for ``(λ₁, λ₂)`` by linear least squares (in the spirit of Rudy et al. 2017's
PDE-FIND, with a fixed library of two terms). The pressure is needed here, though the PINN never sees it.

Fields are ``[nt, nx, ny]`` on uniform axes ``t [nt]``, ``x [nx]``, ``y [ny]`` (at least 5 points each).
"""

from __future__ import annotations

import os

import numpy as np
import torch

from sciml.fields import derivative


def _central(f: torch.Tensor, h: float, axis: int, n: int) -> np.ndarray:
    """``∂ⁿf/∂axisⁿ`` by sciml's fourth-order central stencil on the points at least 2 from every edge.

    The stencil wraps at the edges (``boundary="periodic"``); the cropped points never read a wrapped value.
    """
    d = derivative(f, axis, h, order=4, n=n, boundary="periodic")
    return d[0, 0, 2:-2, 2:-2, 2:-2].numpy()


def _spacing(name: str, axis: np.ndarray) -> float:
    axis = np.asarray(axis, dtype=np.float64)
    steps = np.diff(axis)
    if len(axis) < 5 or not np.allclose(steps, steps[0], rtol=1e-4, atol=0) or steps[0] <= 0:
        raise ValueError(
            f"axis {name} must be increasing, uniform and at least 5 points long for the 5-point stencils; "
            f"got {len(axis)} points with steps from {steps.min() if len(steps) else 'n/a'} to "
            f"{steps.max() if len(steps) else 'n/a'}."
        )
    return float(steps[0])


def fit_coefficients(u, v, p, t, x, y, x_min: float | None = None) -> dict:
    """Least-squares ``λ₁, λ₂`` of the momentum equations (module doc) from ``[nt, nx, ny]`` fields.

    ``x_min`` keeps only points with ``x >= x_min`` (e.g. away from a body). Returns ``lambda1``, ``lambda2``,
    ``lambda2_given_lambda1`` (``λ₂`` with ``λ₁`` held at 1), ``points`` (equations used, both components) and
    ``relative_residual`` (``‖A λ − b‖ / ‖b‖``).
    """
    u, v, p = (np.asarray(f, dtype=np.float64) for f in (u, v, p))
    dt, dx, dy = _spacing("t", t), _spacing("x", x), _spacing("y", y)
    shape = (len(t), len(x), len(y))
    for name, f in (("u", u), ("v", v), ("p", p)):
        if f.shape != shape:
            raise ValueError(f"field {name} has shape {f.shape}; expected [nt, nx, ny] = {list(shape)}.")

    def derivatives(f):
        g = torch.from_numpy(f)[None, None]  # [1, 1, nt, nx, ny]
        return {
            "t": _central(g, dt, 0, 1),
            "x": _central(g, dx, 1, 1),
            "y": _central(g, dy, 2, 1),
            "lap": _central(g, dx, 1, 2) + _central(g, dy, 2, 2),
            "f": f[2:-2, 2:-2, 2:-2],
        }

    du, dv, dp = derivatives(u), derivatives(v), derivatives(p)
    keep = np.ones(du["f"].shape, dtype=bool)
    if x_min is not None:
        keep &= (np.asarray(x)[2:-2] >= x_min)[None, :, None]
    if not keep.any():
        raise ValueError(f"no interior point has x >= x_min = {x_min}; the x axis spans {x[0]} to {x[-1]}.")
    columns, rhs = [], []
    for d, pressure_gradient in ((du, dp["x"]), (dv, dp["y"])):
        advection = du["f"] * d["x"] + dv["f"] * d["y"]
        columns.append(np.stack([-advection[keep], d["lap"][keep]], axis=1))
        rhs.append((d["t"] + pressure_gradient)[keep])
    a, b = np.concatenate(columns), np.concatenate(rhs)
    lam, *_ = np.linalg.lstsq(a, b, rcond=None)
    return {
        "lambda1": float(lam[0]),
        "lambda2": float(lam[1]),
        "lambda2_given_lambda1": float(a[:, 1] @ (b - a[:, 0]) / (a[:, 1] @ a[:, 1])),
        "points": int(len(b)),
        "relative_residual": float(np.linalg.norm(a @ lam - b) / np.linalg.norm(b)),
    }


def fit_wake_coefficients(path: str | os.PathLike, x_min: float | None = None) -> dict:
    """:func:`fit_coefficients` on a snapshot file of :func:`~solvers.grid.navier_stokes.wake_data.wake_snapshots`,
    with the file's ``nu`` added as ``nu`` for comparison."""
    from solvers.grid.navier_stokes.wake_data import read_wake

    w = read_wake(path)
    fit = fit_coefficients(w["u"], w["v"], w["p"], w["t"], w["x"], w["y"], x_min=x_min)
    return {**fit, "nu": float(w["attrs"]["nu"])}
