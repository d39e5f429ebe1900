"""The public oblique-incidence helper: FDTD reflectance and transmittance of a two-layer stack vs transfer matrices."""

import numpy as np

from physics.maxwell.thin_films import thin_film_rt
from solvers.fdtd.layered_stack import oblique_stack_response


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
