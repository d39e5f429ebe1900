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
        errs.append(float(max((ql - torch.sin(2 * math.pi * faces)).abs().max(), (qr - torch.sin(2 * math.pi * faces)).abs().max())))
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
