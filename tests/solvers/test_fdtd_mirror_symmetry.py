"""Mirror planes: the half (or quarter) domain reproduces the symmetric full-domain run exactly."""

import pytest
import torch

from physics.maxwell import C0, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import YeeGrid, coefficients, run

DX = 1e-3
PROFILE = ModulatedGaussian(C0 / (15 * DX), C0 / (15 * DX))
NEGATIVE = ModulatedGaussian(C0 / (15 * DX), C0 / (15 * DX), amplitude=-1.0)


def _fields(grid, sources, steps=300):
    return run(coefficients(grid, Materials(), dtype=torch.float64), steps, sources).state.fields


@pytest.mark.parametrize("phase", [1, -1])
def test_half_domain_with_a_mirror_equals_the_symmetric_full_run(float64, phase):
    """2-D, Ez polarisation, CPML all round: an Ez source on the plane (even, PMC mirror) or an antisymmetric pair
    (odd, PEC mirror) in the full grid, against one source in the half grid; fields agree to round-off (measured:
    bit for bit)."""
    c, ny = 40, 60
    full = YeeGrid((2 * c, ny, 1), DX, ("pml", "pml", "periodic"), pml_cells=10)
    half = YeeGrid((c, ny, 1), DX, ("pml", "pml", "periodic"), pml_cells=10, mirror=(phase, 0, 0))
    if phase == 1:
        a = _fields(full, [PointSource((c, 25, 0), PROFILE, "ez")])
        b = _fields(half, [PointSource((0, 25, 0), PROFILE, "ez")])
    else:
        a = _fields(full, [PointSource((c + 3, 25, 0), PROFILE, "ez"), PointSource((c - 3, 25, 0), NEGATIVE, "ez")])
        b = _fields(half, [PointSource((3, 25, 0), PROFILE, "ez")])
    for comp in ("ez", "hx", "hy"):
        scale = float(a[comp].abs().max())
        assert scale > 0 and float((a[comp][c:] - b[comp]).abs().max()) <= 1e-13 * scale, comp


def test_quarter_domain_of_a_3d_dipole_with_two_mirrors(float64):
    """A z dipole at the centre of a 3-D box is even in x and y (Ez tangential to both planes): the quarter grid with
    mirror = (+1, +1, 0) holds the same fields as the full run, with a quarter of the cells."""
    c, nz = 20, 30
    full = YeeGrid((2 * c, 2 * c, nz), DX, pml_cells=8)
    quarter = YeeGrid((c, c, nz), DX, pml_cells=8, mirror=(1, 1, 0))
    a = _fields(full, [PointSource((c, c, 15), PROFILE, "ez")], steps=120)
    b = _fields(quarter, [PointSource((0, 0, 15), PROFILE, "ez")], steps=120)
    for comp in ("ex", "ey", "ez", "hx", "hy", "hz"):
        scale = float(a[comp].abs().max())
        assert scale > 0 and float((a[comp][c:, c:] - b[comp]).abs().max()) <= 1e-12 * scale, comp
    assert quarter.cells * 4 == full.cells


def test_mirror_input_errors_name_the_fix():
    with pytest.raises(ValueError, match="non-periodic axis"):
        YeeGrid((40, 40, 1), DX, ("periodic", "pml", "periodic"), mirror=(1, 0, 0))
    with pytest.raises(ValueError, match="non-periodic axis"):
        YeeGrid((40, 40, 1), DX, ("pml", "pml", "periodic"), mirror=(0, 0, -1))  # the singleton z axis
    with pytest.raises(ValueError, match="three of -1, 0, \\+1"):
        YeeGrid((40, 40, 1), DX, ("pml", "pml", "periodic"), mirror=(2, 0, 0))
