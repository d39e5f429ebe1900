"""Allen–Cahn and Navier–Stokes PINN residuals against closed forms; the sympy form of Allen–Cahn."""

import math

import pytest
import sympy
import torch

from physics import AllenCahn, LidDrivenCavity, NavierStokes2D
from physics.pdes.symbolic import SympyPDE
from sciml.autodiff import derivatives
from sciml.geometry import Interval, SpaceTime, TimeDomain
from sciml.networks import MLP


class Field(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def taylor_green(nu):
    """u = −cos x sin y e^{−2νt}, v = sin x cos y e^{−2νt}, p = −¼(cos 2x + cos 2y) e^{−4νt}: exact NS."""

    def fn(x):
        X, Y, T = x[:, 0], x[:, 1], x[:, 2]
        e = torch.exp(-2 * nu * T)
        return torch.stack(
            [
                -torch.cos(X) * torch.sin(Y) * e,
                torch.sin(X) * torch.cos(Y) * e,
                -0.25 * (torch.cos(2 * X) + torch.cos(2 * Y)) * e * e,
            ],
            1,
        )

    return Field(fn)


def _residuals(pde, model, x):
    d = derivatives(
        model,
        x,
        "autograd",
        second_dims=pde.second_dim_indices(),
        input_names=pde.input_names,
        output_names=pde.output_names,
    )
    return pde.residual(d, x)


def test_navier_stokes_residual_vanishes_on_taylor_green_only_for_the_true_coefficients(float64):
    x = torch.rand(300, 3) * torch.tensor([6.0, 6.0, 2.0])
    nu = 0.05
    for r in _residuals(NavierStokes2D(1.0, nu), taylor_green(nu), x).values():
        assert float(r.abs().max()) < 1e-12
    wrong = _residuals(NavierStokes2D(1.0, 2 * nu), taylor_green(nu), x)
    assert float(wrong["momentum_x"].abs().max()) > 1e-2
    # λ1 multiplies the convective term, whose gradient part balances p: a wrong λ1 leaves a residual
    wrong = _residuals(NavierStokes2D(0.5, nu), taylor_green(nu), x)
    assert float(wrong["momentum_y"].abs().max()) > 1e-2


def test_cavity_residual_is_steady_navier_stokes_and_bc_marks_the_lid(float64):
    pde = LidDrivenCavity(re=10.0)
    # simple shear u = (y, 0), p = 0 solves the steady equations exactly
    shear = Field(lambda x: torch.stack([x[:, 1], 0 * x[:, 0], 0 * x[:, 0]], 1))
    x = torch.rand(100, 2)
    for r in _residuals(pde, shear, x).values():
        assert float(r.abs().max()) < 1e-12
    (bc,) = pde.conditions()
    pts = torch.tensor([[0.5, 1.0], [0.0, 0.5], [0.5, 0.0]])
    d = derivatives(shear, pts, "autograd", input_names=pde.input_names, output_names=pde.output_names)
    res = bc.residual(d, pts, None)
    # u = y: lid point has u = 1 (matches), left wall u = 0.5 (violates), bottom u = 0 (matches)
    assert torch.allclose(res[:, 0], torch.tensor([0.0, 0.5, 0.0]))


def test_allen_cahn_sympy_form_equals_python_residual(float64):
    x, t = sympy.symbols("x t")
    u = sympy.Function("u")(x, t)
    expr = sympy.diff(u, t) - 1e-4 * sympy.diff(u, x, 2) + 5 * (u**3 - u)
    pde = AllenCahn()
    sym = SympyPDE({"pde": expr}, inputs=("x", "t"), outputs=("u",))
    net = MLP(2, 1, 16, 2).double()
    pts = torch.rand(64, 2) * 2 - 1
    a = _residuals(pde, net, pts)["pde"]
    d = derivatives(
        net,
        pts,
        "autograd",
        second_dims=sym.second_dim_indices(),
        input_names=sym.input_names,
        output_names=sym.output_names,
    )
    b = sym.residual(d, pts)["pde"]
    assert torch.allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("engine", ["autograd", "taylor"])
def test_allen_cahn_hard_constraint_and_periodic_network(float64, engine):
    pde = AllenCahn()
    geo = SpaceTime(Interval(-1.0, 1.0), TimeDomain(0.0, 1.0))
    net = MLP(2, 1, 16, 3, input_bounds=[[-1, 0], [1, 1]], periodic={"periods": {0: 2.0}, "harmonics": 3}).double()
    transform = pde.hard_constraint(geo)
    model = Field(lambda x: transform(x, net(x)))
    xs = torch.linspace(-1, 1, 50)
    at0 = torch.stack([xs, torch.zeros(50)], 1)
    assert float((model(at0)[:, 0] - xs**2 * torch.cos(math.pi * xs)).abs().max()) < 1e-14
    t = torch.rand(40)
    left, right = torch.stack([-torch.ones(40), t], 1), torch.stack([torch.ones(40), t], 1)
    assert torch.allclose(model(left), model(right), atol=1e-12)  # u0 is periodic in value, so is u
    for m in (net,):  # the network alone is periodic with all derivatives (u0's slope is not: u0' (±1) = ∓2)
        dl = derivatives(m, left, engine, second_dims=(0,), input_names=pde.input_names, output_names=pde.output_names)
        dr = derivatives(m, right, engine, second_dims=(0,), input_names=pde.input_names, output_names=pde.output_names)
        for f in (lambda d: d.u("u"), lambda d: d.d("u", "x"), lambda d: d.d2("u", "x"), lambda d: d.d("u", "t")):
            assert torch.allclose(f(dl), f(dr), atol=1e-12)
