"""Bloch-periodic boundaries: the modes of a Bloch wavevector against the Yee scheme's exact discrete dispersion."""

import math

import numpy as np
import pytest
import torch

from physics.maxwell import C0, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import Probe, YeeGrid, coefficients, harmonic_inversion, init_state, run
from solvers.fdtd.tfsf import TFSFPlaneWave

DX = 1e-3


def _yee_frequency(k_vectors, dx, dt):
    """The discrete dispersion of the Yee scheme in vacuum: sin²(ωΔt/2)/(cΔt)² = Σ_a sin²(k_aΔx/2)/Δx²."""
    s = math.sqrt(sum(math.sin(k * dx / 2) ** 2 for k in k_vectors)) * C0 * dt / dx
    return 2 / dt * math.asin(s) / (2 * math.pi)


def _modes(grid, source_at, probe_at, f_lo, f_hi, steps=6000, start=400):
    co = coefficients(grid, Materials(), dtype=torch.float64)
    f0 = 0.5 * (f_lo + f_hi)
    out = run(co, steps, [PointSource(source_at, ModulatedGaussian(f0, f_hi - f_lo), "ez")], [Probe(probe_at, "ez")])
    assert out.probes["probe"].dtype == torch.complex128  # Bloch fields are complex
    modes = harmonic_inversion(out.probes["probe"].numpy(), grid.time_step, f_lo, f_hi, start=start)
    strongest = max(abs(m.amplitude) for m in modes)
    return [m.frequency for m in modes if abs(m.amplitude) > 1e-3 * strongest]  # drop fits of the noise (~1e-4)


@pytest.mark.parametrize("k_fraction", [0.1, 0.25, 0.4])
def test_one_dimensional_bloch_modes_follow_the_discrete_dispersion(k_fraction):
    """A 40-cell periodic line with e^{ikL} across it holds the modes k + 2πm/L; each found frequency matches the
    discrete dispersion of its wavevector (measured within 1.2e-6, and 7.5e-6 for the slow lowest mode at k = 0.1)."""
    n = 40
    length = n * DX
    k = k_fraction * 2 * math.pi / length
    grid = YeeGrid((n, 1, 1), DX, ("periodic",) * 3, bloch=(k, 0.0, 0.0))
    f_ref = C0 / length
    found = _modes(grid, (7, 0, 0), (23, 0, 0), 0.05 * f_ref, 3 * f_ref)
    expected = [_yee_frequency([k + 2 * math.pi * m / length], DX, grid.time_step) for m in range(-3, 4)]
    expected = [f for f in expected if 0.05 * f_ref < f < 3 * f_ref]
    assert len(found) >= len(expected) - 1
    for f in found:
        assert min(abs(f / e - 1) for e in expected) < 3e-5
    lowest = _yee_frequency([k], DX, grid.time_step)  # m = 0: the mode a real periodic run cannot hold alone
    assert min(abs(f / lowest - 1) for f in found) < 3e-5


def test_two_dimensional_bloch_wavevector_off_axis():
    """Both axes Bloch-periodic with (k_x, k_y) = (0.3, 0.15)·2π/L: the lowest modes against the 2-D discrete
    dispersion of k + G for the reciprocal vectors G (7 modes, measured within 3.3e-7)."""
    n = 24
    length = n * DX
    kx, ky = 0.3 * 2 * math.pi / length, 0.15 * 2 * math.pi / length
    grid = YeeGrid((n, n, 1), DX, ("periodic",) * 3, bloch=(kx, ky, 0.0))
    f_ref = C0 / length
    found = _modes(grid, (5, 3, 0), (17, 13, 0), 0.1 * f_ref, 1.5 * f_ref, steps=5000)
    g = 2 * math.pi / length
    expected = [
        _yee_frequency([kx + p * g, ky + q * g], DX, grid.time_step) for p in range(-2, 3) for q in range(-2, 3)
    ]
    assert found, "no modes found"
    for f in found:
        assert min(abs(f / e - 1) for e in expected) < 1e-5
    assert min(abs(f / _yee_frequency([kx, ky], DX, grid.time_step) - 1) for f in found) < 1e-5


def test_zero_bloch_vector_is_the_plain_periodic_grid():
    """bloch = 0 keeps real fields, and a tiny k gives the periodic run's field to first order."""
    n = 30
    plain = YeeGrid((n, n, 1), DX, ("periodic",) * 3)
    assert not plain.is_bloch and init_state(coefficients(plain, Materials())).fields["ez"].dtype == torch.float32
    bloch = YeeGrid((n, n, 1), DX, ("periodic",) * 3, bloch=(1e-9, 0.0, 0.0))
    src = [PointSource((10, 12, 0), ModulatedGaussian(C0 / (10 * DX), C0 / (10 * DX)), "ez")]
    a = run(coefficients(plain, Materials(), dtype=torch.float64), 200, src).state.fields["ez"]
    b = run(coefficients(bloch, Materials(), dtype=torch.float64), 200, src).state.fields["ez"]
    assert b.dtype == torch.complex128
    np.testing.assert_allclose(b.real.numpy(), a.numpy(), atol=1e-12 * float(a.abs().max()))
    assert float(b.imag.abs().max()) < 1e-6 * float(a.abs().max())


def test_bloch_input_errors_name_the_fix():
    with pytest.raises(ValueError, match="periodic axis"):
        YeeGrid((40, 40, 1), DX, ("pml", "periodic", "periodic"), bloch=(1.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="periodic axis"):
        YeeGrid((40, 40, 1), DX, ("periodic",) * 3, bloch=(0.0, 0.0, 5.0))  # the singleton z axis
    with pytest.raises(ValueError, match="finite"):
        YeeGrid((40, 40, 1), DX, ("periodic",) * 3, bloch=(float("nan"), 0.0, 0.0))
    grid = YeeGrid((40, 40, 1), DX, ("periodic", "pml", "periodic"), bloch=(10.0, 0.0, 0.0))
    wave = TFSFPlaneWave.__new__(TFSFPlaneWave)  # any TFSF source is refused before it is looked at
    with pytest.raises(ValueError, match="TFSF"):
        run(coefficients(grid, Materials()), 1, [wave])
