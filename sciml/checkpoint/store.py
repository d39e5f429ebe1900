"""Checkpoints: safetensors weights + JSON metadata, written atomically and verified on load.

Layout of one checkpoint directory::

    <name>/model.safetensors        network parameters and buffers
    <name>/train_state.safetensors  optimizer / scheduler / RNG tensors (optional)
    <name>/train_state.json         the rest of the training state (optional)
    <name>/meta.json                written last: class spec, version, config, metrics, step,
                                    and the SHA-256 of every file above

A directory without ``meta.json``, or whose files do not match the recorded hashes, is
reported as incomplete or corrupted rather than loaded. Files are never unpickled.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from sciml.checkpoint.atomic import atomic_directory
from sciml.checkpoint.files import check_regular_file, check_safetensors_size
from sciml.checkpoint.store_errors import CheckpointError
from sciml.checkpoint.tree import flatten_state, unflatten_state

FORMAT_VERSION = 1
MAX_JSON_BYTES = 256 * 2**20  # meta.json / train_state.json larger than this are refused unread
_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05", b"PK\x03\x04")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _model_tensors(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}


def save_checkpoint(
    path: str | os.PathLike,
    model: torch.nn.Module,
    *,
    metadata: dict[str, Any] | None = None,
    train_state: Any = None,
) -> Path:
    """Write a checkpoint directory at ``path`` atomically; returns ``path``.

    ``metadata`` must be JSON-serialisable (class spec, config, metrics, step...).
    ``train_state`` is any nest of dicts/lists of tensors and plain values (optimizer state...).
    """
    from sciml import __version__

    path = Path(path)
    tensors = _model_tensors(model)
    for name, t in tensors.items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise CheckpointError(f"Refusing to save {path}: tensor {name!r} holds NaN or Inf.")
    files: dict[str, bytes] = {"model.safetensors": st_save(tensors)}
    if train_state is not None:
        tree, ts = flatten_state(train_state, "train")
        files["train_state.safetensors"] = st_save(ts)
        files["train_state.json"] = json.dumps(tree).encode()
    meta = {
        "format": "sciml-checkpoint",
        "format_version": FORMAT_VERSION,
        "sciml_version": __version__,
        "torch_version": torch.__version__,
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "sha256": {name: _sha256(data) for name, data in files.items()},
        **(metadata or {}),
    }
    try:
        meta_bytes = json.dumps(meta, indent=2, default=_json_default).encode()
    except TypeError as err:
        raise CheckpointError(f"checkpoint metadata must be JSON-serialisable: {err}") from err
    with atomic_directory(path) as tmp:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        (tmp / "meta.json").write_bytes(meta_bytes)
    return path


def _json_default(o: Any):
    if isinstance(o, (torch.Tensor,)) and o.numel() == 1:
        return o.item()
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"{type(o).__name__} is not JSON-serialisable")


def _read_verified(path: Path, name: str, meta: dict) -> bytes:
    f = path / name
    if not f.exists():
        raise CheckpointError(f"Checkpoint {path} is incomplete: {name} is missing.")
    check_regular_file(f, max_bytes=None if name.endswith(".safetensors") else MAX_JSON_BYTES, what="checkpoint file")
    with open(f, "rb") as fh:
        head = fh.read(4)
    if head[:2] in _PICKLE_MAGIC[:4] or head[:4] == _PICKLE_MAGIC[4]:
        raise CheckpointError(
            f"{f} looks like a pickle/torch.save archive. sciml never unpickles (it can run code); "
            "convert it with safetensors.torch.save_file in a trusted environment."
        )
    if name.endswith(".safetensors"):
        check_safetensors_size(f)  # before reading it whole: the size its header declares must match
    data = f.read_bytes()
    want = meta.get("sha256", {}).get(name)
    if want is None:
        raise CheckpointError(
            f"Checkpoint {path}: meta.json has no hash for {name}; the file was not written by sciml."
        )
    got = _sha256(data)
    if got != want:
        raise CheckpointError(
            f"Checkpoint file {f} is corrupted or truncated: SHA-256 {got[:12]}… does not match "
            f"the recorded {want[:12]}… ({len(data)} bytes on disk). Use an earlier checkpoint."
        )
    return data


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check ``meta.json`` of a checkpoint directory."""
    path = Path(path)
    if not path.is_dir():
        raise CheckpointError(f"Checkpoint {path} does not exist or is not a directory.")
    mf = path / "meta.json"
    if not mf.exists():
        raise CheckpointError(
            f"Checkpoint {path} is incomplete: meta.json is missing (the write was interrupted). "
            "Use an earlier checkpoint."
        )
    check_regular_file(mf, max_bytes=MAX_JSON_BYTES, what="checkpoint metadata")
    try:
        meta = json.loads(mf.read_text())
    except json.JSONDecodeError as err:
        raise CheckpointError(f"Checkpoint {path}: meta.json is not valid JSON ({err}); the file is damaged.") from err
    if meta.get("format") != "sciml-checkpoint":
        raise CheckpointError(f"{path} is not a sciml checkpoint (meta.json has no format marker).")
    return meta


def load_weights(path: str | os.PathLike, model: torch.nn.Module, *, strict: bool = True) -> dict[str, Any]:
    """Load ``model.safetensors`` into ``model`` after checking every tensor; returns metadata.

    Raises :class:`CheckpointError` naming the tensor whose name, shape or dtype differs.
    """
    path = Path(path)
    meta = read_metadata(path)
    data = _read_verified(path, "model.safetensors", meta)
    try:
        loaded = st_load(data)
    except Exception as err:
        raise CheckpointError(f"{path / 'model.safetensors'} cannot be parsed as safetensors: {err}") from err
    expected = model.state_dict()
    missing = sorted(set(expected) - set(loaded))
    unexpected = sorted(set(loaded) - set(expected))
    if strict and (missing or unexpected):
        raise CheckpointError(
            f"Checkpoint {path} does not match {type(model).__name__}: missing tensors {missing}, "
            f"unexpected tensors {unexpected}. Was it saved from a different architecture?"
        )
    for name, want in expected.items():
        if name not in loaded:
            continue
        got = loaded[name]
        if got.shape != want.shape:
            raise CheckpointError(
                f"Checkpoint {path}: tensor {name!r} changed shape from {tuple(got.shape)} (file) to "
                f"{tuple(want.shape)} (model). Rebuild the model with the checkpoint's arguments "
                f"(meta.json 'network')."
            )
        if got.dtype != want.dtype:
            raise CheckpointError(
                f"Checkpoint {path}: tensor {name!r} is {got.dtype} in the file but {want.dtype} in the model. "
                "Cast the model (model.to(dtype)) before loading, or set dtype to match."
            )
    with torch.no_grad():
        model.load_state_dict({k: v.to(expected[k].device) for k, v in loaded.items() if k in expected}, strict=strict)
    return meta


def load_train_state(path: str | os.PathLike) -> Any:
    """Read the training state saved beside the weights (``None`` if there is none)."""
    path = Path(path)
    meta = read_metadata(path)
    if "train_state.json" not in meta.get("sha256", {}):
        return None
    tree = json.loads(_read_verified(path, "train_state.json", meta))
    try:
        tensors = st_load(_read_verified(path, "train_state.safetensors", meta))
    except CheckpointError:
        raise
    except Exception as err:
        raise CheckpointError(f"{path / 'train_state.safetensors'} cannot be parsed: {err}") from err
    return unflatten_state(tree, tensors)


def load_checkpoint(path: str | os.PathLike, model: torch.nn.Module | None = None) -> tuple[torch.nn.Module, dict]:
    """Load a checkpoint. Without ``model``, rebuild it from ``meta['network']`` (a registry spec)."""
    meta = read_metadata(path)
    if model is None:
        from sciml.networks.registry import build_network

        if "network" not in meta:
            raise CheckpointError(f"Checkpoint {path} records no 'network' spec; pass the model to load into.")
        model = build_network(meta["network"])
        dtype = meta.get("dtype")
        if dtype in ("float32", "float64"):
            model = model.to(getattr(torch, dtype))
    load_weights(path, model)
    return model, meta


def list_checkpoints(directory: str | os.PathLike, prefix: str = "ckpt") -> list[Path]:
    """Complete checkpoints under ``directory`` named ``<prefix>-<step>``, oldest first."""
    d = Path(directory)
    if not d.exists():
        return []
    found = []
    for p in d.iterdir():
        if p.is_dir() and p.name.startswith(prefix + "-") and (p / "meta.json").exists():
            tail = p.name[len(prefix) + 1 :]
            if tail.isdigit():
                found.append((int(tail), p))
    return [p for _, p in sorted(found)]
