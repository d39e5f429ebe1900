"""Zoo loader for neural-operator entries (registered as ``operator`` in ``sciml.zoo_loaders``).

``load(name, cfg, folder, device)`` → :class:`ZooOperator`: the network rebuilt from the entry's
``operator`` settings and its normaliser shapes, weights loaded. ``evaluate(full=False)`` uses the
stored test subset; ``full=True`` regenerates (or reuses) the dataset and scores the whole test split.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file

from sciml.checkpoint import load_weights
from sciml.config import settings
from sciml.data import GaussianNormalizer
from sciml.plugins import ZooLoader
from solvers.operators.experiment import OperatorSettings, build_model, test_pairs
from solvers.operators.training import evaluate, predict


class ZooOperator:
    """A trained neural operator: ``predict(x [B, C, *grid]) -> [B, C_out, *grid]`` and ``evaluate``."""

    def __init__(self, name: str, cfg, folder: Path, model, device):
        self.name, self.cfg, self.folder, self.model, self.device = name, cfg, Path(folder), model, device

    def predict(self, x) -> torch.Tensor:
        """Outputs for inputs ``x [B, C, *grid]``."""
        x = torch.as_tensor(x, dtype=torch.float32)
        if not bool(torch.isfinite(x).all()):
            raise ValueError("inputs must be finite; they contain NaN or Inf.")
        return predict(self.model, x, device=self.device)

    def evaluate(self, full: bool = False) -> dict[str, float]:
        """Relative L2 on the stored test subset (``full``: on the whole regenerated test split)."""
        if not full:
            s = load_file(str(self.folder / "reference.safetensors"))
            m = evaluate(self.model, s["inputs"], s["targets"], device=self.device)
            return {"rel_l2_subset": m["rel_l2"]}
        x, y = test_pairs(self.cfg)
        return {
            "one_step_rel_l2" if self.cfg.operator.task == "ns2d" else "rel_l2": evaluate(
                self.model, x, y, device=self.device
            )["rel_l2"]
        }


def load(name: str, cfg, folder: Path, device: str = "cpu") -> ZooOperator:
    """The entry's operator with its normalisers, weights loaded."""
    from safetensors import safe_open

    folder = Path(folder)
    with safe_open(str(folder / "checkpoint" / "model.safetensors"), "pt") as f:
        shape = {k: f.get_slice(k).get_shape() for k in f.keys() if "normalizer" in k}
    norms = [
        GaussianNormalizer(torch.zeros(shape[f"{w}_normalizer.mean"]), torch.ones(shape[f"{w}_normalizer.std"]))
        for w in ("input", "output")
    ]
    example = load_file(str(folder / "reference.safetensors"))["inputs"][:1]
    model = build_model(settings(cfg.operator, OperatorSettings), example, norms)
    load_weights(folder / "checkpoint", model)
    model.eval()
    return ZooOperator(name, cfg, folder, model.to(device), device)


def reference(cfg) -> dict[str, torch.Tensor]:
    """The first 16 test pairs, stored with a packaged entry."""
    x, y = test_pairs(cfg)
    return {"inputs": x[:16].contiguous().float(), "targets": y[:16].contiguous().float()}


LOADER = ZooLoader(load=load, reference=reference)
