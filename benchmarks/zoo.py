"""Zoo load time: ``sciml.zoo.load(name)`` plus the first prediction on 10⁴ points (PINNs) or on 10 input
fields (operators), for every entry, each in a fresh interpreter. The one-off module imports of a process
(torch, hydra, sciml, physics, solvers: about 2–4 s) are reported separately as ``imports_s``.

    python benchmarks/zoo.py --json benchmarks/results/zoo.json

Goal (issue): under 1 s per PINN entry on CPU.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LoadGuard, pin_threads, write_json

WORKER = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np, torch
import sciml.zoo as zoo
import solvers.pinn.zoo_loader, solvers.pinn.build, solvers.operators.zoo_loader, physics  # noqa: F401,E401
import hydra.utils  # noqa: F401  (one-off imports per process, timed apart from loading)
t_import = time.perf_counter() - t0
name = sys.argv[1]
t = time.perf_counter()
m = zoo.load(name)
t_load = time.perf_counter() - t
card = zoo.info(name)
if card["kind"] == "pinn":
    from safetensors.torch import load_file
    d = load_file(str(zoo.path(name) / "reference.safetensors"))["points"].shape[1]
    x = np.random.default_rng(0).uniform(0, 1, (10000, d))
else:
    from safetensors.torch import load_file
    x = load_file(str(zoo.path(name) / "reference.safetensors"))["inputs"][:10]
t = time.perf_counter()
y = m.predict(x)
t_pred = time.perf_counter() - t
print(json.dumps({"import": t_import, "load": t_load, "predict": t_pred}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default="benchmarks/results/zoo.json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="write results even if the machine was busy")
    args = ap.parse_args()
    pin_threads(args.threads)  # the workers inherit OMP_NUM_THREADS
    guard = LoadGuard(args.force)
    import sciml.zoo as zoo

    rows = []
    for name in zoo.list():
        r = subprocess.run([sys.executable, "-c", WORKER, name], cwd=ROOT, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            rows.append(
                {
                    "case": name,
                    "variant": "load+predict",
                    "value": None,
                    "unit": "s",
                    "ratio_to": None,
                    "skipped": (r.stderr.strip().splitlines() or ["failed"])[-1],
                }
            )
            continue
        t = json.loads(r.stdout.strip().splitlines()[-1])
        kind = zoo.info(name)["kind"]
        rows.append(
            {
                "case": name,
                "variant": "load+first_predict",
                "value": round(t["load"] + t["predict"], 3),
                "unit": "s",
                "ratio_to": "goal 1 s" if kind == "pinn" else None,
                "load_s": round(t["load"], 3),
                "predict_s": round(t["predict"], 3),
                "imports_s": round(t["import"], 2),
                "points": "1e4 points" if kind == "pinn" else "10 fields",
                "threads": args.threads,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    write_json(args.json, rows, guard=guard)


if __name__ == "__main__":
    main()
