"""Networks by name, so a checkpoint's saved spec rebuilds its own model."""

from __future__ import annotations

from typing import Any

from torch import nn

from sciml.networks.deeponet import CartesianDeepONet, DeepONet
from sciml.networks.fno import FNO
from sciml.networks.mlp import MLP, ModifiedMLP
from sciml.networks.stream_function import StreamFunctionField, stream_function_spec
from sciml.networks.unet import UNet

NETWORKS: dict[str, Any] = {
    cls.registry_name: cls for cls in (MLP, ModifiedMLP, FNO, DeepONet, CartesianDeepONet, UNet)
}
NETWORKS[StreamFunctionField.registry_name] = StreamFunctionField.from_spec  # wraps a saved inner spec
FIELD_NETWORKS = tuple(name for name, cls in NETWORKS.items() if getattr(cls, "supports_taylor", False))
"""Networks mapping points ``[N, D]`` to fields ``[N, F]`` (PINNs: the ``model.name`` choices)."""


def field_network_spec(model: dict[str, Any], input_names, output_names, bounds=None) -> dict[str, Any]:
    """The spec of a field network ``[N, len(input_names)] → [N, len(output_names)]`` from a ``model`` config node.

    ``bounds`` = ``(lower [D], upper [D])`` of the inputs normalises them to ``[-1, 1]`` when
    ``model["normalize_inputs"]``.
    ``model["stream_function"]`` = two velocity output names (e.g. ``["u", "v"]``) wraps the network in a
    :class:`~sciml.networks.stream_function.StreamFunctionField`: it predicts ψ, and the velocity is its curl.
    """
    kwargs = {k: v for k, v in model.items() if k not in ("name", "normalize_inputs", "stream_function")}
    kwargs["in_features"], kwargs["out_features"] = len(input_names), len(output_names)
    if model.get("normalize_inputs", True) and bounds is not None:
        kwargs["input_bounds"] = [list(map(float, bounds[0])), list(map(float, bounds[1]))]
    spec = {"name": model.get("name", "mlp"), "kwargs": kwargs}
    if model.get("stream_function"):
        spec = stream_function_spec(spec, output_names, model["stream_function"], input_names)
    return spec


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
