"""The public oblique-incidence helper: FDTD reflectance and transmittance of a two-layer stack vs transfer matrices."""

import math

import numpy as np
import pytest

from physics.maxwell.thin_films import thin_film_rt
from solvers.fdtd import YeeGrid
from solvers.fdtd.layered_stack import oblique_stack_response
from solvers.fdtd.periodic_response import bloch_line_source, periodic_response


def test_two_layer_stack_at_oblique_incidence_matches_transfer_matrices(float64):
    dx, scale = 1e-3, 1.5
    lams = np.array([50.0, 55.0, 60.0]) * scale * dx  # P = 150 cells: θ = 30°, 33.4°, 36.9°
    layers, thick = [2.0, 1.4], [20 * dx, 35 * dx]
    out = oblique_stack_response(layers, thick, lams, 100 * scale * dx, dx, "s", n_out=1.5)
    exact = [thin_film_rt(layers, thick, lam, th, "s", 1.0, 1.5) for lam, th in zip(lams, out["angle"])]
    R, T = np.array([e[0][0] for e in exact]), np.array([e[1][0] for e in exact])
    assert np.abs(out["R"] - R).max() < 2e-3, (out["R"], R)  # measured 6.7e-4 (37 cells per wavelength in n = 2)
    assert np.abs(out["T"] - T).max() < 2e-3, (out["T"], T)  # measured 7.8e-4
    assert np.abs(out["R"] + out["T"] - 1).max() < 5e-4  # measured 8.5e-5


@pytest.mark.parametrize("pol", ["s", "p"])
def test_bloch_plane_wave_on_a_stack_matches_transfer_matrices(float64, pol):
    """One plane wave of fixed k_x on a two-cell Bloch grid (θ = 30° at the middle wavelength, 27.0°–33.4° across
    the band): R and T against the transfer matrices, and R + T = 1."""
    dx, scale = 1e-3, 1.5
    lams = np.array([50.0, 55.0, 60.0]) * scale * dx
    k_parallel = 2 * math.pi * math.sin(math.radians(30.0)) / lams[1]
    layers, thick = [2.0, 1.4], [20 * dx, 35 * dx]
    out = oblique_stack_response(layers, thick, lams, None, dx, pol, n_out=1.5, k_parallel=k_parallel)
    assert abs(math.degrees(out["angle"][1]) - 30.0) < 1e-9
    exact = [thin_film_rt(layers, thick, lam, th, pol, 1.0, 1.5) for lam, th in zip(lams, out["angle"])]
    R, T = np.array([e[0][0] for e in exact]), np.array([e[1][0] for e in exact])
    assert np.abs(out["R"] - R).max() < 2e-3, (out["R"], R)  # measured 6.3e-4 (s), 3.6e-4 (p)
    assert np.abs(out["T"] - T).max() < 2e-3, (out["T"], T)  # measured 6.4e-4, 3.4e-4
    assert np.abs(out["R"] + out["T"] - 1).max() < 5e-4  # measured 2.0e-5, 4.2e-5


def test_bloch_sources_refuse_grazing_angles_and_non_periodic_grids():
    dx = 1e-3
    with pytest.raises(ValueError, match="must stay in"):
        oblique_stack_response([2.0], [10 * dx], [60 * dx], None, dx, k_parallel=2 * math.pi / (60 * dx))  # sin θ = 1
    with pytest.raises(ValueError, match="exactly one of period"):
        oblique_stack_response([2.0], [10 * dx], [60 * dx], 100 * dx, dx, k_parallel=1.0)
    with pytest.raises(ValueError, match="whole number of cells"):
        periodic_response(lambda y0: [], 10 * dx, [60 * dx], 100.5 * dx, dx, k_parallel=0.0)
    grid = YeeGrid((20, 20, 1), dx, ("pml", "pml", "periodic"), pml_cells=5)
    with pytest.raises(ValueError, match="periodic along x"):
        bloch_line_source(grid, 10, "ez", None)
