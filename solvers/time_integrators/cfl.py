"""Courant–Friedrichs–Lewy checks that warn and name the remedy."""

from __future__ import annotations

import logging
import warnings

log = logging.getLogger("sciml.cfl")


class CFLWarning(UserWarning):
    """The time step exceeds the stability limit of the chosen scheme."""


def courant_number(speed: float, dx: float, dt: float, *, diffusivity: float = 0.0, ndim: int = 1) -> float:
    """``C = max(|a| dt / dx, 2 ndim ν dt / dx²)``: the advective and diffusive Courant numbers."""
    if dx <= 0 or dt <= 0:
        raise ValueError(f"dx and dt must be positive, got dx={dx}, dt={dt}.")
    return max(abs(speed) * dt / dx, 2 * ndim * diffusivity * dt / dx**2)


def check_cfl(
    speed: float,
    dx: float,
    dt: float,
    *,
    limit: float = 1.0,
    diffusivity: float = 0.0,
    ndim: int = 1,
    scheme: str = "the explicit scheme",
) -> float:
    """Return the Courant number and warn (:class:`CFLWarning`) when it exceeds ``limit``."""
    c = courant_number(speed, dx, dt, diffusivity=diffusivity, ndim=ndim)
    if c > limit:
        warnings.warn(
            f"CFL = {c:.3g} > {limit:g} for {scheme}: reduce dt to at most {dt * limit / c:.3g} "
            "(or take more substeps), or use an implicit/exponential scheme.",
            CFLWarning,
            stacklevel=2,
        )
    return c
