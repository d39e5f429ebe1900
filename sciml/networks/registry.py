"""Networks by name, so a checkpoint's saved spec rebuilds its own model."""
from __future__ import annotations

from typing import Any

from torch import nn

from sciml.networks.deeponet import CartesianDeepONet, DeepONet
from sciml.networks.fno import FNO
from sciml.networks.mlp import MLP, ModifiedMLP
from sciml.networks.unet import UNet

NETWORKS: dict[str, type[nn.Module]] = {"mlp": MLP, "modified_mlp": ModifiedMLP, "fno": FNO, "deeponet": DeepONet,
                                         "cartesiandeeponet": CartesianDeepONet, "unet": UNet}


def build_network(spec: dict[str, Any]) -> nn.Module:
    """Build a network from ``{"name": <registered name>, "kwargs": {...}}``."""
    if not isinstance(spec, dict) or "name" not in spec:
        raise ValueError(f"network spec must be a dict with 'name' and 'kwargs', got {spec!r}.")
    name = spec["name"]
    if name not in NETWORKS:
        raise ValueError(f"Unknown network {name!r}. Registered networks: {sorted(NETWORKS)}.")
    try:
        return NETWORKS[name](**spec.get("kwargs", {}))
    except TypeError as err:
        raise ValueError(f"Bad arguments for network {name!r}: {err}.") from err
