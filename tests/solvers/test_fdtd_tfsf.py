"""TFSF plane waves in 2-D: the scattered-field region stays dark without a scatterer (to round-off along an
axis, below −54 dB at 30° with matched dispersion), and a PEC cylinder scatters as the analytic Bessel series."""

import math

import numpy as np
import pytest
import torch

from physics.maxwell import C0, Materials, ModulatedGaussian
from solvers.fdtd import DFTMonitor, Snapshots, YeeGrid, coefficients, run
from solvers.fdtd.tfsf import tfsf_plane_wave


def _leakage(pol, angle, cells_per_wavelength, bandwidth, steps):
    dx = 1e-3
    g = YeeGrid((160, 140, 1), dx, ("pml", "pml", "periodic"), pml_cells=15)
    f0 = C0 / (cells_per_wavelength * dx)
    src = tfsf_plane_wave(
        g, ((40, 120), (40, 100)), angle, ModulatedGaussian(f0, bandwidth * f0), pol, dtype=torch.float64
    )
    comp = "ez" if pol == "tm" else "hz"
    snaps = run(coefficients(g, Materials(), dtype=torch.float64), steps, [src], [Snapshots(10, (comp,))])
    S = snaps.snapshots["snapshots"][comp][..., 0].abs()
    inside = float(S[:, 45:116, 45:96].max())
    S[:, 37:124, 37:104] = 0  # what remains is the scattered-field region (2 cells clear of the faces)
    return float(S.max()) / inside


@pytest.mark.parametrize("pol", ["tm", "te"])
def test_scattered_field_region_stays_dark(float64, pol):
    for angle in (0.0, 90.0):  # 1-D nodes coincide with the grid's: cancellation to round-off
        assert _leakage(pol, angle, 20, 0.5, 400) < 1e-12
    assert _leakage(pol, 30.0, 40, 0.15, 1000) < 2e-3  # matched numerical dispersion: −54 dB (0.68 % at 20 cells)


def test_pec_cylinder_scattering_matches_the_bessel_series(float64):
    from scipy.special import hankel2, jv

    n, a, lam, c = 160, 10.0, 32, 80
    g = YeeGrid((n, n, 1), 1e-3, ("pml", "pml", "periodic"), pml_cells=15)
    f0 = C0 / (lam * g.dx)
    src = tfsf_plane_wave(g, ((30, 130), (30, 130)), 0.0, ModulatedGaussian(f0, 0.3 * f0), "tm", dtype=torch.float64)
    ii, jj = torch.meshgrid(torch.arange(n, dtype=torch.float64), torch.arange(n, dtype=torch.float64), indexing="ij")
    pec = (((ii - c) ** 2 + (jj - c) ** 2) <= a * a).unsqueeze(-1)  # Ez nodes within the radius
    mon = DFTMonitor((f0,), ("ez",), (slice(None), slice(None), 0), "all")
    inc = run(coefficients(g, Materials(), dtype=torch.float64), 1100, [src], [mon]).dft["all"]["ez"][0]
    tot = run(coefficients(g, Materials(pec=pec), dtype=torch.float64), 1100, [src], [mon]).dft["all"]["ez"][0]
    e0 = complex(inc[c, c])
    k, orders = 2 * math.pi / lam, np.arange(-40, 41)
    for i, j in ((138, c), (22, c), (c, 138), (c, 22)):  # forward, back and sideways, in the scattered-field region
        r, phi = math.hypot(i - c, j - c), math.atan2(j - c, i - c)
        exact = -np.sum(
            1j ** (-orders)
            * jv(orders, k * a)
            / hankel2(orders, k * a)
            * hankel2(orders, k * r)
            * np.exp(1j * orders * phi)
        )
        # staircased circle (O(Δx/a) geometry error): within 10 % in magnitude
        assert abs(abs(complex(tot[i, j]) / e0) / abs(exact) - 1) < 0.10, (
            i,
            j,
            abs(complex(tot[i, j]) / e0),
            abs(exact),
        )


def test_tfsf_box_must_avoid_the_cpml():
    g = YeeGrid((100, 100, 1), 1e-3, ("pml", "pml", "periodic"), pml_cells=15)
    with pytest.raises(ValueError, match="CPML"):
        tfsf_plane_wave(g, ((10, 60), (30, 60)), 0.0, ModulatedGaussian(1e10, 5e9))
    with pytest.raises(ValueError, match="2-D"):
        tfsf_plane_wave(YeeGrid((40, 40, 40), 1e-3), ((15, 25), (15, 25)), 0.0, ModulatedGaussian(1e10, 5e9))
