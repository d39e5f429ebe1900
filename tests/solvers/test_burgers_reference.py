"""The Cole–Hopf reference agrees with adaptive quadrature, the PDE, and the problem's data."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from solvers.reference import BurgersColeHopf, burgers_cole_hopf

NU = 0.01 / math.pi


def _quad_reference(x, t, nu=NU):
    """Independent evaluation of the Cole–Hopf integrals with scipy's adaptive quadrature."""
    c = 1 / (2 * math.pi * nu)

    def f(e):
        return math.exp(-math.cos(math.pi * (x - e)) * c + c - e * e / (4 * nu * t))

    half = 12 * math.sqrt(4 * nu * t)
    num = quad(lambda e: -math.sin(math.pi * (x - e)) * f(e), -half, half, limit=400, epsabs=0, epsrel=1e-12)[0]
    den = quad(f, -half, half, limit=400, epsabs=0, epsrel=1e-12)[0]
    return num / den


@pytest.mark.parametrize("x,t", [(0.1, 0.5), (-0.02, 0.9), (0.5, 0.25), (0.01, 0.99), (0.003, 0.4), (-0.7, 0.05)])
def test_gauss_hermite_matches_adaptive_quadrature(x, t):
    assert burgers_cole_hopf(x, t, NU) == pytest.approx(_quad_reference(x, t), abs=1e-10)


def test_initial_boundary_and_symmetry():
    x = np.linspace(-1, 1, 41)
    np.testing.assert_allclose(burgers_cole_hopf(x, 0.0 * x), -np.sin(np.pi * x), atol=1e-14)
    t = np.linspace(0.01, 1, 20)
    np.testing.assert_allclose(burgers_cole_hopf(np.ones_like(t), t), 0, atol=1e-12)
    np.testing.assert_allclose(burgers_cole_hopf(-np.ones_like(t), t), 0, atol=1e-12)
    xx, tt = np.meshgrid(x, t)
    np.testing.assert_allclose(burgers_cole_hopf(-xx, tt), -burgers_cole_hopf(xx, tt), atol=1e-12)  # odd in x


def test_satisfies_burgers_equation_fd_residual_converges_at_order_two():
    """Central-difference residual of the reference decays as h²: the reference solves the PDE."""
    nu = 0.05  # a smoother case so finite differences resolve it
    x = np.linspace(-0.9, 0.9, 19)
    t = 0.3 * np.ones_like(x)
    u = lambda a, b: burgers_cole_hopf(a, b, nu)
    hs, res = [1e-2, 5e-3, 2.5e-3], []
    for h in hs:
        k = h / 10
        ut = (u(x, t + k) - u(x, t - k)) / (2 * k)
        ux = (u(x + h, t) - u(x - h, t)) / (2 * h)
        uxx = (u(x + h, t) - 2 * u(x, t) + u(x - h, t)) / h**2
        res.append(np.abs(ut + u(x, t) * ux - nu * uxx).max())
    order = np.polyfit(np.log(hs), np.log(res), 1)[0]
    assert 1.9 < order < 2.1 and res[-1] < 2e-4


def test_grid_layout_and_bad_input():
    ref = BurgersColeHopf(NU, nx=8, nt=5)
    pts = ref.points()
    assert pts.shape == (40, 2) and ref.field_shape() == (5, 8)
    assert np.all(pts[:8, 1] == 0) and np.allclose(pts[:8, 0], np.linspace(-1, 1, 8))
    with pytest.raises(ValueError, match="t >= 0"):
        burgers_cole_hopf(0.0, -1.0)
    with pytest.raises(ValueError, match="n_quad"):
        burgers_cole_hopf(0.0, 0.5, n_quad=400)
