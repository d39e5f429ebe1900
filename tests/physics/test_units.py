"""Unit systems against CODATA (scipy.constants)."""

import math

import pytest


def test_unit_systems_match_codata():
    from scipy import constants as c

    from physics.forcefields import METAL, REAL, unit_system

    amu = c.physical_constants["atomic mass constant"][0]
    assert METAL.time_unit_fs == pytest.approx(math.sqrt(amu * 1e-20 / c.e) / 1e-15, rel=1e-9)
    assert REAL.time_unit_fs == pytest.approx(math.sqrt(1e-3 / c.N_A * 1e-20 / (4184 / c.N_A)) / 1e-15, rel=1e-9)
    coulomb = c.e**2 / (4 * math.pi * c.epsilon_0) / 1e-10  # J·Å per e²
    assert METAL.ke == pytest.approx(coulomb / c.e, rel=1e-9)
    assert REAL.ke == pytest.approx(coulomb * c.N_A / 4184, rel=1e-9)
    assert METAL.kT(300) == pytest.approx(c.k * 300 / c.e, rel=1e-9)
    assert REAL.time(2.0) == pytest.approx(2.0 / REAL.time_unit_fs)
    md = unit_system("md")  # nm, kJ/mol, g/mol: OpenMM's units
    assert md.time_unit_fs == pytest.approx(math.sqrt(1e-3 / c.N_A * 1e-18 / (1e3 / c.N_A)) / 1e-15, rel=1e-9)
    assert md.ke == pytest.approx(coulomb / 10 * c.N_A / 1e3, rel=1e-9)  # J·Å → kJ·nm per mole
    assert md.kT(300) == pytest.approx(c.k * c.N_A * 300 / 1e3, rel=1e-9)
    with pytest.raises(ValueError, match="metal"):
        unit_system("si")
