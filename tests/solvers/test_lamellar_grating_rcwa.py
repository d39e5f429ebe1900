"""RCWA for lamellar gratings (the reference for the FDTD's diffraction orders): a uniform layer against transfer
matrices, energy balance, convergence in the number of orders, mirror symmetry, and its errors."""

import math

import numpy as np
import pytest

from physics.maxwell.thin_films import thin_film_rt
from solvers.reference.lamellar_grating_rcwa import lamellar_grating_orders


@pytest.mark.parametrize("pol", ["s", "p"])
@pytest.mark.parametrize("eps", [2.25, 4.0 + 0.3j])
def test_a_uniform_layer_gives_the_transfer_matrix_answer(pol, eps):
    """ε_ridge = ε_groove: only order 0 survives, and R, T are the thin film's (lossless and absorbing)."""
    out = lamellar_grating_orders(0.8, 1.0, 0.37, 0.4, eps, eps, 0.3, pol, n_out=1.5, harmonics=6)
    r, t = thin_film_rt([np.sqrt(eps)], [0.37], 0.8, 0.3, pol, 1.0, 1.5)
    assert abs(out["R"].sum() - r[0]) < 1e-12 and abs(out["T"].sum() - t[0]) < 1e-12, (out, r, t)
    zero = out["orders"] == 0
    assert np.abs(out["R"][~zero]).max() < 1e-20 and np.abs(out["T"][~zero]).max() < 1e-20


@pytest.mark.parametrize("pol", ["s", "p"])
def test_a_lossless_grating_conserves_energy_and_converges_in_the_order_count(pol):
    """Σ R_m + Σ T_m = 1 to rounding at every truncation; the efficiencies settle as orders are added (TE fast, TM
    with Li's rules at first order or better): measured |Δ| between M = 40 and 80 of 7e-7 (s) and 3e-6 (p)."""
    run = {
        m: lamellar_grating_orders(0.8, 1.0, 0.4, 0.5, 2.25, 1.0, math.radians(10), pol, 1.0, 1.5, m)
        for m in (10, 20, 40, 80)
    }
    for out in run.values():
        assert abs(out["balance"] - 1) < 1e-10

    def change(a, b):
        pick = {m: i for i, m in enumerate(run[a]["orders"])}
        idx = [pick[m] for m in run[b]["orders"] if m in pick]
        rows = [i for i, m in enumerate(run[b]["orders"]) if m in pick]
        return max(np.abs(run[a][w][idx] - run[b][w][rows]).max() for w in ("R", "T"))

    coarse, fine = change(10, 20), change(40, 80)
    assert fine < (2e-6 if pol == "s" else 1e-5), fine
    assert fine < coarse / 4, (coarse, fine)  # converging, not drifting


@pytest.mark.parametrize("pol", ["s", "p"])
def test_a_symmetric_grating_at_normal_incidence_diffracts_orders_m_and_minus_m_alike(pol):
    out = lamellar_grating_orders(0.6, 1.3, 0.5, 0.45, 12.0, 1.0, 0.0, pol, 1.0, 1.5, 30)
    assert np.abs(out["T"] - out["T"][::-1]).max() < 1e-10 and np.abs(out["R"] - out["R"][::-1]).max() < 1e-10
    assert (out["T"][out["orders"] != 0] > 1e-3).sum() >= 4  # several orders really carry power
    # moving the ridge moves only the phases: the efficiencies stay
    moved = lamellar_grating_orders(0.6, 1.3, 0.5, 0.45, 12.0, 1.0, 0.0, pol, 1.0, 1.5, 30, ridge_centre=0.2)
    assert np.abs(moved["T"] - out["T"]).max() < 1e-10


def test_the_angles_follow_the_grating_equation_and_bad_input_is_refused():
    out = lamellar_grating_orders(0.7, 1.0, 0.4, 0.5, 2.25, angle=math.radians(10), n_out=1.5, harmonics=8)
    for m, a_r, a_t in zip(out["orders"], out["angle_R"], out["angle_T"]):
        s = math.sin(math.radians(10)) + m * 0.7
        assert (abs(s) < 1) == np.isfinite(a_r) and (abs(s) < 1.5) == np.isfinite(a_t)
        if np.isfinite(a_t):
            assert abs(1.5 * math.sin(a_t) - s) < 1e-12
    with pytest.raises(ValueError, match="polarization"):
        lamellar_grating_orders(0.7, 1.0, 0.4, 0.5, 2.25, polarization="te")
    with pytest.raises(ValueError, match="ridge_width"):
        lamellar_grating_orders(0.7, 1.0, 0.4, 1.5, 2.25)
    with pytest.raises(ValueError, match="n_in and n_out must be real"):
        lamellar_grating_orders(0.7, 1.0, 0.4, 0.5, 2.25, n_out=1.5 + 0.1j)
    with pytest.raises(ValueError, match="harmonics"):
        lamellar_grating_orders(0.7, 1.0, 0.4, 0.5, 2.25, harmonics=0)
