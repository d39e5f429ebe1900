"""Each classical PDE's exact solution makes its residual vanish (autograd on the closed form, float64)."""

import math

import pytest
import torch

from physics import DarcyMixed, Heat1D, Helmholtz2D, Kovasznay, PoissonManufactured, Wave1D
from sciml.autodiff import derivatives
from sciml.networks import MLP


class Exact(torch.nn.Module):
    def __init__(self, pde):
        super().__init__()
        self.pde = pde

    def forward(self, x):
        return self.pde.exact(x)


@pytest.mark.parametrize(
    "pde",
    [
        Heat1D(0.1),
        Wave1D(1.5),
        Helmholtz2D(4 * math.pi),
        Helmholtz2D(2.0, 1.0, 2.0),
        Kovasznay(20.0),
        PoissonManufactured(),
        DarcyMixed(),
    ],
)
def test_exact_solution_has_zero_residual(float64, pde):
    x = torch.rand(200, 2) * 2 - 0.5
    d = derivatives(
        Exact(pde),
        x,
        "autograd",
        second_dims=pde.second_dim_indices(),
        input_names=pde.input_names,
        output_names=pde.output_names,
    )
    for name, r in pde.residual(d, x).items():
        assert float(r.abs().max()) < 1e-9, name
    # and a random network does not
    net = MLP(2, len(pde.output_names), 8, 2).double()
    d = derivatives(
        net,
        x,
        "autograd",
        second_dims=pde.second_dim_indices(),
        input_names=pde.input_names,
        output_names=pde.output_names,
    )
    assert max(float(r.abs().max()) for r in pde.residual(d, x).values()) > 1e-3


def test_heat_and_helmholtz_hard_constraints(float64):
    x = torch.rand(100, 2)
    y = torch.randn(100, 1)
    heat = Heat1D(0.1).hard_constraint(None)
    for pts in (
        torch.stack([torch.zeros(100), x[:, 1]], 1),
        torch.stack([torch.ones(100), x[:, 1]], 1),
        torch.stack([x[:, 0], torch.zeros(100)], 1),
    ):
        assert float((heat(pts, y) - Heat1D(0.1).exact(pts)).abs().max()) < 1e-12
    helm = Helmholtz2D().hard_constraint(None)
    edge = torch.stack([torch.ones(100), 2 * x[:, 1] - 1], 1)
    assert float(helm(edge, y).abs().max()) < 1e-12


@pytest.mark.parametrize("engine", ["autograd", "taylor"])
def test_wave_hard_constraint_holds_displacement_velocity_and_ends(float64, seed, engine):
    from sciml.geometry import Interval, SpaceTime, TimeDomain
    from sciml.networks import OutputTransform

    pde = Wave1D(1.0)
    model = OutputTransform(MLP(2, 1, 16, 2), pde.hard_constraint(SpaceTime(Interval(0, 1), TimeDomain(0, 1))))
    xs = torch.rand(40)
    start = torch.stack([xs, torch.zeros(40)], 1)
    d = derivatives(model, start, engine, input_names=("x", "t"), output_names=("u",))
    # the displacement is the exact one and the velocity vanishes, whatever the network does
    torch.testing.assert_close(d.u("u")[:, None], pde.exact(start), atol=1e-13, rtol=0)
    assert float(d.d("u", "t").abs().max()) < 1e-13
    # the network still shapes the motion: u_tt(x, 0) = 2 y x(1 − x)·4, unrelated to the exact −π² u₀-like value
    exact_utt = -(math.pi**2) * torch.sin(math.pi * xs) - 4.5 * math.pi**2 * torch.sin(3 * math.pi * xs)
    assert float((d.d2("u", "t") - exact_utt).abs().max()) > 1e-3
    ts = torch.rand(40)
    for end in (0.0, 1.0):
        assert float(model(torch.stack([torch.full_like(ts, end), ts], 1)).abs().max()) < 1e-13
    with pytest.raises(ValueError, match="vanish at both ends"):
        pde.hard_constraint(SpaceTime(Interval(0, 1.5), TimeDomain(0, 1)))
