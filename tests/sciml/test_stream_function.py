"""The stream-function field: its velocity is the curl of ψ, divergence-free for any weights."""

import math

import pytest
import torch

from sciml.autodiff import derivatives
from sciml.networks import MLP, StreamFunctionField, build_network, field_network_spec


def _psi_net(width=16, outputs=2):
    torch.manual_seed(0)
    return MLP(in_features=3, out_features=outputs, width=width, depth=3).double()


def test_velocity_is_the_curl_of_the_wrapped_stream_function():
    """Against an analytic ψ = sin(x) cos(2y) e^{-t}: u = ψ_y = -2 sin x sin 2y e^{-t},
    v = -ψ_x = -cos x cos 2y e^{-t}."""

    class Analytic(torch.nn.Module):
        def forward(self, x):
            psi = torch.sin(x[:, 0]) * torch.cos(2 * x[:, 1]) * torch.exp(-x[:, 2])
            return torch.stack([psi, x[:, 0] * x[:, 1]], 1)  # second column: a pressure-like output

    x = torch.rand(50, 3, dtype=torch.float64) * 2 - 1
    out = StreamFunctionField(Analytic(), velocity=(0, 1))(x)
    e = torch.exp(-x[:, 2])
    u = -2 * torch.sin(x[:, 0]) * torch.sin(2 * x[:, 1]) * e
    v = -torch.cos(x[:, 0]) * torch.cos(2 * x[:, 1]) * e
    torch.testing.assert_close(out[:, 0], u, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(out[:, 1], v, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(out[:, 2], x[:, 0] * x[:, 1])


def test_divergence_vanishes_and_third_derivatives_match_finite_differences():
    """∂u/∂x + ∂v/∂y = 0 to round-off for a random network; Δu (a third derivative of ψ) against central differences."""
    field = StreamFunctionField(_psi_net(), velocity=(0, 1))
    x = torch.rand(40, 3, dtype=torch.float64) * 2 - 1
    d = derivatives(field, x, "autograd", output_names=("u", "v", "p"), input_names=("x", "y", "t"))
    div = d.d("u", "x") + d.d("v", "y")
    scale = d.d("u", "x").detach().abs().max()
    assert div.detach().abs().max() <= 1e-12 * max(float(scale), 1.0)
    h = 1e-3
    lap_fd = torch.zeros(40, dtype=torch.float64)
    for k in (0, 1):
        e = torch.zeros(3, dtype=torch.float64)
        e[k] = h
        lap_fd += (field(x + e)[:, 0] - 2 * field(x)[:, 0] + field(x - e)[:, 0]) / h**2
    lap = d.laplacian("u", ("x", "y"))
    assert (lap - lap_fd).abs().max() <= 1e-5 * max(float(lap.abs().max()), 1.0)


def test_weight_gradients_flow_and_no_grad_evaluation_is_detached():
    field = StreamFunctionField(_psi_net(), velocity=(0, 1)).double()
    x = torch.rand(30, 3, dtype=torch.float64)
    field(x).square().sum().backward()
    grads = [p.grad for p in field.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)
    with torch.no_grad():
        y = field(x)
    assert not y.requires_grad
    torch.testing.assert_close(y, field(x).detach())


def test_spec_round_trip_and_output_order():
    """field_network_spec with stream_function builds the wrapper around an MLP with one output fewer; a rebuilt spec
    gives the same field (a checkpoint's meta.json stores this spec)."""
    spec = field_network_spec(
        {"name": "mlp", "width": 8, "depth": 2, "stream_function": ["u", "v"]},
        ("x", "y", "t"),
        ("p", "u", "v"),
        ([0.0, -1.0, 0.0], [2.0, 1.0, 1.0]),
    )
    assert spec["name"] == "stream_function"
    assert spec["kwargs"]["velocity"] == [1, 2] and spec["kwargs"]["inner"]["kwargs"]["out_features"] == 2
    torch.manual_seed(1)
    a = build_network(spec)
    b = build_network(spec)
    b.load_state_dict(a.state_dict())
    x = torch.rand(10, 3)
    torch.testing.assert_close(a(x), b(x))
    assert a(x).shape == (10, 3)


@pytest.mark.parametrize("names", [["u"], ["u", "w"], ["u", "u"]])
def test_bad_velocity_names_are_refused_with_the_fix(names):
    with pytest.raises(ValueError, match=r"stream_function=\[u,v\]"):
        field_network_spec({"name": "mlp", "stream_function": names}, ("x", "y", "t"), ("u", "v", "p"))


def test_jets_are_refused_with_a_teaching_error():
    field = StreamFunctionField(_psi_net(), velocity=(0, 1))
    with pytest.raises(ValueError, match="autograd"):
        derivatives(field, torch.rand(5, 3, dtype=torch.float64), "taylor")
    assert math.isfinite(float(field(torch.zeros(1, 3, dtype=torch.float64)).sum()))
