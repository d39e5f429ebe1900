"""SI constants for Maxwell's equations and Meep-style normalised units.

The FDTD solver works in SI (metres, seconds, F/m, H/m, S/m). Normalised units pick a length
``a``: then ``c = 1``, time is measured in ``a / c`` and frequency in ``c / a`` (Meep's convention).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

C0 = 299_792_458.0  # speed of light in vacuum, m/s
MU0 = 1.25663706212e-6  # vacuum permeability, H/m (CODATA 2018)
EPS0 = 1.0 / (MU0 * C0**2)  # vacuum permittivity, F/m
ETA0 = math.sqrt(MU0 / EPS0)  # impedance of free space, ohm (about 376.73)


@dataclass(frozen=True)
class NormalizedUnits:
    """Conversions for a length unit ``a`` (metres): ``c = 1``, ``t`` in ``a/c``, ``f`` in ``c/a``."""

    a: float = 1.0

    def __post_init__(self):
        if not self.a > 0:
            raise ValueError(f"the length unit a must be positive (metres), got {self.a}.")

    def length_si(self, x: float) -> float:
        """Metres for a length ``x`` in units of ``a``."""
        return x * self.a

    def time_si(self, t: float) -> float:
        """Seconds for a time ``t`` in units of ``a/c₀``."""
        return t * self.a / C0

    def frequency_si(self, f: float) -> float:
        """Hertz for a frequency ``f`` in units of ``c₀/a``."""
        return f * C0 / self.a

    def frequency_normalized(self, f_si: float) -> float:
        """A frequency in hertz in units of ``c₀/a``."""
        return f_si * self.a / C0
