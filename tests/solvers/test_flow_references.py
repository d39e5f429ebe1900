"""References for the flow PINN cases: Allen–Cahn ETDRK4, the penalised cylinder-wake solver, the cavity table."""

import math

import numpy as np
import pytest
import torch

from solvers.grid.navier_stokes.cylinder_wake import WakeDomain, WakeState, advance, project, strouhal, velocity
from solvers.reference import AllenCahnSpectral, CavityReference, allen_cahn_spectral


def test_allen_cahn_reference_is_fourth_order_in_time():
    t = [0.1]
    _, fine = allen_cahn_spectral(256, 2.5e-5, t)
    _, a = allen_cahn_spectral(256, 5e-3, t)
    _, b = allen_cahn_spectral(256, 1e-2, t)
    ea, eb = np.abs(a - fine).max(), np.abs(b - fine).max()
    assert ea < 1e-8
    assert eb / ea > 8  # ETDRK4 is fourth order: halving dt cuts the error by about 16


def test_allen_cahn_reference_keeps_bounds_and_symmetry():
    # u0 is even, so u stays even; the reaction drives u into [-1, 1] (maximum principle)
    x, u = allen_cahn_spectral(256, 1e-4, [0.5])
    j = (np.arange(256)[::-1] + 1) % 256  # index of -x on the periodic grid
    assert np.abs(u[0] - u[0][j]).max() < 1e-10
    assert u.max() <= 1.0 + 1e-8 and u.min() >= -1.0 - 1e-8


def test_allen_cahn_reference_rejects_points_off_its_grid():
    ref = AllenCahnSpectral(n=64, dt=1e-3, nx=32, nt=3)
    with pytest.raises(ValueError, match="points"):
        ref.solution(np.zeros((5, 2)))


def _taylor_green(d: WakeDomain, m: int = 2):
    x, y = d.coordinates()
    kx, ky = 2 * math.pi * m / d.length, 2 * math.pi / d.width
    # divergence free: u = ky sin(kx x) cos(ky y'), v = -kx cos(kx x) sin(ky y'), y' = y + width/2
    yy = y + d.width / 2
    u = ky * torch.sin(kx * x) * torch.cos(ky * yy)
    v = -kx * torch.cos(kx * x) * torch.sin(ky * yy)
    return u, v, kx**2 + ky**2


def test_wake_solver_without_body_decays_taylor_green_exactly():
    d = WakeDomain(
        nx=32, ny=16, length=4.0, width=2.0, diameter=0.0, fringe=(3.0, 4.0), fringe_rate=0.0, nu=0.05, inflow=0.0
    )
    u, v, k2 = _taylor_green(d)
    uh, vh = project(torch.fft.rfft2(u), torch.fft.rfft2(v), d)
    s = advance(WakeState(uh, vh), d, 0.01, 100)
    uu, vv = velocity(s, d)
    decay = math.exp(-d.nu * k2 * s.t)
    assert float((uu - decay * u).abs().max()) < 1e-5 * float(u.abs().max())
    assert float((vv - decay * v).abs().max()) < 1e-5 * float(v.abs().max())


def test_wake_solver_enforces_no_slip_and_stays_divergence_free():
    d = WakeDomain(nx=64, ny=32, length=8.0, width=4.0, centre=(2.0, 0.0), fringe=(6.0, 8.0))
    s = WakeState(
        *project(
            torch.fft.rfft2(torch.ones(64, 32, dtype=torch.float64)),
            torch.fft.rfft2(torch.zeros(64, 32, dtype=torch.float64)),
            d,
        )
    )
    s = advance(s, d, 0.02, 50)
    u, v = velocity(s, d)
    x, y = d.coordinates()
    inside = torch.hypot(x - 2.0, y) < 0.3
    assert float(torch.hypot(u, v)[inside].max()) < 0.04  # splitting leaves a few % of U inside (8 cells per D)
    div = torch.fft.irfft2(1j * d.kx * s.u_hat + 1j * d.ky * s.v_hat, s=(64, 32))
    assert float(div.abs().max()) < 1e-10
    assert float(u[(x > 4) & (x < 5)].mean()) > 0.5  # the stream goes around the body


def test_strouhal_from_a_sine():
    t = np.linspace(0, 50, 5001)
    assert abs(strouhal(t, np.sin(2 * math.pi * 0.2 * t)) - 0.2) < 1e-4
    with pytest.raises(ValueError, match="cycles"):
        strouhal(t[:50], np.sin(t[:50]))


def test_cavity_reference_agrees_with_ghia():
    ref = CavityReference(re=100.0, n=32, tol=1e-4)
    sol = ref.solution(ref.points())
    assert sol.shape == (32 * 32, 2)

    class FromGrid:  # predict u by bilinear interpolation of the reference itself: Ghia's table within 0.03
        def __call__(self, pts):
            from scipy.interpolate import RegularGridInterpolator

            c = (np.arange(32) + 0.5) / 32
            f = RegularGridInterpolator((c, c), sol[:, 0].reshape(32, 32), bounds_error=False, fill_value=None)
            out = np.zeros((len(pts), 3))
            out[:, 0] = f(pts)
            out[pts[:, 1] >= 1.0, 0] = 1.0
            return out

    m = ref.metrics(FromGrid())
    assert m["ghia_max_abs_error"] < 0.03
