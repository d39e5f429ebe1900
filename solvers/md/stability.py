"""Guards that stop a simulation that has blown up, and a warning for a time step far above the stable one.

A run that ends at a temperature of 10³⁹ is not a result: :func:`check_stability` raises
:class:`SimulationBlowUp` (naming the step, the temperature and the energy drift) when the
temperature leaves ``[0, max_temperature]`` or, without a thermostat, when the total energy has
drifted by more than ``max_drift`` times the initial kinetic energy. :func:`check_time_step` warns
when ``dt`` exceeds 1/20 of the fastest oscillation period (velocity Verlet is stable up to
``dt < T/π`` but loses energy conservation long before; MD practice keeps ``dt ≲ T/20``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass


class SimulationBlowUp(FloatingPointError):
    """Temperature or energy left its sane band; the message names the step and what to change."""


class TimeStepWarning(UserWarning):
    """``dt`` is far above the stable step for the potential."""


@dataclass(frozen=True)
class StabilityLimits:
    """``max_temperature`` in energy units (``k_B T``); ``max_drift``: allowed ``|E − E₀|`` in units of the initial
    kinetic energy (``None`` with a thermostat, which does not conserve ``E``)."""

    max_temperature: float
    max_drift: float | None = None


def check_stability(
    step: int,
    kT: float,
    total_energy: float,
    initial_total: float,
    initial_kinetic: float,
    limits: StabilityLimits,
    hint: str = "reduce dt",
) -> None:
    """Raise :class:`SimulationBlowUp` if the temperature ``kT`` or the drift of ``total_energy`` is out of bounds."""
    drift = abs(total_energy - initial_total) / max(abs(initial_kinetic), 1e-300)
    if not (math.isfinite(kT) and 0 <= kT <= limits.max_temperature):
        raise SimulationBlowUp(
            f"the simulation blew up at step {step}: temperature kT = {kT:.4g} left [0, "
            f"{limits.max_temperature:.4g}] (energy drift {drift:.3g} × the initial kinetic energy). "
            f"The last good frame is kept; {hint}."
        )
    if limits.max_drift is not None and not drift <= limits.max_drift:
        raise SimulationBlowUp(
            f"the simulation blew up at step {step}: the total energy drifted by {drift:.3g} × the "
            f"initial kinetic energy (limit {limits.max_drift:g}) at kT = {kT:.4g}. The last good "
            f"frame is kept; {hint}."
        )


def lennard_jones_period(sigma: float = 1.0, epsilon: float = 1.0, mass: float = 1.0) -> float:
    """Period ``2π √(μ/k)`` of a pair oscillating in the LJ well: ``k = U''(2^{1/6}σ) = 36·2^{2/3} ε/σ²``,
    ``μ = m/2``."""
    k = 36 * 2 ** (2 / 3) * epsilon / sigma**2
    return 2 * math.pi * math.sqrt(0.5 * mass / k)


def check_time_step(dt: float, period: float, what: str) -> None:
    """Warn (:class:`TimeStepWarning`) when ``dt > period / 20``."""
    if dt > period / 20:
        warnings.warn(
            f"dt = {dt:g} is far above the stable step for {what}: its fastest oscillation has period "
            f"{period:.3g}, and MD keeps dt <= period/20 = {period / 20:.3g} (energy is lost long before "
            "Verlet's stability limit period/π).",
            TimeStepWarning,
            stacklevel=2,
        )


__all__ = [
    "SimulationBlowUp",
    "TimeStepWarning",
    "StabilityLimits",
    "check_stability",
    "lennard_jones_period",
    "check_time_step",
]
