"""Zoo loader for PINN entries (registered as ``pinn`` in ``sciml.zoo_loaders``).

``load(name, cfg, folder, device)`` → :class:`ZooPINN`, rebuilt from the network spec saved in the
entry's checkpoint (no training points are drawn). ``evaluate(full=False)`` compares against the
entry's stored ``reference.safetensors`` (offline, seconds); ``full=True`` rebuilds the reference
from the config (the classical solver). ``reference(cfg)`` makes the stored tensors when an entry
is packaged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from sciml.config import instantiate
from sciml.plugins import ZooLoader
from solvers.pinn.build import predictor_from_checkpoint


class StoredReference:
    """The entry's stored points and values in the place of the config's reference (same interface), so the fast
    path goes through :meth:`FieldPredictor.evaluate` like the full one; reference-specific figures still come from
    the config's reference (e.g. Ghia's table, which needs no solve)."""

    def __init__(self, folder: Path, reference):
        stored = load_file(str(Path(folder) / "reference.safetensors"))
        self._points, self._solution = stored["points"].numpy(), stored["solution"].numpy()
        self._reference = reference
        self.output_columns = getattr(reference, "output_columns", None)

    def points(self) -> np.ndarray:
        """Stored evaluation points ``[N, D]``."""
        return self._points

    def solution(self, points: np.ndarray) -> np.ndarray:
        """Stored reference values ``[N, F]`` (at the stored points)."""
        return self._solution

    def metrics(self, predict) -> dict[str, float]:
        """The config reference's own figures, if it has any."""
        return self._reference.metrics(predict) if hasattr(self._reference, "metrics") else {}


class ZooPINN:
    """A trained PINN: ``predict(points [N, D]) -> [N, F]`` and ``evaluate``."""

    def __init__(self, name: str, cfg, folder: Path, predictor):
        self.name, self.cfg, self.folder, self.predictor = name, cfg, Path(folder), predictor
        self.input_names, self.output_names = predictor.problem.input_names, predictor.problem.output_names
        self.domain = predictor.domain

    def predict(self, points) -> np.ndarray:
        """Fields at ``points [N, D]``; warns outside the trained domain, refuses non-finite points."""
        return self.predictor.predict(points)

    def evaluate(self, full: bool = False) -> dict[str, float]:
        """Metrics against the stored reference (``full``: the reference rebuilt from the config)."""
        ref_obj = instantiate(self.cfg.evaluation, "evaluation reference")
        return self.predictor.evaluate(ref_obj if full else StoredReference(self.folder, ref_obj))


def load(name: str, cfg, folder: Path, device: str = "cpu") -> ZooPINN:
    """The entry's trained field, rebuilt from the checkpoint's network spec."""
    return ZooPINN(name, cfg, folder, predictor_from_checkpoint(cfg, Path(folder) / "checkpoint", device))


def reference(cfg) -> dict[str, torch.Tensor]:
    """The evaluation points and reference values stored with a packaged entry."""
    ref = instantiate(cfg.evaluation, "evaluation reference")
    pts = ref.points()
    return {
        "points": torch.as_tensor(np.asarray(pts, np.float64)),
        "solution": torch.as_tensor(np.asarray(ref.solution(pts), np.float64)),
    }


LOADER = ZooLoader(load=load, reference=reference)
