"""Burgers residual vanishes on the exact solution; hard constraints hold exactly."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from physics import Burgers
from sciml.autodiff import Jet, derivatives
from sciml.geometry import Interval, SpaceTime, TimeDomain
from sciml.networks import MLP, OutputTransform


class ExactViscousShockless(nn.Module):
    """u = -2ν φ_x/φ with φ = 1 + exp(-ν π² t) cos(π x)... written with Jet-friendly ops.

    φ solves the heat equation, so u solves Burgers exactly (Cole–Hopf).
    """

    supports_taylor = True

    def __init__(self, nu):
        super().__init__()
        self.nu = nu

    def forward(self, p):
        x, t = p[:, 0:1], p[:, 1:2]
        decay = (t * (-self.nu * math.pi**2)).exp()
        phi = decay * (x * math.pi).cos() * 0.5 + 1.0
        phi_x = decay * (x * math.pi).sin() * (-0.5 * math.pi)
        # u = -2ν φ_x / φ ; division by a Jet via exp(-log) is not available, so use φ⁻¹ = exp(-log φ) on tensors
        if isinstance(p, Jet):
            raise TypeError
        return -2 * self.nu * phi_x / phi


def test_residual_vanishes_on_exact_solution(float64):
    nu = 0.1
    model = ExactViscousShockless(nu)
    x = torch.rand(50, 2) * torch.tensor([2.0, 1.0]) - torch.tensor([1.0, 0.0])
    d = derivatives(model, x, "autograd", input_names=("x", "t"), output_names=("u",))
    r = Burgers(nu).residual(d, x)["pde"]
    assert r.abs().max() < 1e-12


@pytest.mark.parametrize("engine", ["taylor", "autograd"])
def test_hard_constraint_is_exact(engine, float64, seed):
    geom = SpaceTime(Interval(-1, 1), TimeDomain(0, 1))
    p = Burgers()
    model = OutputTransform(MLP(2, 1, 8, 2), p.hard_constraint(geom))
    x = torch.linspace(-1, 1, 11)
    ic = model(torch.stack([x, torch.zeros_like(x)], 1))[:, 0]
    torch.testing.assert_close(ic, -torch.sin(math.pi * x), atol=1e-14, rtol=0)
    t = torch.rand(7)
    for side in (-1.0, 1.0):
        bc = model(torch.stack([torch.full_like(t, side), t], 1))[:, 0]
        assert bc.abs().max() < 1e-14
    # and the derivative engines agree through the transform
    pts = torch.rand(6, 2)
    a, b = derivatives(model, pts, "taylor"), derivatives(model, pts, "autograd")
    torch.testing.assert_close(a.d2(0, 0), b.d2(0, 0))


def test_bad_inputs():
    with pytest.raises(ValueError, match="positive finite"):
        Burgers(nu=-1.0)
    with pytest.raises(ValueError, match="vanish at both ends"):
        Burgers().hard_constraint(SpaceTime(Interval(-0.5, 1), TimeDomain(0, 1)))
    assert np.isfinite(Burgers().nu)
