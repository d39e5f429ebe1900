"""Networks: shapes, initialisation schemes, rebuild from spec, hard-constraint transforms, bad arguments."""

import math

import pytest
import torch

from sciml.networks import MLP, FourierFeatures, InputNormalization, ModifiedMLP, OutputTransform, build_network


@pytest.mark.parametrize("cls", [MLP, ModifiedMLP])
@pytest.mark.parametrize("act", ["tanh", "sin", "silu", "gelu"])
def test_shapes_and_spec_rebuild(cls, act):
    torch.manual_seed(0)
    net = cls(3, 2, 16, 2, act, fourier_features={"num_features": 4, "scale": 2.0})
    x = torch.rand(5, 3)
    assert net(x).shape == (5, 2)
    twin = build_network(net.spec())
    twin.load_state_dict(net.state_dict())
    torch.testing.assert_close(twin(x), net(x))


def test_siren_initialisation_bounds():
    torch.manual_seed(0)
    net = MLP(2, 1, 256, 3, "sin", init="siren", omega0=30.0)
    first, second = net.hidden[0].weight, net.hidden[1].weight
    assert first.abs().max() <= 1 / 2 and second.abs().max() <= math.sqrt(6 / 256) / 30 + 1e-9
    # activations stay O(1) through depth (the point of the scheme)
    h = net.hidden[0](torch.rand(4096, 2) * 2 - 1)
    for layer in net.hidden[1:]:
        h = layer(torch.sin(30 * h))
    assert 0.1 < torch.sin(30 * h).std() < 1.0


def test_input_normalization_maps_box_to_unit_cube():
    norm = InputNormalization([-2, 0], [2, 10])
    out = norm(torch.tensor([[-2.0, 0.0], [2.0, 10.0], [0.0, 5.0]]))
    torch.testing.assert_close(out, torch.tensor([[-1.0, -1.0], [1.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="must exceed lower"):
        InputNormalization([0, 0], [1, 0])


def test_fourier_features_are_bounded_and_fixed():
    ff = FourierFeatures(2, 8, scale=3.0)
    y = ff(torch.rand(10, 2))
    assert y.shape == (10, 16) and y.abs().max() <= 1
    assert not any(p.requires_grad for p in ff.parameters())


def test_output_transform_imposes_constraint():
    net = MLP(1, 1, 8, 2)
    model = OutputTransform(net, lambda x, y: x * (1 - x) * y)  # u(0) = u(1) = 0
    assert model.supports_taylor
    assert model(torch.tensor([[0.0], [1.0]])).abs().max() == 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation='relu'"):
        MLP(2, 1, 8, 2, "relu")
    with pytest.raises(ValueError, match="width must be a positive integer"):
        MLP(2, 1, 0, 2)
    with pytest.raises(ValueError, match="requires activation='sin'"):
        MLP(2, 1, 8, 2, "tanh", init="siren")
    with pytest.raises(ValueError, match="Bad arguments for network 'mlp'"):
        build_network({"name": "mlp", "kwargs": {"in_features": 2, "out_features": 1, "colour": "red"}})
