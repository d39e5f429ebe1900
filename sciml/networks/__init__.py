"""Field networks. All accept tensors and Jets, so both derivative engines cover them."""

from sciml.networks.deeponet import CartesianDeepONet, DeepONet
from sciml.networks.fno import FNO, SpectralConv, count_parameters
from sciml.networks.layers import ACTIVATIONS, Activation, Dense, FourierFeatures, InputNormalization, PeriodicEmbedding
from sciml.networks.mlp import MLP, ModifiedMLP
from sciml.networks.registry import FIELD_NETWORKS, NETWORKS, build_network, field_network_spec
from sciml.networks.stream_function import StreamFunctionField
from sciml.networks.transforms import OutputTransform
from sciml.networks.unet import UNet

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Dense",
    "FourierFeatures",
    "PeriodicEmbedding",
    "InputNormalization",
    "MLP",
    "ModifiedMLP",
    "NETWORKS",
    "FIELD_NETWORKS",
    "build_network",
    "field_network_spec",
    "OutputTransform",
    "StreamFunctionField",
    "FNO",
    "SpectralConv",
    "count_parameters",
    "DeepONet",
    "CartesianDeepONet",
    "UNet",
]
