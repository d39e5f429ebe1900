"""Grid operators: fitted convergence orders, discrete identities, spectral accuracy, Poisson solvers,
and the CG implicit adjoint against finite differences and gradcheck (float64)."""

import math

import numpy as np
import pytest
import torch

from sciml.fields import (
    ConvergenceError,
    cg_solve,
    curl,
    dealias_mask,
    derivative,
    divergence,
    exponential_filter,
    faces_to_centres,
    gradient,
    laplacian,
    mac_divergence,
    mac_gradient,
    solve_poisson,
    spectral_derivative,
)

NS = [16, 32, 64, 128]


def _fit_order(ns, errs):
    return -np.polyfit(np.log(ns), np.log(errs), 1)[0]


def _case(boundary):
    """Test function, its 1st and 2nd derivative, and the wall data, on [0, 1]."""
    if boundary == "periodic":
        f = lambda x: torch.sin(2 * math.pi * x) + 0.3 * torch.cos(4 * math.pi * x)
        f1 = lambda x: 2 * math.pi * torch.cos(2 * math.pi * x) - 1.2 * math.pi * torch.sin(4 * math.pi * x)
        f2 = lambda x: -4 * math.pi**2 * torch.sin(2 * math.pi * x) - 4.8 * math.pi**2 * torch.cos(4 * math.pi * x)
        return f, f1, f2, 0.0
    if boundary == "dirichlet":  # u = sin(πx) e^x vanishes at both walls
        f = lambda x: torch.sin(math.pi * x) * torch.exp(x)
        f1 = lambda x: (math.pi * torch.cos(math.pi * x) + torch.sin(math.pi * x)) * torch.exp(x)
        f2 = lambda x: (2 * math.pi * torch.cos(math.pi * x) + (1 - math.pi**2) * torch.sin(math.pi * x)) * torch.exp(x)
        return f, f1, f2, 0.0
    f = lambda x: torch.cos(math.pi * x)
    f1 = lambda x: -math.pi * torch.sin(math.pi * x)
    f2 = lambda x: -(math.pi**2) * torch.cos(math.pi * x)
    return f, f1, f2, 0.0


@pytest.mark.parametrize("boundary", ["periodic", "dirichlet", "neumann"])
@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("n", [1, 2])
def test_fitted_convergence_order(boundary, order, n, float64):
    f, f1, f2, g = _case(boundary)
    errs = []
    for N in NS:
        h = 1.0 / N
        x = torch.arange(N) * h if boundary == "periodic" else (torch.arange(N) + 0.5) * h
        num = derivative(f(x)[None, None], 0, h, order=order, n=n, boundary=boundary, bc_value=g)[0, 0]
        errs.append(float((num - (f1 if n == 1 else f2)(x)).abs().max()))
    assert abs(_fit_order(NS, errs) - order) < 0.25, errs


def test_inhomogeneous_dirichlet_and_neumann_data(float64):
    N, h = 64, 1 / 64
    x = (torch.arange(N) + 0.5) * h
    u = torch.exp(x)  # u(0) = 1, u(1) = e ; outward slopes -1 and e
    d2 = derivative(u[None, None], 0, h, order=4, n=2, boundary="dirichlet", bc_value=(1.0, math.e))[0, 0]
    assert (d2 - torch.exp(x)).abs().max() < 1e-5
    d2n = derivative(u[None, None], 0, h, order=4, n=2, boundary="neumann", bc_value=(-1.0, math.e))[0, 0]
    assert (d2n - torch.exp(x)).abs().max() < 1e-5


def test_vector_calculus_identities_and_shapes(float64):
    torch.manual_seed(0)
    for shape in [(16, 12), (8, 10, 12)]:
        phi = torch.randn(2, 1, *shape)
        g = gradient(phi, 0.1, order=4)
        assert g.shape == (2, len(shape), *shape)
        c = curl(g, 0.1, order=4)  # central differences commute on periodic grids: curl grad = 0
        assert c.abs().max() < 1e-12
        assert laplacian(phi, 0.1, order=2).shape == phi.shape
    v = torch.randn(1, 3, 8, 8, 8)
    assert divergence(curl(v, 0.5, order=2), 0.5, order=2).abs().max() < 1e-12


def test_gradcheck_operators_in_field_and_wall_data(float64):
    u = torch.rand(1, 1, 6, 7, requires_grad=True)
    g = torch.tensor(0.3, requires_grad=True)
    assert torch.autograd.gradcheck(lambda u, g: laplacian(u, 0.2, order=4, boundary="dirichlet", bc_value=g), (u, g))
    for bc in ("periodic", "dirichlet", "neumann"):  # adjoint of each fast solve against finite differences
        assert torch.autograd.gradcheck(lambda u, bc=bc: solve_poisson(u, 0.2, bc), (u,))
    assert torch.autograd.gradcheck(lambda u: spectral_derivative(u, 1, 1.0), (u,))


def test_spectral_derivatives_are_exact_and_converge_exponentially(float64):
    x = torch.arange(32) * (2 * math.pi / 32)
    u = torch.sin(3 * x)[None, None]
    torch.testing.assert_close(spectral_derivative(u, 0, 2 * math.pi)[0, 0], 3 * torch.cos(3 * x), atol=1e-12, rtol=0)
    torch.testing.assert_close(
        spectral_derivative(u, 0, 2 * math.pi, 2)[0, 0], -9 * torch.sin(3 * x), atol=1e-11, rtol=0
    )
    errs = []
    for N in (8, 16, 32):
        x = torch.arange(N) * (2 * math.pi / N)
        u = torch.exp(torch.sin(x))[None, None]
        errs.append(
            float((spectral_derivative(u, 0, 2 * math.pi)[0, 0] - torch.cos(x) * torch.exp(torch.sin(x))).abs().max())
        )
    assert errs[2] < 1e-12 and errs[0] / errs[1] > 1e3  # faster than any power law


def test_dealias_and_filter():
    m = dealias_mask((12, 12))
    assert m.shape == (12, 7) and m[0, 0] and not m[4, 0] and m[3, 3] and not m[0, 4]
    f = exponential_filter((16,), alpha=36, power=8)
    assert f[0] == 1 and f[-1] == pytest.approx(math.exp(-36)) and bool((f[1:] <= f[:-1]).all())


def test_periodic_poisson_inverts_fd_laplacian(float64):
    torch.manual_seed(0)
    f = torch.randn(2, 1, 16, 24)
    f = f - f.mean(dim=(2, 3), keepdim=True)
    u = solve_poisson(f, (0.1, 0.2), "periodic")
    torch.testing.assert_close(laplacian(u, (0.1, 0.2), order=2), f, atol=1e-10, rtol=0)
    x = torch.arange(32) * (2 * math.pi / 32)
    X, Y = torch.meshgrid(x, x, indexing="ij")
    exact = torch.sin(X) * torch.cos(2 * Y)
    us = solve_poisson((-5 * exact)[None, None], 2 * math.pi / 32, "periodic", spectral=True)[0, 0]
    torch.testing.assert_close(us, exact, atol=1e-12, rtol=0)


@pytest.mark.parametrize("boundary", ["dirichlet", "neumann"])
def test_wall_poisson_converges_at_order_two(boundary, float64):
    errs = []
    for N in (16, 32, 64):
        h = 1 / N
        x = (torch.arange(N) + 0.5) * h
        X, Y = torch.meshgrid(x, x, indexing="ij")
        trig = torch.sin if boundary == "dirichlet" else torch.cos
        exact = trig(math.pi * X) * trig(math.pi * Y)
        u = solve_poisson((-2 * math.pi**2 * exact)[None, None], h, boundary)[0, 0]
        if boundary == "neumann":
            u = u - u.mean() + exact.mean()
        errs.append(float((u - exact).abs().max()))
    assert abs(_fit_order([16, 32, 64], errs) - 2) < 0.2, errs


def _spd(x, diag):
    """A = -Δ_h (Dirichlet, 1-D) + diag(diag): symmetric positive-definite."""
    lap = torch.cat([x[:1] * -3 + x[1:2], x[:-2] - 2 * x[1:-1] + x[2:], x[-2:-1] - 3 * x[-1:]])
    return -lap + diag * x


def test_cg_solution_and_implicit_adjoint(float64):
    torch.manual_seed(0)
    n = 20
    b = torch.randn(n, requires_grad=True)
    diag = (torch.rand(n) + 0.5).requires_grad_(True)
    x = cg_solve(_spd, b, (diag,))
    dense = torch.stack([_spd(e, diag.detach()) for e in torch.eye(n)], 1)
    torch.testing.assert_close(x.detach(), torch.linalg.solve(dense, b.detach()), atol=1e-9, rtol=0)
    w = torch.randn(n)
    (x * w).sum().backward()
    eps = 1e-6
    for i in (0, 7, 19):
        dp, dm = diag.detach().clone(), diag.detach().clone()
        dp[i] += eps
        dm[i] -= eps
        fd = (cg_solve(_spd, b.detach(), (dp,)) - cg_solve(_spd, b.detach(), (dm,))) @ w / (2 * eps)
        assert abs(fd - diag.grad[i]) <= 1e-6 * max(1.0, abs(float(fd)))
    assert torch.autograd.gradcheck(
        lambda bb, dd: cg_solve(_spd, bb, (dd,)),
        (b.detach().clone().requires_grad_(True), diag.detach().clone().requires_grad_(True)),
    )


def test_bad_inputs():
    with pytest.raises(ValueError, match="too few for the order-4 stencil"):
        derivative(torch.zeros(1, 1, 3), 0, 0.1, order=4)
    with pytest.raises(ValueError, match="grid axis 1 has 4 points"):
        derivative(torch.zeros(1, 1, 16, 4), 1, 0.1, order=4, boundary="dirichlet")
    with pytest.raises(ValueError, match="boundary='wall'"):
        derivative(torch.zeros(1, 1, 8), 0, 0.1, boundary="wall")
    with pytest.raises(ValueError, match="order=3"):
        derivative(torch.zeros(1, 1, 8), 0, 0.1, order=3)
    with pytest.raises(ConvergenceError, match="max_iter"):
        cg_solve(
            lambda v, d: _spd(v, d),
            torch.ones(50, dtype=torch.float64),
            (torch.ones(50, dtype=torch.float64),),
            max_iter=2,
        )


def test_mac_operators_adjoint_and_compact_laplacian(float64):
    torch.manual_seed(0)
    p = torch.randn(2, 12, 10)
    g = mac_gradient(p, 0.1, "periodic")
    lap = mac_divergence(g, 0.1, "periodic")
    torch.testing.assert_close(lap, laplacian(p[:, None], 0.1, order=2)[:, 0], atol=1e-10, rtol=0)
    # wall boundaries: div and -grad are adjoint (summation by parts with no-flux walls)
    q = torch.randn(2, 12, 10)
    faces = [torch.randn(2, 13, 10), torch.randn(2, 12, 11)]
    faces[0][:, 0] = faces[0][:, -1] = 0
    faces[1][:, :, 0] = faces[1][:, :, -1] = 0
    lhs = (mac_divergence(faces, 0.1) * q).sum()
    rhs = -sum((f * gq).sum() for f, gq in zip(faces, mac_gradient(q, 0.1)))
    torch.testing.assert_close(lhs, rhs)
    assert faces_to_centres(faces).shape == (2, 2, 12, 10)


def test_mac_gradient_second_order_at_faces(float64):
    errs = []
    for n in (16, 32, 64):
        h = 1 / n
        xc = (torch.arange(n) + 0.5) * h
        p = torch.cos(math.pi * xc)[None, :, None].expand(1, n, 4)
        g = mac_gradient(p, h)[0][0, 1:-1, 0]
        xf = torch.arange(1, n) * h
        errs.append(float((g + math.pi * torch.sin(math.pi * xf)).abs().max()))
    assert abs(_fit_order([16, 32, 64], errs) - 2) < 0.1
