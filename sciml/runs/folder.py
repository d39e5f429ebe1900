"""The run folder every experiment writes, and the rule that a non-finite result is a failed run.

:func:`start_run` creates the folder and writes the resolved ``config.yaml``; :func:`finish_run`
checks every number in the metrics and writes ``metrics.json`` only when all are finite. A NaN
or Inf metric raises :class:`NonFiniteMetricError` (the CLI turns it into ``FAILED.txt`` and a
non-zero exit); the numbers are kept in ``metrics_failed.json`` for diagnosis.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import time
from pathlib import Path
from typing import Any

import torch
from omegaconf import OmegaConf

from sciml.checkpoint import atomic_write_text

log = logging.getLogger("sciml.run")


class NonFiniteMetricError(ArithmeticError):
    """A run's final metrics hold NaN or Inf: the run failed, whatever its loss curve looked like."""


def start_run(cfg, out_dir) -> tuple[Path, float]:
    """Create the output folder, write the resolved config; returns ``(folder, start time)``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    (out / "metrics.json").unlink(missing_ok=True)
    return out, time.perf_counter()


def non_finite(metrics: Any, prefix: str = "") -> list[str]:
    """Paths of the NaN/Inf numbers inside ``metrics`` (nested dicts and lists)."""
    bad: list[str] = []
    if isinstance(metrics, dict):
        for k, v in metrics.items():
            bad += non_finite(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(metrics, (list, tuple)):
        for i, v in enumerate(metrics):
            bad += non_finite(v, f"{prefix}[{i}]")
    elif isinstance(metrics, float) and not math.isfinite(metrics):
        bad.append(prefix)
    return bad


def finish_run(out: Path, cfg, t0: float, metrics: dict[str, Any]) -> dict[str, Any]:
    """Add run facts (wall time since ``t0``, versions, threads; a runner's own values win) and write
    ``metrics.json``; refuse non-finite metrics."""
    facts = {
        "wall_seconds": time.perf_counter() - t0,
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
    }
    metrics = {"experiment": cfg.experiment, **metrics, **{k: v for k, v in facts.items() if k not in metrics}}
    bad = non_finite(metrics)
    if bad:
        atomic_write_text(Path(out) / "metrics_failed.json", json.dumps(metrics, indent=2, default=float))
        raise NonFiniteMetricError(
            f"the run's final metrics are not finite: {', '.join(bad)} (= "
            f"{[_lookup(metrics, b) for b in bad][:3]}). The result is not usable, so no "
            f"metrics.json was written; the numbers are in {Path(out) / 'metrics_failed.json'}. "
            "Check the input data, the time step and the learning rate."
        )
    atomic_write_text(Path(out) / "metrics.json", json.dumps(metrics, indent=2, default=float))
    log.info("metrics: %s", {k: v for k, v in metrics.items() if isinstance(v, (int, float))})
    return metrics


def _lookup(metrics: dict, path: str) -> Any:
    node: Any = metrics
    for part in path.replace("[", ".[").split("."):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    return node


__all__ = ["start_run", "finish_run", "non_finite", "NonFiniteMetricError"]
