"""1-D Euler: exact Riemann solver against Toro's table, WENO5 order, Sod with HLLC and Roe."""

import math

import numpy as np
import pytest
import torch

from solvers.grid.euler import EulerState, max_stable_dt, primitive, reconstruct, sod_initial, step
from solvers.reference import riemann_sample, star_state

SOD_L, SOD_R = (1.0, 0.0, 1.0), (0.125, 0.0, 0.1)


def test_exact_riemann_star_state_matches_toro_table_4_3():
    s = star_state(SOD_L, SOD_R)
    assert s.p == pytest.approx(0.30313017805065, abs=1e-12)
    assert s.u == pytest.approx(0.92745262004895, abs=1e-12)
    assert s.rho_l == pytest.approx(0.42631942817850, abs=1e-12)
    assert s.rho_r == pytest.approx(0.26557, abs=1e-5)


def test_weno5_is_fifth_order_on_smooth_data(float64):
    errs, ns = [], [20, 40, 80]
    for n in ns:
        h = 1.0 / n
        edges = torch.arange(-3, n + 4) * h  # cell k spans [edges[k], edges[k+1]]
        avg = (torch.cos(2 * math.pi * edges[:-1]) - torch.cos(2 * math.pi * edges[1:])) / (2 * math.pi * h)
        ql, qr = reconstruct(avg)
        faces = torch.arange(0, n + 1) * h
        errs.append(
            float(
                max(
                    (ql - torch.sin(2 * math.pi * faces)).abs().max(), (qr - torch.sin(2 * math.pi * faces)).abs().max()
                )
            )
        )
    order = -np.polyfit(np.log(ns), np.log(errs), 1)[0]
    assert order > 4.5, errs


def _run_sod(n, flux):
    U, dx = sod_initial(n)
    s = EulerState(U)
    mass0 = float(U[0, 0].sum() * dx)
    while s.t < 0.2 - 1e-12:
        s = step(s, min(max_stable_dt(s.U, dx, 0.5), 0.2 - s.t), dx, flux)
    x = (np.arange(n) + 0.5) * dx
    return x, primitive(s.U)[0].numpy(), mass0, float(s.U[0, 0].sum() * dx)


@pytest.mark.parametrize("flux", ["hllc", "roe"])
def test_sod_shock_tube(flux):
    errs = []
    for n in (100, 400):
        x, W, m0, m1 = _run_sod(n, flux)
        ex = riemann_sample(SOD_L, SOD_R, x, 0.2)
        errs.append(np.abs(W[0] - ex[0]).mean())
        assert m1 == pytest.approx(m0, rel=1e-13)  # waves have not reached the ends: mass is conserved
    s = star_state(SOD_L, SOD_R)
    plateau = (x > 0.62) & (x < 0.66)  # left star region: rarefaction tail (0.49) < x < contact (0.685)
    assert np.abs(W[2][plateau] - s.p).max() < 5e-4
    assert np.abs(W[1][plateau] - s.u).max() < 5e-4
    assert np.abs(W[0][(x > 0.72) & (x < 0.83)] - s.rho_r).max() < 5e-3  # right star: contact < x < shock (0.85)
    assert errs[1] < 0.6 * errs[0] and errs[1] < 2e-3


TORO_123 = ((1.0, -2.0, 0.4), (1.0, 2.0, 0.4))  # Toro (2009) test 2: two strong rarefactions, near-vacuum centre


def _run(left, right, flux, n, t_end, x0=0.5):
    from solvers.grid.euler import riemann_initial

    U, dx = riemann_initial(n, left, right, x0)
    s = EulerState(U)
    while s.t < t_end - 1e-12:
        s = step(s, min(max_stable_dt(s.U, dx, 0.5, step=s.steps), t_end - s.t), dx, flux)
    x = (np.arange(n) + 0.5) * dx
    return x, primitive(s.U)[0].numpy(), riemann_sample(left, right, x, s.t, x0)


def test_roe_on_a_strong_double_rarefaction_stops_naming_the_cell_and_the_step():
    """Roe's linearisation is not positivity preserving (Einfeldt et al. 1991): the first step makes p < 0.
    It used to turn to NaN silently; now the step refuses the state, naming where and what to do."""
    from solvers.grid.euler import NonPhysicalStateError

    with pytest.raises(NonPhysicalStateError, match=r"cell 99 \(x = 0.4975\) after step 1: .*p = -.*roe_hlle"):
        _run(*TORO_123, "roe", 200, 0.15)


@pytest.mark.parametrize("flux", ["roe_hlle", "hlle", "hllc"])
def test_positivity_preserving_fluxes_converge_on_the_123_problem(flux):
    errs = []
    for n in (100, 200):
        x, W, ex = _run(*TORO_123, flux, n, 0.15)
        assert W[0].min() > 0 and W[2].min() > 0
        errs.append(np.abs(W[0] - ex[0]).mean())
    assert errs[1] < 0.6 * errs[0] and errs[1] < 5e-3, errs


def test_max_stable_dt_refuses_a_nan_state_instead_of_returning_nan():
    from solvers.grid.euler import NonPhysicalStateError

    U, dx = sod_initial(50)
    U[0, 2, 17] = float("nan")
    with pytest.raises(NonPhysicalStateError, match=r"cell 17 .* after step 4"):
        max_stable_dt(U, dx, step=4)


def test_harten_entropy_fix_moves_the_roe_flux_towards_godunovs_at_a_transonic_rarefaction():
    """Left state subsonic-left (u − a < 0), right state supersonic (u − a > 0), Roe-averaged λ₁ ≈ 0: without
    the fix the Roe flux admits an expansion shock; with it the flux is closer to the exact (Godunov) flux."""
    from solvers.grid.euler.fluxes import _euler_flux, _roe_waves, roe

    left, right = (1.0, 0.9, 1.0), (0.5, 1.5, 0.4)
    w = riemann_sample(left, right, np.array([0.5]), 1.0, 0.5)[:, 0]  # the exact state on the interface
    e = w[2] / 0.4 + 0.5 * w[0] * w[1] ** 2
    godunov = np.array([w[0] * w[1], w[0] * w[1] ** 2 + w[2], (e + w[2]) * w[1]])
    lt, rt = (torch.tensor(s, dtype=torch.float64)[:, None] for s in (left, right))
    (rl, ul, pl, El), (rr, ur, pr, Er), alphas, lams, vecs, _ = _roe_waves(lt, rt, 1.4)
    assert abs(float(lams[0])) < 0.01  # transonic
    unfixed = 0.5 * (_euler_flux(rl, ul, pl, El) + _euler_flux(rr, ur, pr, Er)) - 0.5 * sum(
        (a * lam.abs()).unsqueeze(-2) * r for a, lam, r in zip(alphas, lams, vecs)
    )
    err_fixed = np.abs(roe(lt, rt)[:, 0].numpy() - godunov).max()
    err_unfixed = np.abs(unfixed[:, 0].numpy() - godunov).max()
    assert err_fixed < 0.7 * err_unfixed, (err_fixed, err_unfixed)
