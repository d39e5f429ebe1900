"""Loaders named by zoo cards (``card.json`` → ``loader``): rebuild a trained solver from its entry.

``pinn(name, cfg, folder, device)`` → :class:`ZooPINN`; ``operator(name, cfg, folder, device)`` →
:class:`ZooOperator`. Both offer ``predict`` and ``evaluate(full=False)``: the fast path compares against
the entry's stored ``reference.safetensors`` (offline, seconds); ``full=True`` rebuilds the reference from
the config (the classical solver, or the generated dataset) — slower, and it also checks the stored one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf
from safetensors.torch import load_file

from sciml.checkpoint import load_weights


class _StoredReference:
    """The entry's stored points and values in the place of the config's reference (same interface), so the fast
    path goes through :meth:`PINNSolver.evaluate` like the full one; reference-specific figures still come from
    the config's reference (e.g. Ghia's table, which needs no solve)."""

    def __init__(self, folder: Path, reference):
        stored = load_file(str(Path(folder) / "reference.safetensors"))
        self._points, self._solution = stored["points"].numpy(), stored["solution"].numpy()
        self._reference = reference
        self.output_columns = getattr(reference, "output_columns", None)

    def points(self) -> np.ndarray:
        return self._points

    def solution(self, points: np.ndarray) -> np.ndarray:
        return self._solution

    def metrics(self, predict) -> dict[str, float]:
        return self._reference.metrics(predict) if hasattr(self._reference, "metrics") else {}


class ZooPINN:
    """A trained PINN: ``predict(points [N, D]) -> [N, F]`` and ``evaluate``."""

    def __init__(self, name: str, cfg, folder: Path, solver):
        self.name, self.cfg, self.folder, self.solver = name, cfg, Path(folder), solver
        self.input_names, self.output_names = solver.problem.input_names, solver.problem.output_names

    def predict(self, points) -> np.ndarray:
        return self.solver.predict(points)

    def _reference(self):
        from solvers.pinn.from_config import _instantiate

        return _instantiate(self.cfg.evaluation, "evaluation reference")

    def evaluate(self, full: bool = False) -> dict[str, float]:
        ref_obj = self._reference()
        return self.solver.evaluate(ref_obj if full else _StoredReference(self.folder, ref_obj))


def pinn(name: str, cfg, folder: Path, device: str = "cpu") -> ZooPINN:
    from solvers.pinn.from_config import inference_solver

    solver = inference_solver(cfg, device)  # few collocation points: a zoo model predicts, it does not train
    load_weights(Path(folder) / "checkpoint", solver.network)
    return ZooPINN(name, cfg, folder, solver)


class ZooOperator:
    """A trained neural operator: ``predict(x [B, C, *grid]) -> [B, C_out, *grid]`` and ``evaluate``."""

    def __init__(self, name: str, cfg, folder: Path, model, device):
        self.name, self.cfg, self.folder, self.model, self.device = name, cfg, Path(folder), model, device

    def predict(self, x) -> torch.Tensor:
        from solvers.operator_learning.training import predict

        return predict(self.model, torch.as_tensor(x, dtype=torch.float32), device=self.device)

    def evaluate(self, full: bool = False) -> dict[str, float]:
        from solvers.operator_learning.training import evaluate

        if not full:
            s = load_file(str(self.folder / "reference.safetensors"))
            m = evaluate(self.model, s["inputs"], s["targets"], device=self.device)
            return {"rel_l2_subset": m["rel_l2"]}
        from solvers.experiments.operators import test_pairs

        x, y = test_pairs(self.cfg)
        return {"one_step_rel_l2" if self.cfg.operator.task == "ns2d" else "rel_l2":
                evaluate(self.model, x, y, device=self.device)["rel_l2"]}


def operator(name: str, cfg, folder: Path, device: str = "cpu") -> ZooOperator:
    from safetensors import safe_open

    from sciml.data import GaussianNormalizer
    from solvers.experiments.operators import build_model

    folder = Path(folder)
    with safe_open(str(folder / "checkpoint" / "model.safetensors"), "pt") as f:
        shape = {k: f.get_slice(k).get_shape() for k in f.keys() if "normalizer" in k}
    norms = [GaussianNormalizer(torch.zeros(shape[f"{w}_normalizer.mean"]), torch.ones(shape[f"{w}_normalizer.std"]))
             for w in ("input", "output")]
    example = load_file(str(folder / "reference.safetensors"))["inputs"][:1]
    model = build_model(OmegaConf.to_container(cfg.operator, resolve=True), example, norms)
    load_weights(folder / "checkpoint", model)
    model.eval()
    return ZooOperator(name, cfg, folder, model.to(device), device)
