"""Shared helpers for benchmark scripts: machine facts and the JSON result layout."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path


def machine_info() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": os.cpu_count()}
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def summarize(samples_ms: list[float]) -> dict:
    return {
        "median": statistics.median(samples_ms),
        "min": min(samples_ms),
        "max": max(samples_ms),
        "n": len(samples_ms),
    }


def run_worker(script: str, args: list[str], timeout: float = 900) -> dict:
    """Run ``script --worker args`` in a fresh interpreter and parse its last stdout line as JSON."""
    r = subprocess.run([sys.executable, script, "--worker", *args], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        return {
            "error": (r.stderr or r.stdout).strip().splitlines()[-1]
            if (r.stderr or r.stdout).strip()
            else f"exit {r.returncode}"
        }
    return json.loads(r.stdout.strip().splitlines()[-1])


def write_json(path: str | Path, rows: list[dict], extra: dict | None = None) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine_info(), **(extra or {}), "rows": rows}, indent=2) + "\n")


def peer_rows(
    case: str, name: str, result: dict, key: str, unit: str, ours: dict[str, float], digits: int = 2
) -> list[dict]:
    """The peer's row (or a skipped row with its error) and one ``ours/peer`` speed-ratio row per variant of ours."""
    value = round(result[key], digits) if key in result else None
    row = {"case": case, "variant": name, "value": value, "unit": unit, "ratio_to": None}
    if "error" in result:
        row["skipped"] = result["error"]
    rows = [row]
    if value:
        rows += [
            {
                "case": case,
                "variant": f"{v}/{name}",
                "value": round(rate / result[key], 4),
                "unit": "speed ratio",
                "ratio_to": name,
            }
            for v, rate in ours.items()
        ]
    for r in rows:
        print(json.dumps(r), flush=True)
    return rows
