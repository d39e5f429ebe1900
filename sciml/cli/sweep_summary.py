"""Hydra callback that collects a multirun's results into ``sweep_summary.csv`` and ``sweep_summary.png``.

Registered in ``configs/config.yaml`` (``hydra.callbacks.sweep_summary``), so every ``sciml run -m`` ends by
reading each job's ``metrics.json`` and ``.hydra/overrides.yaml`` from the sweep folder. Jobs that failed
(no ``metrics.json``) appear with ``status = failed``.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

log = logging.getLogger("sciml.sweep")


def collect(sweep_dir: str | Path) -> list[dict[str, Any]]:
    """One row per job folder: its overrides, status and the numeric metrics of ``metrics.json``."""
    import yaml

    rows = []
    for job in sorted(
        (p for p in Path(sweep_dir).iterdir() if p.is_dir() and (p / ".hydra").exists()),
        key=lambda p: (len(p.name), p.name),
    ):
        ov = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text()) or []
        row: dict[str, Any] = {"job": job.name}
        row.update(dict(o.split("=", 1) for o in ov if "=" in o and not o.startswith("hydra")))
        m = job / "metrics.json"
        if m.exists():
            row["status"] = "ok"
            row.update({k: v for k, v in json.loads(m.read_text()).items() if isinstance(v, (int, float))})
        else:
            row["status"] = "failed"
        rows.append(row)
    return rows


def write_summary(sweep_dir: str | Path, metric: str = "rel_l2") -> Path | None:
    """Write ``sweep_summary.csv`` (one row per job) and a plot of ``metric``; returns the CSV path."""
    sweep_dir = Path(sweep_dir)
    rows = collect(sweep_dir)
    if not rows:
        return None
    keys = list(dict.fromkeys(k for r in rows for k in r))
    out = sweep_dir / "sweep_summary.csv"
    with open(out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    ok = [r for r in rows if r.get("status") == "ok" and metric in r]
    if ok:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        skip = {"job", "status", metric}
        swept = [
            k
            for k in keys
            if k not in skip and not isinstance(rows[0].get(k), (int, float)) and len({str(r.get(k)) for r in rows}) > 1
        ]  # only the overrides that vary between jobs
        labels = [", ".join(f"{k}={r[k]}" for k in swept if k in r) or r["job"] for r in ok]
        fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(ok) + 2), 3.8))
        ax.bar(range(len(ok)), [r[metric] for r in ok], color="tab:blue")
        ax.set_xticks(range(len(ok)), labels, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(metric)
        if all(r[metric] > 0 for r in ok):
            ax.set_yscale("log")
        ax.set_title(f"sweep {sweep_dir.name}: {len(ok)}/{len(rows)} jobs ok")
        fig.tight_layout()
        fig.savefig(sweep_dir / "sweep_summary.png", dpi=120)
        plt.close(fig)
    log.info("sweep summary: %s", out)
    return out


class SweepSummary(Callback):
    """Hydra callback that writes the sweep summary when a multirun ends."""

    def __init__(self, metric: str = "rel_l2"):
        self.metric = metric

    def on_multirun_end(self, config, **kwargs) -> None:
        """Write the summary of the finished sweep (never fails the sweep)."""
        try:
            write_summary(config.hydra.sweep.dir, self.metric)
        except Exception as err:  # a summary must never turn a finished sweep into a failure
            log.warning("could not write the sweep summary: %s", err)
