"""The least-squares coefficient check of gridded Navier–Stokes data (solvers/grid/navier_stokes/coefficient_fit.py)."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.grid.navier_stokes import fit_coefficients, fit_wake_coefficients


def taylor_green(nu: float, n: int = 48, nt: int = 21):
    """The decaying Taylor–Green vortex, an exact Navier–Stokes solution with λ₁ = 1, λ₂ = ν:
    u = −cos x sin y e^{−2νt}, v = sin x cos y e^{−2νt}, p = −(cos 2x + cos 2y) e^{−4νt} / 4."""
    t = np.linspace(0.0, 2.0, nt)
    x = np.linspace(0.0, 2 * np.pi, n)
    y = np.linspace(0.0, 2 * np.pi, n)
    tt, xx, yy = np.meshgrid(t, x, y, indexing="ij")
    decay = np.exp(-2 * nu * tt)
    u = -np.cos(xx) * np.sin(yy) * decay
    v = np.sin(xx) * np.cos(yy) * decay
    p = -(np.cos(2 * xx) + np.cos(2 * yy)) * decay**2 / 4
    return u, v, p, t, x, y


@pytest.mark.parametrize("nu", [0.01, 0.1])
def test_taylor_green_gives_back_its_coefficients(nu):
    fit = fit_coefficients(*taylor_green(nu))
    assert fit["lambda1"] == pytest.approx(1.0, rel=1e-3)  # 0.99984 at 48 points: the stencils scale each term
    assert fit["lambda2"] == pytest.approx(nu, rel=1e-3)
    assert fit["lambda2_given_lambda1"] == pytest.approx(nu, rel=1e-3)
    assert fit["relative_residual"] < 1e-6


def test_the_fit_converges_at_fourth_order():
    """Errors in λ₂ at n and 2n points per axis fall by ~2⁴ (5-point stencils)."""
    errors = [abs(fit_coefficients(*taylor_green(0.05, n=n, nt=41))["lambda2"] - 0.05) for n in (24, 48)]
    assert 10 < errors[0] / errors[1] < 24


def test_a_wrong_viscosity_in_the_data_is_found():
    """Data made with ν = 0.02 but labelled 0.01: the fit reports 0.02, not the label."""
    assert fit_coefficients(*taylor_green(0.02))["lambda2"] == pytest.approx(0.02, rel=1e-3)


def test_bad_axes_and_shapes_are_named():
    u, v, p, t, x, y = taylor_green(0.01)
    with pytest.raises(ValueError, match="axis x must be increasing, uniform"):
        fit_coefficients(u, v, p, t, x**2, y)
    with pytest.raises(ValueError, match="field p has shape"):
        fit_coefficients(u, v, p[:, :-1], t, x, y)
    with pytest.raises(ValueError, match="no interior point has x >= x_min"):
        fit_coefficients(u, v, p, t, x, y, x_min=100.0)


@pytest.mark.slow
def test_the_shipped_wake_data_obey_navier_stokes_with_their_viscosity(tmp_path):
    """The cylinder-wake snapshots behind `sciml run experiment=cylinder_wake` (made by the penalised
    pseudo-spectral solver, ν = 0.01) obey the equations with λ₁ ≈ 1 and λ₂ ≈ 0.01 outside the body's smoothed
    mask. Measured: x ≥ 2: λ₁ = 0.998, λ₂ = 0.00993. So a PINN's λ₂ error is the PINN's. About 1 min."""
    from solvers.grid.navier_stokes import wake_snapshots

    path = wake_snapshots(tmp_path / "snap.h5", progress=False)
    fit = fit_wake_coefficients(path, x_min=2.0)
    assert fit["lambda1"] == pytest.approx(1.0, rel=0.01)
    assert fit["lambda2"] == pytest.approx(fit["nu"], rel=0.03)
