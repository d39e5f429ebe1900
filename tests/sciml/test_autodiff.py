"""The two derivative engines agree with each other, with analytic derivatives, and pass gradcheck."""

import math

import pytest
import torch
from torch import nn

from sciml.autodiff import Jet, derivatives, divergence, grad, hessian_diag, jacobian, laplacian, time_derivative
from sciml.networks import MLP, ModifiedMLP, OutputTransform

NETS = {
    "mlp_tanh": lambda: MLP(3, 2, 16, 3, "tanh", input_bounds=[[-1, -2, 0], [1, 2, 1]]),
    "mlp_sin_siren": lambda: MLP(3, 2, 16, 2, "sin", init="siren"),
    "mlp_silu": lambda: MLP(3, 2, 16, 2, "silu"),
    "mlp_gelu": lambda: MLP(3, 2, 16, 2, "gelu"),
    "mlp_sigmoid": lambda: MLP(3, 2, 16, 2, "sigmoid"),
    "fourier": lambda: MLP(3, 2, 16, 2, "tanh", fourier_features={"num_features": 8, "scale": 1.5}),
    "modified_mlp": lambda: ModifiedMLP(3, 2, 12, 3, "tanh", input_bounds=[[-1, -1, -1], [1, 1, 1]]),
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_engines_agree_float64(name, float64, seed):
    net = NETS[name]()
    x = torch.rand(17, 3) * 2 - 1
    a, b = derivatives(net, x, "taylor"), derivatives(net, x, "autograd")
    torch.testing.assert_close(a.value, b.value, rtol=0, atol=1e-12)
    for o in range(2):
        for k in range(3):
            torch.testing.assert_close(a.d(o, k), b.d(o, k), rtol=1e-10, atol=1e-10)
            torch.testing.assert_close(a.d2(o, k), b.d2(o, k), rtol=1e-10, atol=1e-10)


def test_engines_agree_with_output_transform(float64, seed):
    net = MLP(2, 1, 16, 2)
    model = OutputTransform(
        net, lambda x, y: -(x[:, 0:1] * math.pi).sin() + x[:, 1:2] * (1 - x[:, 0:1] * x[:, 0:1]) * y
    )
    x = torch.rand(9, 2)
    a, b = derivatives(model, x, "taylor"), derivatives(model, x, "autograd")
    for k in range(2):
        torch.testing.assert_close(a.d(0, k), b.d(0, k), rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(a.d2(0, k), b.d2(0, k), rtol=1e-10, atol=1e-10)


class Analytic(nn.Module):
    """u0 = sin(x) exp(y) t², u1 = x² + tanh(y) (written with Jet-compatible operations)."""

    supports_taylor = True

    def forward(self, p):
        x, y, t = p[:, 0:1], p[:, 1:2], p[:, 2:3]
        u0 = x.sin() * y.exp() * (t * t)
        u1 = x * x + y.tanh()
        return torch.cat([u0, u1], -1) if isinstance(p, torch.Tensor) else Jet.cat([u0, u1])


@pytest.mark.parametrize("engine", ["taylor", "autograd"])
def test_operators_match_analytic(engine, float64, seed):
    m = Analytic()
    p = torch.rand(11, 3)
    x, y, t = p[:, 0], p[:, 1], p[:, 2]
    g0 = torch.stack([x.cos() * y.exp() * t**2, x.sin() * y.exp() * t**2, 2 * t * x.sin() * y.exp()], -1)
    torch.testing.assert_close(grad(m, p, 0, engine), g0)
    sech2 = 1 - y.tanh() ** 2
    jac = torch.stack([g0, torch.stack([2 * x, sech2, torch.zeros_like(x)], -1)], 1)
    torch.testing.assert_close(jacobian(m, p, engine), jac)
    h0 = torch.stack([-x.sin() * y.exp() * t**2, x.sin() * y.exp() * t**2, 2 * x.sin() * y.exp()], -1)
    torch.testing.assert_close(hessian_diag(m, p, 0, engine), h0)
    torch.testing.assert_close(laplacian(m, p, 0, dims=[0, 1], engine=engine), torch.zeros_like(x), atol=1e-12, rtol=0)
    h1 = torch.stack([torch.full_like(x, 2.0), -2 * y.tanh() * sech2, torch.zeros_like(x)], -1)
    torch.testing.assert_close(hessian_diag(m, p, 1, engine), h1)
    torch.testing.assert_close(time_derivative(m, p, 0, engine=engine), g0[:, 2])
    torch.testing.assert_close(divergence(m, p, dims=[0, 1], engine=engine), g0[:, 0] + sech2)


class _WithWeight(nn.Module):
    """Calls ``net`` with its first weight replaced by ``wv`` (so gradcheck can vary it)."""

    supports_taylor = True

    def __init__(self, net, wv):
        super().__init__()
        self.net, self.wv = net, wv

    def forward(self, z):
        return torch.func.functional_call(self.net, {"hidden.0.weight": self.wv}, (z,))


@pytest.mark.parametrize("engine", ["taylor", "autograd"])
def test_gradcheck_operators(engine, float64, seed):
    net = MLP(2, 1, 6, 2, "tanh")
    x = (torch.rand(4, 2) * 2 - 1).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: laplacian(net, x, engine=engine), (x,))
    assert torch.autograd.gradcheck(lambda x: grad(net, x, engine=engine), (x,))
    assert torch.autograd.gradcheck(lambda x: hessian_diag(net, x, engine=engine), (x,))
    wv = net.hidden[0].weight.detach().clone().requires_grad_(True)
    x0 = x.detach()

    def residual_loss(w):
        d = derivatives(_WithWeight(net, w), x0, engine)
        return (d.d2(0, 0) + d.d(0, 0) * d.value[:, 0] + d.d(0, 1)).pow(2).mean()

    assert torch.autograd.gradcheck(residual_loss, (wv,))


def test_taylor_loss_gradient_matches_finite_differences(float64, seed):
    """d/dθ mean((u_xx + u_t)²) through the Taylor engine equals central differences."""
    net = MLP(2, 1, 8, 2, "tanh")
    x = torch.rand(12, 2)

    def loss():
        d = derivatives(net, x, "taylor")
        return (d.d2(0, 0) + d.d(0, 1)).pow(2).mean()

    net.zero_grad()
    loss().backward()
    p = net.hidden[1].weight
    g = p.grad.clone()
    eps = 1e-6
    for idx in [(0, 0), (3, 5), (7, 2)]:
        with torch.no_grad():
            p[idx] += eps
            lp = loss().item()
            p[idx] -= 2 * eps
            lm = loss().item()
            p[idx] += eps
        fd = (lp - lm) / (2 * eps)
        assert abs(fd - g[idx].item()) <= 1e-6 * max(1.0, abs(fd))


def test_second_dims_subset_and_errors(float64, seed):
    net = MLP(3, 1, 8, 2)
    x = torch.rand(5, 3)
    full = derivatives(net, x, "taylor")
    sub = derivatives(net, x, "taylor", second_dims=[2])
    torch.testing.assert_close(sub.d2(0, 2), full.d2(0, 2))
    with pytest.raises(ValueError, match="second_dims"):
        sub.d2(0, 0)
    with pytest.raises(ValueError, match="engine"):
        derivatives(net, x, "forward")
    with pytest.raises(ValueError, match="supports_taylor"):
        derivatives(nn.Linear(3, 1), x, "taylor")
    # auto falls back to autograd for a plain torch module
    d = derivatives(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)), x, "auto")
    assert type(d).__name__ == "AutogradDerivatives"


def test_named_inputs_outputs(float64, seed):
    net = MLP(2, 1, 8, 2)
    x = torch.rand(5, 2)
    d = derivatives(net, x, "taylor", input_names=("x", "t"), output_names=("u",))
    torch.testing.assert_close(d.d("u", "t"), d.d(0, 1))
    torch.testing.assert_close(d.dt("u"), d.d(0, 1))
    with pytest.raises(KeyError, match="known inputs"):
        d.d("u", "y")


@pytest.mark.parametrize("name", ["mlp_tanh", "modified_mlp", "fourier"])
def test_summed_forward_laplacian_equals_per_dimension_sum(name, float64, seed):
    net = NETS[name]()
    x = torch.rand(9, 3)
    full = derivatives(net, x, "taylor")
    summed = derivatives(net, x, "taylor", laplacian_only=True)
    assert summed.jet.data.shape[1] == 1 + 3 + 1
    for o in range(2):
        torch.testing.assert_close(summed.laplacian(o), full.laplacian(o), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(summed.d(o, 1), full.d(o, 1))
    with pytest.raises(ValueError, match="Only the Laplacian"):
        summed.d2(0, 0)
    part = derivatives(net, x, "taylor", second_dims=[0, 1], laplacian_only=True)
    torch.testing.assert_close(part.laplacian(0, dims=[0, 1]), full.laplacian(0, dims=[0, 1]))
    with pytest.raises(ValueError, match="covers inputs"):
        part.laplacian(0)
