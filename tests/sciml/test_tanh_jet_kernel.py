"""The native tanh-MLP jet operator against the pure-torch Jet path, finite differences and torch's tanh."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import sciml.networks.tanh_jet_kernel as kernel
from sciml.autodiff.jet import Jet
from sciml.networks import MLP

pytestmark = pytest.mark.skipif(kernel.TANH_JET_KERNEL.load() is None, reason="no C++ compiler for native kernels")


def _layers(sizes, dtype, seed=0):
    torch.manual_seed(seed)
    layers = [nn.Linear(a, b).to(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    for layer in layers:  # weights of order one, so tanh works across its range, not only near zero
        nn.init.normal_(layer.weight, 0.0, 1.2 / layer.in_features**0.5)
        nn.init.normal_(layer.bias, 0.0, 0.5)
    return layers


def _params(layers):
    return [t for layer in layers for t in (layer.weight, layer.bias)]


def _jet_reference(data, params, jet):
    """The same network through the pure-torch :class:`Jet` rules: ``data`` with ``jet``'s layout."""
    h = Jet(data, jet.n_inputs, jet.second_dims, jet.summed)
    for k in range(0, len(params) - 2, 2):
        h = h.linear(params[k], params[k + 1]).tanh()
    return h.linear(params[-2], params[-1]).data


LAYOUTS = [  # (inputs, second_dims, summed): 2..8 channels, one-hot and summed second-order rows
    (2, (0,), False),
    (2, (0, 1), False),
    (2, (0, 1), True),
    (1, (), False),
    (3, (2, 0), False),
    (4, (0, 1, 3), False),
]


@pytest.mark.parametrize("inputs,second,summed", LAYOUTS)
@pytest.mark.parametrize("sizes", [[None, 20, 20, 1], [None, 7, 13, 3]])
def test_values_and_gradients_equal_the_torch_jet_path(inputs, second, summed, sizes):
    sizes = [inputs] + sizes[1:]
    layers = _layers(sizes, torch.float64)
    x = torch.randn(37, inputs, dtype=torch.float64) * 1.5  # 37: a ragged last block in both lane widths
    jet = Jet.variable(x, second, summed)
    mask = kernel.second_order_mask(jet)
    data = jet.data.clone().requires_grad_()
    params = _params(layers)
    ref = _jet_reference(data, params, jet)
    out = torch.ops.sciml.tanh_jet_mlp(data, params, inputs, mask)
    torch.testing.assert_close(out, ref, rtol=1e-13, atol=1e-13)
    grad = torch.randn_like(ref)
    expected = torch.autograd.grad(ref, [data, *params], grad)
    got = torch.autograd.grad(out, [data, *params], grad)
    for g, e in zip(got, expected):
        torch.testing.assert_close(g, e, rtol=1e-12, atol=1e-12)


def test_gradcheck_against_finite_differences():
    layers = _layers([2, 5, 6, 2], torch.float64, seed=1)
    jet = Jet.variable(torch.randn(11, 2, dtype=torch.float64), (0, 1))
    mask = kernel.second_order_mask(jet)
    data = jet.data.clone().requires_grad_()
    params = [p.detach().clone().requires_grad_() for p in _params(layers)]
    assert torch.autograd.gradcheck(lambda d, *p: torch.ops.sciml.tanh_jet_mlp(d, list(p), 2, mask), (data, *params))


def test_float32_matches_float64_to_single_precision():
    layers64 = _layers([2, 20, 20, 20, 1], torch.float64)
    x = torch.rand(500, 2, dtype=torch.float64) * 2 - 1
    jet = Jet.variable(x, (0,))
    mask = kernel.second_order_mask(jet)
    ref = torch.ops.sciml.tanh_jet_mlp(jet.data, _params(layers64), 2, mask)
    p32 = [p.detach().float() for p in _params(layers64)]
    out = torch.ops.sciml.tanh_jet_mlp(jet.data.float(), p32, 2, mask)
    assert ((out.double() - ref).abs().max() / ref.abs().max()).item() < 2e-6


@pytest.mark.parametrize("dtype,ulps", [(torch.float32, 3.0), (torch.float64, 4.0)])
def test_the_kernels_tanh_against_torch_in_ulps(dtype, ulps):
    """One hidden unit with identity weights exposes the kernel's tanh: saturation, tiny and mid-range inputs."""
    tiny = torch.logspace(-30, 1, 400, dtype=dtype)
    z = torch.cat([torch.linspace(-30, 30, 20001, dtype=dtype), tiny, -tiny])
    one, zero = torch.ones(1, 1, dtype=dtype), torch.zeros(1, dtype=dtype)
    data = torch.stack([z, torch.zeros_like(z)], 1)[:, :, None]  # value channel and one first-derivative channel
    out = torch.ops.sciml.tanh_jet_mlp(data, [one, zero, one, zero], 1, [])[:, 0, 0]
    exact = torch.tanh(z.double())
    rel = ((out.double() - exact).abs() / exact.abs().clamp_min(1e-300)).max().item()
    assert rel <= ulps * torch.finfo(dtype).eps


def test_a_nan_input_gives_nan_not_a_number_that_looks_fine():
    layers = _layers([2, 8, 1], torch.float32)
    jet = Jet.variable(torch.tensor([[0.1, 0.2], [float("nan"), 0.0]]), (0,))
    out = torch.ops.sciml.tanh_jet_mlp(jet.data, _params(layers), 2, kernel.second_order_mask(jet))
    assert torch.isfinite(out[0]).all() and torch.isnan(out[1, 0]).all()


def test_gradients_do_not_depend_on_the_thread_count():
    layers = _layers([2, 20, 20, 1], torch.float32)
    jet = Jet.variable(torch.rand(3000, 2), (0,))
    mask = kernel.second_order_mask(jet)
    grad = torch.randn(3000, jet.data.shape[1], 1)
    before = torch.get_num_threads()
    results = []
    try:
        for threads in (1, 2, 3):
            torch.set_num_threads(threads)
            results.append(torch.ops.sciml.tanh_jet_mlp_backward(grad, jet.data, _params(layers), 2, mask))
    finally:
        torch.set_num_threads(before)
    for gx, flat in results[1:]:
        assert torch.equal(gx, results[0][0]) and torch.equal(flat, results[0][1])


def test_mlp_routes_tanh_jets_through_the_operator_and_others_through_torch(monkeypatch):
    torch.manual_seed(0)
    net = MLP(2, 2, 16, 3, "tanh", input_bounds=[[-1, 0], [1, 1]]).double()
    jet = Jet.variable(torch.rand(40, 2, dtype=torch.float64), (0,))
    calls = []
    original = kernel.tanh_jet_mlp
    monkeypatch.setattr("sciml.networks.mlp.tanh_jet_mlp", lambda *a: calls.append(1) or original(*a))
    fused = net(jet)
    assert calls, "a CPU tanh MLP on a jet should use the native operator"
    monkeypatch.setattr("sciml.networks.mlp.tanh_jet_mlp_applies", lambda *a: False)
    plain = net(jet)
    torch.testing.assert_close(fused.data, plain.data, rtol=1e-13, atol=1e-13)
    many = Jet.variable(torch.rand(5, 5, dtype=torch.float64), (0, 1, 2, 3))  # 10 channels: beyond the kernel
    assert not kernel.tanh_jet_mlp_applies(many, [*net.hidden, net.head])


def test_without_the_native_library_networks_keep_the_torch_path(monkeypatch):
    torch.manual_seed(0)
    net = MLP(2, 1, 9, 2, "tanh").double()
    jet = Jet.variable(torch.rand(20, 2, dtype=torch.float64), (0,))
    native = net(jet).data
    g_native = torch.autograd.grad(native.sum(), list(net.parameters()))
    monkeypatch.setattr(kernel.TANH_JET_KERNEL, "load", lambda: None)
    assert not kernel.tanh_jet_mlp_applies(jet, [*net.hidden, net.head])
    fallback = net(jet).data
    g_fallback = torch.autograd.grad(fallback.sum(), list(net.parameters()))
    torch.testing.assert_close(fallback, native, rtol=1e-13, atol=1e-13)
    for a, b in zip(g_fallback, g_native):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    with pytest.raises(RuntimeError, match="pure-torch jet path"):
        torch.ops.sciml.tanh_jet_mlp(jet.data, list(net.parameters()), 2, kernel.second_order_mask(jet))


def test_compiled_loss_through_the_operator_has_no_graph_break():
    import torch._dynamo

    torch._dynamo.reset()
    net = MLP(2, 1, 12, 2, "tanh")
    x = torch.rand(64, 2)

    def loss(points):
        jet = net(Jet.variable(points, (0,)))
        return (jet.d1[:, 1, 0] + jet.value[:, 0] * jet.d1[:, 0, 0] - 0.01 * jet.d2[:, 0, 0]).square().mean()

    explain = torch._dynamo.explain(loss)(x)
    assert explain.graph_break_count == 0
    eager = loss(x)
    compiled = torch.compile(loss)(x)
    torch.testing.assert_close(compiled, eager, rtol=1e-5, atol=1e-7)


def test_eager_runs_pick_taylor_derivatives_when_the_jets_run_natively():
    from sciml.autodiff.derivatives import resolve_engine

    cpu = torch.device("cpu")
    tanh_net, sine_net = MLP(2, 1, 8, 2, "tanh"), MLP(2, 1, 8, 2, "sin")
    assert tanh_net.jets_run_native(cpu, torch.float32) and tanh_net.jets_run_native(cpu, torch.float64)
    assert not sine_net.jets_run_native(cpu, torch.float32) and not tanh_net.jets_run_native(cpu, torch.float16)
    assert resolve_engine("auto", tanh_net, "pynative", native_jets=True) == "taylor"
    assert resolve_engine("auto", sine_net, "pynative") == "autograd"  # eager jets on torch ops: nested autograd wins


def test_shapes_the_kernel_would_read_past_are_refused_with_the_expected_layout():
    layers = _layers([2, 6, 1], torch.float32)
    jet = Jet.variable(torch.rand(10, 2), (0,))
    mask = kernel.second_order_mask(jet)
    params = _params(layers)
    with pytest.raises(ValueError, match=r"needs weight \[F_out, 3\]"):
        torch.ops.sciml.tanh_jet_mlp(torch.rand(10, 4, 3), params, 2, mask)  # 3 features into a 2-input layer
    with pytest.raises(ValueError, match="has 4 channels, but x has 5"):
        torch.ops.sciml.tanh_jet_mlp(torch.rand(10, 5, 2), params, 2, mask)
    with pytest.raises(ValueError, match="params must be"):
        torch.ops.sciml.tanh_jet_mlp(jet.data, params[:-1], 2, mask)
    with pytest.raises(ValueError, match="does not match the output"):
        torch.ops.sciml.tanh_jet_mlp_backward(torch.rand(10, 4, 2), jet.data, params, 2, mask)


@pytest.mark.parametrize("sizes", [[3, 20, 20, 1], [2, 7, 13, 3]])
def test_values_only_equal_torch_layers_with_gradients_and_gradcheck(sizes):
    """One channel (no derivatives): the operator is a plain tanh MLP; values and first-order gradients against
    torch's own layers, and torch.autograd.gradcheck."""
    layers = _layers(sizes, torch.float64, seed=2)
    x = (torch.randn(37, sizes[0], dtype=torch.float64) * 1.5).requires_grad_()
    params = _params(layers)
    got = kernel.tanh_mlp_values(x, layers)
    h = x
    for layer in layers[:-1]:
        h = torch.tanh(layer(h))
    ref = layers[-1](h)
    torch.testing.assert_close(got, ref, rtol=1e-13, atol=1e-13)
    grad = torch.randn_like(ref)
    for g, e in zip(torch.autograd.grad(got, [x, *params], grad), torch.autograd.grad(ref, [x, *params], grad)):
        torch.testing.assert_close(g, e, rtol=1e-12, atol=1e-12)
    small = _layers([2, 4, 5, 2], torch.float64, seed=3)
    xs = torch.randn(9, 2, dtype=torch.float64, requires_grad=True)
    ps = [p.detach().clone().requires_grad_() for p in _params(small)]
    assert torch.autograd.gradcheck(
        lambda d, *p: torch.ops.sciml.tanh_jet_mlp(d.unsqueeze(1), list(p), 0, []).squeeze(1), (xs, *ps)
    )


def test_mlp_takes_the_operator_on_points_for_inference_only(monkeypatch):
    """With grad disabled a CPU tanh MLP evaluates points natively (the same values as torch's layers); with grad
    enabled, and while tracing for export, it keeps torch's layers (derivatives in x by autograd need a double
    backward, which the operator lacks)."""
    torch.manual_seed(0)
    net = MLP(2, 2, 16, 3, "tanh", input_bounds=[[-1, 0], [1, 1]])
    x = torch.rand(100, 2)
    calls = []
    original = kernel.tanh_mlp_values
    monkeypatch.setattr("sciml.networks.mlp.tanh_mlp_values", lambda *a: calls.append(1) or original(*a))
    with torch.no_grad():
        fast = net(x)
    assert len(calls) == 1
    slow = net(x)
    assert len(calls) == 1 and slow.requires_grad
    torch.testing.assert_close(fast, slow.detach(), rtol=2e-6, atol=2e-6)
    xg = x.clone().requires_grad_()
    (du,) = torch.autograd.grad(net(xg).sum(), xg, create_graph=True)  # derivatives in x: a double backward
    torch.autograd.grad(du.sum(), list(net.parameters()), allow_unused=True)  # the head bias drops out of du
    assert len(calls) == 1
    with torch.no_grad():
        traced = torch.jit.trace(net, x)  # what the TorchScript-based ONNX exporter does
    assert "sciml::" not in str(traced.graph)  # exported graphs keep standard operators


def test_values_only_layout_is_checked():
    layers = _layers([2, 4, 1], torch.float64)
    x = torch.randn(5, 1, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="inputs 0 and no mask"):
        torch.ops.sciml.tanh_jet_mlp(x, _params(layers), 0, [1])
    with pytest.raises(ValueError, match="channels"):
        torch.ops.sciml.tanh_jet_mlp(torch.randn(5, 2, 2, dtype=torch.float64), _params(layers), 0, [])
