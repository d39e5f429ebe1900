"""Grid solvers against exact solutions, with fitted orders; diffusion methods cross-checked."""

import math

import numpy as np
import pytest
import torch

from solvers.grid import darcy
from solvers.grid.burgers import SpectralBurgers
from solvers.grid.diffusion import explicit, fourier, implicit
from solvers.grid.navier_stokes import NSGrid, NSState, kolmogorov_forcing, max_velocity, step, taylor_green_vorticity
from solvers.reference import burgers_cole_hopf
from solvers.time_integrators import CFLWarning


def _order(hs, errs):
    return np.polyfit(np.log(hs), np.log(errs), 1)[0]


def test_taylor_green_rk4_fourth_order_in_time(float64):
    g, nu = NSGrid(8), 0.25  # ν large enough for the time error to show, small enough for RK4 stability
    dts, errs = [0.2, 0.1, 0.05, 0.025], []
    for dt in dts:
        s = NSState(g.to_spectral(taylor_green_vorticity(g, 0.0, nu))[None])
        for _ in range(round(1 / dt)):
            s = step(s, dt, g, nu)
        errs.append(float((g.to_physical(s.w_hat)[0] - taylor_green_vorticity(g, 1.0, nu)).abs().max()))
    assert abs(_order(dts, errs) - 4) < 0.2, errs


def test_taylor_green_error_and_velocity_at_t1(float64):
    """REFERENCES.md: u = e^{-2νt} cos x sin y, v = -e^{-2νt} sin x cos y; ν = 1e-2."""
    g, nu, dt = NSGrid(64), 1e-2, 0.01
    s = NSState(g.to_spectral(taylor_green_vorticity(g, 0.0, nu))[None])
    for _ in range(100):
        s = step(s, dt, g, nu)
    x, y = g.coordinates()
    u, v = g.velocity(s.w_hat)
    decay = math.exp(-2 * nu * 1.0)
    assert float((u[0] - decay * torch.cos(x) * torch.sin(y)).abs().max()) < 1e-12
    assert float((v[0] + decay * torch.sin(x) * torch.cos(y)).abs().max()) < 1e-12


def test_kolmogorov_flow_stays_bounded_and_divergence_free(float64):
    g = NSGrid(32)
    torch.manual_seed(0)
    s = NSState(g.to_spectral(0.1 * torch.randn(1, 32, 32)) * g.mask)
    f = kolmogorov_forcing(g, 1.0, 4)
    for _ in range(200):
        s = step(s, 0.01, g, 0.05, f)
    u, v = g.velocity(s.w_hat)
    div = torch.fft.irfft2(1j * g.kx * torch.fft.rfft2(u) + 1j * g.ky * torch.fft.rfft2(v), s=(32, 32))
    assert float(div.abs().max()) < 1e-10 and 0 < max_velocity(g, s.w_hat) < 10


@pytest.mark.parametrize("nu,n,dt,tol", [(0.05, 128, 1e-3, 1e-10), (0.01 / math.pi, 1024, 2e-4, 1e-5)])
def test_spectral_burgers_matches_cole_hopf(nu, n, dt, tol, float64):
    sb = SpectralBurgers(n, nu, dt)
    x = sb.x()
    s = sb.init(-torch.sin(math.pi * x)[None])
    for _ in range(round(0.5 / dt)):
        s = sb.step(s)
    u = sb.physical(s)[0].numpy()
    ex = burgers_cole_hopf(x.numpy(), np.full(n, 0.5), nu)
    assert np.linalg.norm(u - ex) / np.linalg.norm(ex) < tol


def test_spectral_burgers_exponential_convergence_in_space(float64):
    errs = []
    for n in (16, 32, 64):
        sb = SpectralBurgers(n, 0.1, 1e-3)
        x = sb.x()
        s = sb.init(-torch.sin(math.pi * x)[None])
        for _ in range(200):
            s = sb.step(s)
        errs.append(float(np.abs(sb.physical(s)[0].numpy() - burgers_cole_hopf(x.numpy(), np.full(n, 0.2), 0.1)).max()))
    assert errs[0] / errs[1] > 30 and errs[1] / errs[2] > 1e3 and errs[2] < 1e-10


def test_three_diffusion_methods_agree_with_exact(float64):
    n, nu, dt, steps = 32, 0.1, 1e-3, 200
    dx = 2 * math.pi / n
    x = torch.arange(n) * dx
    X, Y = torch.meshgrid(x, x, indexing="ij")
    u0 = (torch.sin(X) * torch.cos(2 * Y))[None, None]
    exact = u0 * math.exp(-5 * nu * dt * steps)
    ue, ui, uf = u0, u0, u0
    for _ in range(steps):
        ue = explicit.step(ue, dt, dx, nu, order=4, method="rk4")
        ui = implicit.step(ui, dt, dx, nu)
        uf = fourier.step(uf, dt, dx, nu)
    assert float((uf - exact).abs().max()) < 1e-13
    assert float((ue - exact).abs().max()) < 2e-4  # 4th-order space error
    assert float((ui - exact).abs().max()) < 5e-3  # 1st-order time + 2nd-order space
    assert float((ue - ui).abs().max()) < 5e-3


def test_explicit_diffusion_warns_past_stability_limit():
    u = torch.zeros(1, 1, 16)
    with pytest.warns(CFLWarning, match="use an implicit"):
        explicit.step(u, 1.0, 0.1, 1.0)


def test_darcy_manufactured_solution_second_order():
    pi, ns, errs = np.pi, [16, 32, 64], []
    for n in ns:
        X, Y = darcy.cell_centres(n)
        a = 1 + 0.5 * np.sin(2 * pi * X) * np.sin(2 * pi * Y)
        u = np.sin(pi * X) * np.sin(pi * Y)
        ax, ay = pi * np.cos(2 * pi * X) * np.sin(2 * pi * Y), pi * np.sin(2 * pi * X) * np.cos(2 * pi * Y)
        ux, uy = pi * np.cos(pi * X) * np.sin(pi * Y), pi * np.sin(pi * X) * np.cos(pi * Y)
        f = -(ax * ux + ay * uy - 2 * pi**2 * a * u)
        errs.append(np.abs(darcy.solve(a, f) - u).max())
    assert abs(-_order(ns, errs) - 2) < 0.15, errs


def test_bad_grid_inputs():
    with pytest.raises(ValueError, match="even number >= 4"):
        NSGrid(3)
    with pytest.raises(ValueError, match="strictly positive"):
        darcy.solve(-np.ones((4, 4)))
    with pytest.raises(ValueError, match="viscosity must be positive"):
        SpectralBurgers(64, 0.0, 1e-3)


GHIA_Y = np.array([1.0, 0.9766, 0.9531, 0.8516, 0.7344, 0.6172, 0.5, 0.4531, 0.2813, 0.1719, 0.1016, 0.0625])
GHIA_U = np.array(
    [1.0, 0.84123, 0.68717, 0.23151, 0.00332, -0.13641, -0.20581, -0.21090, -0.15662, -0.10150, -0.06434, -0.04192]
)  # Ghia, Ghia & Shin (1982) Table I, Re = 100 (REFERENCES.md)


def test_cavity_re100_matches_ghia_and_is_divergence_free():
    from solvers.grid.cavity import centreline_u, divergence, solve_steady

    errs = []
    for n in (32, 64):
        s = solve_steady(n, 100.0, tol=1e-5)
        errs.append(np.abs(centreline_u(s, GHIA_Y) - GHIA_U).max())
        assert float(divergence(s.u, s.v, 1 / n).abs().max()) < 1e-11
    assert errs[1] < 5e-3 and errs[1] < errs[0], errs


def test_dirichlet_burgers_fourth_order_against_cole_hopf(float64):
    from solvers.grid.burgers import DirichletBurgers

    ns, errs = [32, 64, 128], []
    for n in ns:
        s = DirichletBurgers(n, 0.05)
        x = s.x()
        u = -torch.sin(math.pi * x)[None]
        for _ in range(1500):
            u = s.step(u, 2e-4)
        errs.append(np.abs(u[0].numpy() - burgers_cole_hopf(x.numpy(), np.full(n, 0.3), 0.05)).max())
    assert abs(-_order(ns, errs) - 4) < 0.3, errs
