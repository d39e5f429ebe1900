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
