"""Neural-operator accuracy, training throughput against `neuraloperator`, and the HDF5 data path.

Parts (``--parts``, default all):
  accuracy    trains each shipped operator experiment (``sciml run experiment=<name>``) on the
              dataset our solvers generate, and records the test relative L2 against the published
              figure (Li et al. 2021: Darcy 85² 0.0108, Burgers ν=0.1 1024 0.0016, NS ν=1e-3 0.0128).
  throughput  training samples/s of sciml's FNO and neuraloperator's FNO (2.0) with the same modes,
              width, layers, lifting/projection sizes, batch, data, loss, optimiser and normalisers,
              alternating in one process; then both train the same epochs from the same seed and
              report their test error. neuraloperator's n_modes counts both signs of the kept
              frequencies, so sciml modes=(12, 12) ≡ n_modes=(24, 22) (same weights per layer).
  data        write/read throughput (MB/s) of our sharded HDF5 datasets against np.save/np.load of
              the same arrays, and per-sample random-access reads.

    python benchmarks/operators.py --json benchmarks/results/operators.json [--threads 1]

Threads are pinned in this script (``--threads``, default 1) and recorded in every throughput row, with the
precision (float32 for both libraries) and neuraloperator's version. Rows of parts not rerun are kept from the
existing file (the accuracy part trains every operator experiment, hours on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LoadGuard, package_version, pin_threads, write_json

PUBLISHED = {
    "darcy": ("Li et al. 2021, Darcy s=85", 0.0108),
    "burgers": ("Li et al. 2021, Burgers s=1024", 0.0016),
    "ns2d": ("Li et al. 2021, NS nu=1e-3 T=50 FNO-2D", 0.0128),
}
EXPERIMENTS = ["fno_burgers", "fno_darcy", "fno_darcy_superres", "deeponet_darcy", "unet_darcy", "fno_ns2d"]


# -- accuracy -------------------------------------------------------------------------------------
def accuracy(experiments: list[str], overrides: list[str], runs: Path, reuse: bool) -> list[dict]:
    rows = []
    for exp in experiments:
        out = runs / exp
        metrics_file = out / "metrics.json"
        if not (reuse and metrics_file.exists()):
            cmd = [
                sys.executable,
                "-m",
                "sciml.cli.main",
                "run",
                f"experiment={exp}",
                f"hydra.run.dir={out}",
                "trainer.progress_bar=false",
                *overrides,
            ]
            print("+", " ".join(cmd), flush=True)
            r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            if r.returncode != 0:
                rows.append(
                    {
                        "case": exp,
                        "variant": "error",
                        "value": None,
                        "unit": "",
                        "ratio_to": None,
                        "error": r.stderr.strip().splitlines()[-1:],
                    }
                )
                continue
        m = json.loads(metrics_file.read_text())
        task = "darcy" if "darcy" in exp else ("burgers" if "burgers" in exp else "ns2d")
        ref_name, ref = PUBLISHED[task]
        net = exp.split("_")[0]
        res = "x".join(map(str, m["resolution"]))
        base = {
            "case": f"{task}_{res}",
            "variant": exp,
            "n_train": m["n_train"],
            "n_test": m["n_test"],
            "epochs": m["epochs"],
            "train_seconds": round(m["train_seconds"], 1),
            "network": net,
            "command": f"sciml run experiment={exp}" + (" " + " ".join(overrides) if overrides else ""),
        }
        rows.append(
            {
                **base,
                "metric": "test relative L2" + (" (40-step rollout)" if task == "ns2d" else ""),
                "value": m["rel_l2"],
                "unit": "relative L2",
                "ratio_to": ref_name,
                "ratio": m["rel_l2"] / ref,
                "published": ref,
            }
        )
        for k, v in m.items():
            if k.startswith("rel_l2_at_"):
                rows.append(
                    {
                        **base,
                        "case": f"{task}_{k[len('rel_l2_at_') :]}",
                        "metric": f"zero-shot super-resolution (trained at {res})",
                        "value": v,
                        "unit": "relative L2",
                        "ratio_to": ref_name,
                        "ratio": v / ref,
                        "published": ref,
                    }
                )
    return rows


# -- throughput -----------------------------------------------------------------------------------
def _models(case: str):
    from neuralop.models import FNO as NeuralopFNO

    from sciml.networks import FNO

    if case == "darcy":
        ours = FNO(1, 1, (12, 12), width=32, layers=4, projection=128, padding=0)
        theirs = NeuralopFNO(
            n_modes=(24, 22),
            in_channels=1,
            out_channels=1,
            hidden_channels=32,
            n_layers=4,
            lifting_channel_ratio=0,
            projection_channel_ratio=4,
            use_channel_mlp=False,
            fno_skip="linear",
        )
    else:
        ours = FNO(1, 1, (16,), width=64, layers=4, projection=128)
        theirs = NeuralopFNO(
            n_modes=(30,),
            in_channels=1,
            out_channels=1,
            hidden_channels=64,
            n_layers=4,
            lifting_channel_ratio=0,
            projection_channel_ratio=2,
            use_channel_mlp=False,
            fno_skip="linear",
        )
    return ours, theirs


def _data(case: str, n_train: int, n_test: int):
    from sciml.data import ShardedDataset, ensure_dataset
    from solvers.operators import Task

    spec = {
        "darcy": {"name": "darcy", "folder": "darcy_r85", "samples": 1200, "params": {"resolution": 85}},
        "burgers": {
            "name": "burgers",
            "folder": "burgers_nu0.1_r1024",
            "samples": 1200,
            "chunk": 50,
            "params": {"resolution": 1024, "solve_resolution": 2048, "nu": 0.1, "t_final": 1.0, "dt": 0.001},
        },
    }[case]
    ds = ShardedDataset(ensure_dataset(spec, progress=False))
    tr, te = ds.split([n_train / len(ds), n_test / len(ds)], seed=0)
    task = Task(case)
    return (*task.pairs(tr), *task.pairs(te)), task


def throughput(cases: list[str], steps: int, epochs: int, n_train: int, n_test: int, threads: int) -> list[dict]:
    import torch

    from sciml.networks import count_parameters
    from sciml.training.losses import relative_lp
    from solvers.operators import NormalizedOperator, OperatorTraining, evaluate, fit_normalizer, train_operator

    rows = []
    for case in cases:
        (x, y, xt, yt), task = _data(case, n_train, n_test)
        batch = 20
        rates = {"sciml": [], "neuraloperator": []}
        torch.manual_seed(0)
        models = dict(zip(("sciml", "neuraloperator"), _models(case)))
        params = {
            k: count_parameters(m) + sum(p.numel() for p in m.parameters() if p.is_complex()) for k, m in models.items()
        }
        for _round in range(3):
            for name, core in models.items():
                model = NormalizedOperator(core, fit_normalizer(x, True), fit_normalizer(y, True))
                opt = torch.optim.Adam(model.parameters(), lr=1e-3)
                for i in range(steps + 2):
                    if i == 2:
                        t0 = time.perf_counter()
                    xb, yb = x[(i * batch) % n_train :][:batch], y[(i * batch) % n_train :][:batch]
                    opt.zero_grad()
                    relative_lp(model(xb), yb).backward()
                    opt.step()
                rates[name].append(steps * batch / (time.perf_counter() - t0))
        best = {k: max(v) for k, v in rates.items()}
        errors = {}
        for name in ("sciml", "neuraloperator"):
            torch.manual_seed(0)
            core = _models(case)[0 if name == "sciml" else 1]
            model = NormalizedOperator(core, fit_normalizer(x, True), fit_normalizer(y, True))
            res = train_operator(
                model,
                torch.utils.data.TensorDataset(x, y),
                OperatorTraining(epochs=epochs, batch_size=batch, decay_every_epochs=max(1, epochs // 3)),
                task.dims,
                task.periodic,
            )
            errors[name] = (evaluate(model, xt, yt)["rel_l2"], res.samples_per_second)
        grid = "x".join(map(str, x.shape[2:]))
        for name in ("sciml", "neuraloperator"):
            rows.append(
                {
                    "case": f"fno_{case}_{grid}_train",
                    "variant": name,
                    "value": best[name],
                    "unit": "samples/s",
                    "ratio_to": "neuraloperator",
                    "ratio": best[name] / best["neuraloperator"],
                    "parameters_real": params[name],
                    "batch": batch,
                    "timed_steps": steps,
                    "rounds": 3,
                    "threads": threads,
                    "precision": "float32",
                    "version": f"neuraloperator {package_version('neuraloperator')}, torch {package_version('torch')}",
                    "settings": "same modes, width, layers, lifting/projection, batch, data, loss, optimiser and "
                    "normalisers; eager; best of 3 alternating rounds",
                }
            )
        for name in ("sciml", "neuraloperator"):
            rows.append(
                {
                    "case": f"fno_{case}_{grid}_{epochs}epochs_{n_train}train",
                    "variant": name,
                    "value": errors[name][0],
                    "unit": "test relative L2",
                    "ratio_to": "neuraloperator",
                    "ratio": errors[name][0] / errors["neuraloperator"][0],
                    "epoch_samples_per_second": errors[name][1],
                    "threads": threads,
                    "precision": "float32",
                }
            )
    return rows


# -- data path ------------------------------------------------------------------------------------
def data_path(samples: int, n: int) -> list[dict]:
    import numpy as np

    from sciml.data import DatasetWriter, FieldSpec, Schema, ShardedDataset

    rng = np.random.default_rng(0)
    a = rng.standard_normal((samples, n, n)).astype(np.float32)
    u = rng.standard_normal((samples, n, n)).astype(np.float32)
    mb = (a.nbytes + u.nbytes) / 2**20
    schema = Schema((FieldSpec("a", (n, n)), FieldSpec("u", (n, n))))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        res = {}
        for rep in range(3):
            t0 = time.perf_counter()
            np.save(tmp / "a.npy", a)
            np.save(tmp / "u.npy", u)
            for f in ("a.npy", "u.npy"):
                with open(tmp / f, "rb") as fh:
                    os.fsync(fh.fileno())
            res.setdefault("npy_write", []).append(mb / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            with DatasetWriter(tmp / f"ds{rep}", schema, max_shard_bytes=64 << 20) as w:
                for i in range(0, samples, 50):
                    w.extend({"a": a[i : i + 50], "u": u[i : i + 50]})
            res.setdefault("sciml_write", []).append(mb / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            _ = np.load(tmp / "a.npy"), np.load(tmp / "u.npy")
            res.setdefault("npy_read", []).append(mb / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            ds = ShardedDataset(tmp / f"ds{rep}")
            _ = ds.read("a"), ds.read("u")
            res.setdefault("sciml_read", []).append(mb / (time.perf_counter() - t0))
            idx = rng.integers(0, samples, 500)
            t0 = time.perf_counter()
            for i in idx:
                ds[int(i)]
            res.setdefault("sciml_random", []).append(len(idx) / (time.perf_counter() - t0))
            ma, mu = np.load(tmp / "a.npy", mmap_mode="r"), np.load(tmp / "u.npy", mmap_mode="r")
            t0 = time.perf_counter()
            for i in idx:
                np.array(ma[int(i)]), np.array(mu[int(i)])
            res.setdefault("npy_random", []).append(len(idx) / (time.perf_counter() - t0))
            ds.close()
    best = {k: max(v) for k, v in res.items()}
    case = f"{samples}x2x{n}x{n}_float32_{mb:.0f}MB"
    for op, unit in (("write", "MB/s"), ("read", "MB/s"), ("random", "samples/s")):
        for v in ("sciml", "npy"):
            rows.append(
                {
                    "case": f"{op}_{case}",
                    "variant": "sciml_hdf5" if v == "sciml" else "numpy_npy",
                    "value": best[f"{v}_{op}"],
                    "unit": unit,
                    "ratio_to": "numpy_npy",
                    "ratio": best[f"{v}_{op}"] / best[f"npy_{op}"],
                    "note": (
                        "sciml write includes schema checks, streaming statistics and SHA-256 of every shard"
                        if op == "write" and v == "sciml"
                        else ""
                    ),
                }
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default="benchmarks/results/operators.json")
    ap.add_argument("--parts", default="accuracy,throughput,data")
    ap.add_argument("--experiments", default=",".join(EXPERIMENTS))
    ap.add_argument("--override", action="append", default=[], help="extra Hydra override for the accuracy runs")
    ap.add_argument("--runs", default="benchmarks/runs/operators")
    ap.add_argument("--reuse", action="store_true", help="reuse finished runs' metrics.json")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--n-train", type=int, default=200)
    ap.add_argument("--n-test", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1, help="threads for both libraries (pinned here)")
    ap.add_argument("--force", action="store_true", help="write results even if the machine was busy")
    args = ap.parse_args()
    env = pin_threads(args.threads)
    guard = LoadGuard(args.force)
    parts = args.parts.split(",")
    out = Path(args.json)
    old = json.loads(out.read_text())["rows"] if out.exists() else []
    rows = []
    if "accuracy" in parts:
        rows += [
            dict(r, part="accuracy")
            for r in accuracy(args.experiments.split(","), args.override, ROOT / args.runs, args.reuse)
        ]
    if "throughput" in parts:
        rows += [
            dict(r, part="throughput")
            for r in throughput(["darcy", "burgers"], args.steps, args.epochs, args.n_train, args.n_test, args.threads)
        ]
    if "data" in parts:
        rows += [dict(r, part="data", threads=args.threads) for r in data_path(1000, 85)]
    fresh = {(r["part"], r["case"], r["variant"]) for r in rows}
    kept = [r for r in old if (r.get("part"), r.get("case"), r.get("variant")) not in fresh]
    write_json(out, kept + rows, {"thread_environment": env}, guard=guard)
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
