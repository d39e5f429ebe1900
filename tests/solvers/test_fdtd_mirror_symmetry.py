"""Mirror planes: the half (or quarter) domain reproduces the symmetric full-domain run exactly."""

import math

import pytest
import torch

from physics.maxwell import C0, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import YeeGrid, coefficients, run
from solvers.fdtd.near_to_far import NearToFarBox
from solvers.fdtd.near_to_far_3d import NearToFarBox3D, sphere_quadrature

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


def _dft(grid, sources, monitor, steps):
    return run(coefficients(grid, Materials(), dtype=torch.float64), steps, sources, [monitor]).dft[monitor.name]


HZ_PROFILE = ModulatedGaussian(C0 / (15 * DX), C0 / (15 * DX), amplitude=-1.0)


@pytest.mark.parametrize("pol, phase", [("ez", 1), ("ez", -1), ("hz", -1), ("hz", 1)])
def test_far_field_of_a_box_on_a_mirror_plane_equals_the_full_runs(float64, pol, phase):
    """A box that starts on the mirror plane (lo = 0 along x) is closed by its image: the far field of the half run
    equals the full run's with the symmetric box, for both polarisations and parities (measured: 1e-16)."""
    c, ny, hx = 40, 80, 15
    full = YeeGrid((2 * c, ny, 1), DX, ("pml", "pml", "periodic"), pml_cells=10)
    half = YeeGrid((c, ny, 1), DX, ("pml", "pml", "periodic"), pml_cells=10, mirror=(phase, 0, 0))
    if pol == "ez":  # Ez is tangential to the plane: even for +1 (one source on it), odd for −1 (a ± pair)
        pairs = [((c, 40, 0), PROFILE)] if phase == 1 else [((c + 3, 40, 0), PROFILE), ((c - 3, 40, 0), NEGATIVE)]
        own = [((0, 40, 0), PROFILE)] if phase == 1 else [((3, 40, 0), PROFILE)]
    else:  # Hz (at i + ½) is tangential H: even for −1; index c + 2 (at c + 2.5) mirrors index c − 3 (c − 2.5)
        partner = PROFILE if phase == -1 else HZ_PROFILE
        pairs, own = [((c + 2, 40, 0), PROFILE), ((c - 3, 40, 0), partner)], [((2, 40, 0), PROFILE)]
    box_full = NearToFarBox((c - hx, 20), (c + hx, 60), pol)
    box_half = NearToFarBox((0, 20), (hx, 60), pol)
    freqs, angles = [C0 / (15 * DX)], torch.linspace(0, 2 * math.pi, 72, dtype=torch.float64)[:-1]
    a = box_full.far_field(
        _dft(full, [PointSource(p, f, pol) for p, f in pairs], box_full.monitor(freqs), 300), full, freqs, angles
    )
    b = box_half.far_field(
        _dft(half, [PointSource(p, f, pol) for p, f in own], box_half.monitor(freqs), 300), half, freqs, angles
    )
    scale = float(a.abs().max())
    assert scale > 0 and float((a - b).abs().max()) <= 1e-9 * scale


def test_far_field_of_a_3d_dipole_from_a_quarter_box():
    """The z dipole of the quarter grid (mirror = (+1, +1, 0)): a box on both planes gives the full run's far field
    and surface flux."""
    c, nz, h = 14, 28, 6
    full = YeeGrid((2 * c, 2 * c, nz), DX, pml_cells=6)
    quarter = YeeGrid((c, c, nz), DX, pml_cells=6, mirror=(1, 1, 0))
    box_full = NearToFarBox3D((c - h, c - h, 8), (c + h, c + h, 20))
    box_quarter = NearToFarBox3D((0, 0, 8), (h, h, 20))
    freqs = [C0 / (15 * DX)]
    dft_full = _dft(full, [PointSource((c, c, 14), PROFILE, "ez")], box_full.monitor(freqs), 120)
    dft_quarter = _dft(quarter, [PointSource((0, 0, 14), PROFILE, "ez")], box_quarter.monitor(freqs), 120)
    directions, _, _, _ = sphere_quadrature(6, 12)
    a = box_full.far_field(dft_full, full, freqs, directions)
    b = box_quarter.far_field(dft_quarter, quarter, freqs, directions)
    assert float(a.abs().max()) > 0 and float((a - b).abs().max()) <= 1e-9 * float(a.abs().max())
    flux_full, flux_quarter = box_full.surface_flux(dft_full, full), box_quarter.surface_flux(dft_quarter, quarter)
    assert torch.allclose(flux_quarter, flux_full, rtol=1e-9)


def test_a_far_field_box_on_a_mirrored_axis_must_start_on_the_plane():
    half = YeeGrid((40, 60, 1), DX, ("pml", "pml", "periodic"), pml_cells=10, mirror=(1, 0, 0))
    with pytest.raises(ValueError, match="must start on the plane"):
        NearToFarBox((5, 20), (15, 40)).check(half)
    NearToFarBox((0, 20), (15, 40)).check(half)
