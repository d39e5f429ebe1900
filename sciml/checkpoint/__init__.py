"""Checkpoints in safetensors + JSON: atomic writes, verified loads, no pickles."""

from sciml.checkpoint.atomic import atomic_write_bytes, atomic_write_text
from sciml.checkpoint.store import (
    CheckpointError,
    list_checkpoints,
    load_checkpoint,
    load_train_state,
    load_weights,
    read_metadata,
    save_checkpoint,
)

__all__ = [
    "CheckpointError",
    "save_checkpoint",
    "load_checkpoint",
    "load_weights",
    "load_train_state",
    "read_metadata",
    "list_checkpoints",
    "atomic_write_bytes",
    "atomic_write_text",
]
