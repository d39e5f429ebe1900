"""Split nested state (dicts, lists, tuples of tensors and plain values) into JSON + tensors.

Optimizer and scheduler ``state_dict``s become a JSON skeleton whose tensor leaves are
``{"__tensor__": key}`` references and a flat ``{key: tensor}`` dict for safetensors.
Nothing is pickled, so loading cannot run code.
"""

from __future__ import annotations

import math
from typing import Any

import torch

_TENSOR, _TUPLE, _FLOAT = "__tensor__", "__tuple__", "__float__"


def flatten_state(obj: Any, prefix: str = "s") -> tuple[Any, dict[str, torch.Tensor]]:
    """Split a nest of dicts/lists/tensors into a JSON-able tree and ``{name: tensor}`` (no pickles)."""
    tensors: dict[str, torch.Tensor] = {}

    def walk(o: Any, path: str) -> Any:
        if isinstance(o, torch.Tensor):
            tensors[path] = o.detach().cpu().contiguous()
            return {_TENSOR: path}
        if isinstance(o, dict):
            for k in o:
                if not isinstance(k, (str, int)):
                    raise TypeError(f"state key {k!r} at {path} must be str or int to be saved.")
            return {"__dict__": [[k, walk(v, f"{path}.{k}")] for k, v in o.items()]}
        if isinstance(o, (list, tuple)):
            items = [walk(v, f"{path}.{i}") for i, v in enumerate(o)]
            return {_TUPLE: items} if isinstance(o, tuple) else items
        if isinstance(o, float) and not math.isfinite(o):
            return {_FLOAT: repr(o)}
        if o is None or isinstance(o, (bool, int, float, str)):
            return o
        raise TypeError(f"Cannot save object of type {type(o).__name__} at {path}; only tensors and plain data.")

    return walk(obj, prefix), tensors


def unflatten_state(tree: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Rebuild the nest that :func:`flatten_state` split, from its tree and tensors."""

    def walk(o: Any) -> Any:
        if isinstance(o, dict):
            if _TENSOR in o:
                key = o[_TENSOR]
                if key not in tensors:
                    raise KeyError(f"training state refers to tensor {key!r}, which is missing from the file.")
                return tensors[key]
            if _TUPLE in o:
                return tuple(walk(v) for v in o[_TUPLE])
            if _FLOAT in o:
                return float(o[_FLOAT])
            return {k: walk(v) for k, v in o["__dict__"]}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o

    return walk(tree)
