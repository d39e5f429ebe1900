"""Unit systems for MD: reduced Lennard-Jones units and two real ones (LAMMPS's ``metal`` and ``real``).

Every engine routine works in one consistent set (length, energy, mass → a derived time unit), so
``F = m a`` holds without conversion factors. A :class:`UnitSystem` says what those units are:

    system  length  energy     mass    time unit                      k_B                 k_e (Coulomb)
    lj      σ       ε          m       τ = σ √(m/ε)                   1                   1
    metal   Å       eV         amu     √(amu Å²/eV) = 10.180506 fs    8.617333e-5 eV/K    14.399645 eV Å/e²
    real    Å       kcal/mol   g/mol   √(g Å²/kcal) = 48.888213 fs    1.9872043e-3 kcal/mol/K  332.06371 kcal Å/mol/e²
    md      nm      kJ/mol     g/mol   √(g nm²/kJ) = 1 ps             8.3144626e-3 kJ/mol/K    138.93546 kJ nm/mol/e²

``md`` is the set of OpenMM and GROMACS, used by the biomolecular force fields.

(CODATA 2018 constants; the tests recompute the time units and k_e from ``scipy.constants``.)
Use ``units.time(2.0)`` for a 2 fs step, ``units.kT(300)`` for k_B·300 K, and ``units.ke`` for Coulomb.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UnitSystem:
    """A consistent set of units: names, ``kB`` (energy per kelvin), Coulomb's ``ke`` and the time unit in fs."""

    name: str
    length: str
    energy: str
    mass: str
    time_unit_fs: float | None  # one internal time unit in femtoseconds (None: reduced units)
    kB: float  # Boltzmann constant in energy/K (1 in reduced units: temperatures are kT)
    ke: float  # Coulomb constant, energy · length / e²

    def time(self, fs: float) -> float:
        """``fs`` femtoseconds in internal time units."""
        if self.time_unit_fs is None:
            raise ValueError("reduced LJ units have no femtoseconds; give times in τ directly.")
        return fs / self.time_unit_fs

    def kT(self, kelvin: float) -> float:
        """``k_B T`` in energy units for a temperature in kelvin (reduced units: the number itself)."""
        return self.kB * kelvin


LJ = UnitSystem("lj", "σ", "ε", "m", None, 1.0, 1.0)
METAL = UnitSystem("metal", "Å", "eV", "amu", 10.180505717871192, 8.617333262145179e-05, 14.399645468667813)
REAL = UnitSystem("real", "Å", "kcal/mol", "g/mol", 48.888212908396156, 0.0019872042586408316, 332.06371307417066)
MD = UnitSystem("md", "nm", "kJ/mol", "g/mol", 1000.0, 0.00831446261815324, 138.93545755023302)
UNITS = {u.name: u for u in (LJ, METAL, REAL, MD)}


def unit_system(name: str) -> UnitSystem:
    """``"lj"``, ``"metal"``, ``"real"`` or ``"md"``."""
    if name not in UNITS:
        raise ValueError(f"unknown unit system {name!r}; choose one of {sorted(UNITS)}.")
    return UNITS[name]
