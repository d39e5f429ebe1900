"""The PINN suite's accuracy table: train every case with its shipped config and record the error.

    python benchmarks/pinn_suite.py --json benchmarks/results/pinn_suite.json [--cases heat,poisson_disk]
    python benchmarks/pinn_suite.py --cases cylinder_wake --variant stream_function \
        --override "model.stream_function=[u,v]"       # a second row for the same case

Each case runs ``sciml run experiment=<case>`` in a subprocess (its own output folder under
``benchmarks/runs/pinn_suite``) and reports the relative L2 error against its reference (exact
solution or Cole–Hopf), the wall time and the steps, next to the published bar where one exists. Threads are
pinned (``--threads``, passed to each run as ``threads=``) and recorded per row; precision is each config's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LoadGuard, pin_threads, write_json

# case -> (bar to beat, its source); None where the issue names no bar
CASES = {
    "burgers_pinn": (0.0043, "MindFlow notebook final rel. L2 (REFERENCES.md)"),
    "poisson_disk": (0.0130, "MindFlow Poisson disk"),
    "poisson_triangle": (0.0284, "MindFlow Poisson triangle"),
    "poisson_pentagon": (0.0273, "MindFlow Poisson pentagon"),
    "poisson_mesh": (None, ""),
    "darcy_pinn": (0.01, "MindFlow Darcy (mixed form)"),
    "heat": (None, ""),
    "wave": (0.005, "issue 21 goal for the 1-D wave equation"),
    "helmholtz": (None, ""),
    "kovasznay": (None, ""),
    "burgers_inverse": (None, ""),
    "allen_cahn": (None, ""),
    "cavity_re100_pinn": (None, ""),
    "cylinder_wake": (None, ""),
    "maxwell2d_pinn": (0.0356, "MindElec point source, worst of Ex / Ey / Hz (0.0356 / 0.0343 / 0.0230)"),
    "maxwell2d_pinn_sharp": (0.0356, "MindElec point source, worst of Ex / Ey / Hz (0.0356 / 0.0343 / 0.0230)"),
}
# Inverse cases: goal for each identified parameter's relative error, and its source.
PARAMETER_GOALS = {
    "burgers_inverse": {"nu": (0.01, "issue 21 goal (Raissi et al. 2019, 1 % noise: 0.84 %)")},
    "cylinder_wake": {
        "lambda1": (0.01, "issue 21 goal"),
        "lambda2": (0.047, "Raissi et al. 2019, clean data: 4.7 %"),
    },
}
# Cases whose published figures are per output: the row's ratio is the worst component's.
MINDELEC_MAXWELL = {"Ex": 0.0356, "Ey": 0.0343, "Hz": 0.0230}
COMPONENT_BARS = {"maxwell2d_pinn": MINDELEC_MAXWELL, "maxwell2d_pinn_sharp": MINDELEC_MAXWELL}


def run_case(case: str, runs: Path, reuse: bool, overrides: list[str], threads: int, variant: str = "sciml") -> dict:
    out = runs / (case if variant == "sciml" else f"{case}-{variant}")  # a run folder per row
    if not (reuse and (out / "metrics.json").exists()):
        cmd = [
            sys.executable,
            "-m",
            "sciml.cli.main",
            "run",
            f"experiment={case}",
            f"hydra.run.dir={out}",
            "trainer.progress_bar=false",
            "trainer.tensorboard=false",
            f"threads={threads}",
            *overrides,
        ]
        print("+", " ".join(cmd), flush=True)
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            return {
                "case": case,
                "variant": variant,
                "value": None,
                "unit": "relative L2",
                "ratio_to": None,
                "skipped": (r.stderr.strip().splitlines() or ["failed"])[-1],
            }
    m = json.loads((out / "metrics.json").read_text())
    bar, source = CASES[case]
    extra = {}
    if "parameter_rel_error" in m:
        extra = {
            "identified": m["identified"],
            "parameter_rel_error": m["parameter_rel_error"],
            "observations": m["observations"]["count"],
        }
    for k in (
        "ghia_max_abs_error",
        "ghia_rel_l2",
        "rel_l2_Ex",
        "rel_l2_Ey",
        "rel_l2_Hz",
        "exact_rel_l2_Ex",
        "exact_rel_l2_Ey",
        "exact_rel_l2_Hz",
        "fdtd_rel_l2_Hz",
        "reevaluated",
    ):
        if k in m:
            extra[k] = m[k]
    ratio = (m["rel_l2"] / bar) if bar else None
    if case in COMPONENT_BARS:
        ratio = max(m[f"rel_l2_{c}"] / b for c, b in COMPONENT_BARS[case].items())
    return {
        "case": case,
        "variant": variant,
        "value": m["rel_l2"],
        "unit": "relative L2",
        "ratio_to": source or None,
        "ratio": ratio,
        "bar": bar,
        "wall_seconds": round(m["wall_seconds"], 1),
        "steps": m["steps"],
        **({"steps_completed": m["steps_completed"]} if "steps_completed" in m else {}),  # a phase ended early
        "threads": threads,
        "command": f"sciml run experiment={case}" + (" " + " ".join(overrides) if overrides else ""),
        **extra,
    }


def with_parameter_goals(row: dict) -> dict:
    """``row`` with ``parameter_goals`` (goal, source, met) for each identified parameter that has a goal."""
    goals = PARAMETER_GOALS.get(row["case"], {})
    errors = row.get("parameter_rel_error", {})
    found = {k: {"goal": g, "source": src, "met": errors[k] <= g} for k, (g, src) in goals.items() if k in errors}
    return {**row, "parameter_goals": found} if found else row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default="benchmarks/results/pinn_suite.json")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--runs", default="benchmarks/runs/pinn_suite")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--override", action="append", default=[])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--variant", default="sciml", help="row name for a non-default setting (rows are keyed by case and variant)"
    )
    ap.add_argument("--force", action="store_true", help="write results even if the machine was busy")
    args = ap.parse_args()
    env = pin_threads(args.threads)
    guard = LoadGuard(args.force)
    out = Path(args.json)
    old = json.loads(out.read_text())["rows"] if out.exists() else []
    cases = args.cases.split(",")
    rows = [run_case(c, ROOT / args.runs, args.reuse, args.override, args.threads, args.variant) for c in cases]
    done = {(r["case"], r["variant"]) for r in rows}
    kept = [r for r in old if (r["case"], r.get("variant", "sciml")) not in done]
    rows = [with_parameter_goals(r) for r in kept + rows]
    write_json(out, rows, {"thread_environment": env}, guard=guard)
    for r in rows:
        if (r["case"], r["variant"]) in done:
            print(json.dumps(r))


if __name__ == "__main__":
    main()
