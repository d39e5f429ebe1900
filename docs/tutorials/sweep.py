"""Tutorial: a Hydra sweep from the command line, and its summary table.

Runs ``sciml run -m`` over two network widths (a short Burgers schedule), then reads ``sweep_summary.csv``.
Run: ``python docs/tutorials/sweep.py [folder]`` (about a minute).
"""

import csv
import subprocess
import sys
from pathlib import Path

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "tutorial_sweep").resolve()
cmd = [
    sys.executable,
    "-m",
    "sciml.cli.main",
    "run",
    "-m",
    "model.width=8,16",
    "mode=pynative",
    "optimizer.steps=100",
    "optimizer.lbfgs_steps=0",
    "sampling.n_interior=500",
    "evaluation.nx=32",
    "evaluation.nt=10",
    "trainer.progress_bar=false",
    f"hydra.sweep.dir={folder}",
]
subprocess.run(cmd, check=True)
with open(folder / "sweep_summary.csv") as fh:
    rows = list(csv.DictReader(fh))
for row in rows:
    print(f"model.width={row['model.width']}: status {row['status']}, rel. L2 {float(row['rel_l2']):.3e}")
assert len(rows) == 2 and all(r["status"] == "ok" for r in rows)
