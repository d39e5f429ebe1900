"""Cold start: seconds from process start to the end of the first training step, ours against DeepXDE.

    python benchmarks/pinn_cold_start.py --json benchmarks/results/pinn_cold_start.json [--repeats 2]

What a user waits for after typing the command: the interpreter, the imports, building the problem and, for
compiled variants, ``torch.compile`` tracing and compiling the step. Each row is a fresh process:

- ``sciml_graph_first_run``: ``sciml run`` of the default experiment (Burgers, graph mode) on a machine sciml
  has never run on: an empty compile cache and an empty ``$SCIML_CACHE``, so the native kernels are built and
  inductor's CPU instruction-set probe runs (both once per machine);
- ``sciml_graph_cold``: the same with an empty compile cache on a machine sciml knows (its native kernels and
  probe record are there): a new experiment, or a cleared compile cache;
- ``sciml_graph_warm``: the same with the cache the cold run left (a second run);
- ``sciml_pynative``: the same experiment in eager mode (``mode=pynative``; also what ``mode=auto`` picks for
  short runs);
- ``deepxde``: DeepXDE's documented Burgers example (PyTorch backend) to the end of its first Adam iteration.

The sciml figures are ``process_to_first_step_seconds`` from the run's ``metrics.json``
(:class:`sciml.training.StartupTimer`); DeepXDE's are measured with the same clock
(``sciml.training.startup.process_start_time``: the process start in ``/proc``).
The median of ``--repeats`` fresh processes is reported (each cold repeat with its own empty cache).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def worker_deepxde() -> dict:
    """DeepXDE's documented Burgers example up to the end of its first Adam iteration."""
    os.environ.setdefault("DDE_BACKEND", "pytorch")
    import deepxde as dde
    from _common import deepxde_burgers_data

    data = deepxde_burgers_data()
    net = dde.nn.FNN([2] + [20] * 3 + [1], "tanh", "Glorot normal")
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3)
    model.train(iterations=1, display_every=1000, verbose=0)
    now = time.time()
    from sciml.training.startup import process_start_time  # after the clock stops: torch is already loaded

    return {"process_to_first_step_seconds": now - process_start_time()[0]}


def run_sciml(mode: str, cache: str, machine: str, threads: int, out: Path) -> float:
    """One fresh ``sciml run`` of the default experiment for three Adam steps; its time to the first step.

    ``cache``: the compile cache (``TORCHINDUCTOR_CACHE_DIR``); ``machine``: ``SCIML_CACHE`` (native kernels and
    the probe record)."""
    env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=cache, SCIML_CACHE=machine)
    cmd = [
        sys.executable,
        "-m",
        "sciml.cli.main",
        "run",
        f"mode={mode}",
        "optimizer.steps=3",
        "optimizer.lbfgs_steps=0",
        "trainer.progress_bar=false",
        "trainer.tensorboard=false",
        f"threads={threads}",
        f"hydra.run.dir={out}",
    ]
    subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)  # the short run misses the bar
    metrics = out / "metrics.json"
    if not metrics.exists():
        raise RuntimeError(f"sciml run wrote no metrics.json in {out}; see {out} for its log.")
    return json.loads(metrics.read_text())["process_to_first_step_seconds"]


def main() -> None:
    from _common import LoadGuard, package_version, pin_threads, run_worker, write_json

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default="benchmarks/results/pinn_cold_start.json")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--force", action="store_true", help="write results even if the machine was busy")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker_deepxde()))
        return
    env = pin_threads(args.threads)
    guard = LoadGuard(args.force)
    runs = Path(tempfile.mkdtemp(prefix="sciml-cold-start-"))
    variants = ("sciml_graph_first_run", "sciml_graph_cold", "sciml_graph_warm", "sciml_pynative", "deepxde")
    times: dict[str, list[float]] = {v: [] for v in variants}
    for i in range(args.repeats):
        machine = tempfile.mkdtemp(prefix="sciml-cold-machine-")
        first = tempfile.mkdtemp(prefix="sciml-cold-inductor-")
        times["sciml_graph_first_run"].append(run_sciml("graph", first, machine, args.threads, runs / f"first{i}"))
        cache = tempfile.mkdtemp(prefix="sciml-cold-inductor-")
        times["sciml_graph_cold"].append(run_sciml("graph", cache, machine, args.threads, runs / f"cold{i}"))
        times["sciml_graph_warm"].append(run_sciml("graph", cache, machine, args.threads, runs / f"warm{i}"))
        times["sciml_pynative"].append(run_sciml("pynative", cache, machine, args.threads, runs / f"eager{i}"))
        res = run_worker(__file__, [])
        if "error" in res:
            raise RuntimeError(f"DeepXDE worker failed: {res['error']}")
        times["deepxde"].append(res["process_to_first_step_seconds"])
    peer = statistics.median(times["deepxde"])
    goals = {"sciml_graph_cold": 8.0, "sciml_graph_warm": 3.5}
    rows = []
    for variant, samples in times.items():
        value = statistics.median(samples)
        row = {
            "case": "burgers",
            "variant": variant,
            "value": round(value, 2),
            "unit": "s from process start to the end of the first step",
            "ratio_to": "deepxde",
            "ratio": round(value / peer, 2),
            "samples": [round(s, 2) for s in samples],
            "threads": args.threads,
        }
        if variant in goals:
            row["goal_seconds"] = goals[variant]
        if variant == "deepxde":
            row["version"] = package_version("deepxde")
            row["settings"] = "documented Burgers example, PyTorch backend, first Adam iteration"
        else:
            row["command"] = "sciml run optimizer.steps=3 optimizer.lbfgs_steps=0" + (
                " mode=pynative" if variant == "sciml_pynative" else ""
            )
        rows.append(row)
    write_json(args.json, rows, {"thread_environment": env}, guard=guard)
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
