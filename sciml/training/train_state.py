"""The training state saved beside the weights, checked field by field before a run resumes from it.

A checkpoint's ``train_state`` (optimiser, scheduler, RNG, step, history) is hashed like every other
file, but a hash proves only that the file is the one its ``meta.json`` names: whoever can rewrite one
can rewrite both. So every loaded scalar is also range-checked, and a bad one is refused by name.
"""

from __future__ import annotations

from typing import Any

import torch


def check_train_state(st: Any, path, n_phases: int) -> None:
    """Refuse a training state whose fields are missing or out of range (tampered, foreign or corrupt)."""

    def bad(field: str, why: str):
        return ValueError(
            f"Checkpoint {path}: train_state field {field!r} {why}; the file was tampered with or "
            "comes from another program. Resume from another checkpoint."
        )

    if not isinstance(st, dict):
        raise bad("<root>", f"is a {type(st).__name__}, not a mapping")
    for key in ("step", "phase_index", "history", "term_history", "torch_rng", "optimizer", "scheduler"):
        if key not in st:
            raise bad(key, "is missing")
    step = st["step"]
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise bad("step", f"is {step!r}, not an integer >= 0")
    phase = st["phase_index"]
    if isinstance(phase, bool) or not isinstance(phase, int) or not -1 <= phase < n_phases:
        raise bad("phase_index", f"is {phase!r}, not in [-1, {n_phases - 1}]")
    hist = st["history"]
    if not isinstance(hist, torch.Tensor) or hist.ndim != 1 or len(hist) > step:
        raise bad("history", f"must be a 1-D tensor of at most step = {step} losses")
    if not isinstance(st["term_history"], dict) or any(
        not isinstance(v, torch.Tensor) or v.ndim != 1 for v in st["term_history"].values()
    ):
        raise bad("term_history", "must map term names to 1-D tensors")
    rng = st["torch_rng"]
    if not isinstance(rng, torch.Tensor) or rng.dtype != torch.uint8 or rng.ndim != 1:
        raise bad("torch_rng", "must be a 1-D uint8 tensor (torch.get_rng_state())")


__all__ = ["check_train_state"]
