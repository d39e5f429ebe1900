"""Evaluate a trained PINN's network on many points: what ``predict``, the reference error and every plot cost.

Cases: the Burgers network 2→[20]×3→1 and the Poisson network 2→[64]×4→1 (tanh, float32), on 65,536 points in
[0, 1)², gradients off. Variants, each in a fresh subprocess of this script with the threads pinned:

- ``sciml``: :class:`sciml.networks.MLP` with grad disabled, which runs the native operator of
  :mod:`sciml.networks.tanh_jet_kernel` on one-channel jets (values only);
- ``torch_layers``: the same weights through torch's ``Linear`` and ``tanh`` (what our MLP did before);
- ``deepxde``: DeepXDE's ``dde.nn.FNN`` (PyTorch backend) with the same sizes, under ``torch.no_grad``, as
  ``Model.predict`` runs it;
- ``jax_jit``: the same MLP written in JAX and jitted (when jax is installed).

    python benchmarks/pinn_inference.py --json benchmarks/results/pinn_inference.json

Reports the median million points per second over 30 evaluations after 5 warm-up ones, and each variant's speed
ratio to DeepXDE (> 1: faster).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CASES = {"burgers_net": (20, 3), "poisson_net": (64, 4)}
POINTS = 65536
REPEATS, WARMUP = 30, 5


def _rate(fn) -> float:
    """Median million points per second of ``fn()`` (one evaluation of all points)."""
    for _ in range(WARMUP):
        fn()
    samples = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return POINTS / statistics.median(samples) / 1e6


def worker(variant: str, width: int, depth: int, threads: int) -> dict:
    """One variant's rate in this (fresh) process."""
    import numpy as np

    x_np = np.random.default_rng(0).random((POINTS, 2), dtype=np.float32)
    if variant == "jax_jit":
        import jax
        import jax.numpy as jnp

        keys = jax.random.split(jax.random.PRNGKey(0), depth + 1)
        sizes = [2] + [width] * depth + [1]
        params = [
            (jax.random.normal(k, (a, b)) / np.sqrt(a), jnp.zeros(b)) for k, a, b in zip(keys, sizes[:-1], sizes[1:])
        ]

        @jax.jit
        def net(p, x):
            for w, b in p[:-1]:
                x = jnp.tanh(x @ w + b)
            return x @ p[-1][0] + p[-1][1]

        x = jnp.asarray(x_np)
        return {"rate": _rate(lambda: net(params, x).block_until_ready()), "version": jax.__version__}
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.from_numpy(x_np)
    if variant == "deepxde":
        os.environ["DDE_BACKEND"] = "pytorch"
        import deepxde as dde

        net = dde.nn.FNN([2] + [width] * depth + [1], "tanh", "Glorot normal")
        net.eval()

        def run():
            with torch.no_grad():
                net(x)

        return {"rate": _rate(run), "version": dde.__version__}
    from sciml.networks import MLP

    net = MLP(2, 1, width, depth, "tanh")
    layers = [*net.hidden, net.head]

    def native():
        with torch.no_grad():
            net(x)

    def plain():
        with torch.no_grad():
            h = x
            for layer in layers[:-1]:
                h = torch.tanh(layer(h))
            layers[-1](h)

    return {"rate": _rate(native if variant == "sciml" else plain), "version": torch.__version__}


def main() -> None:
    from _common import LoadGuard, peer_rows, pin_threads, run_worker, write_json

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default="benchmarks/results/pinn_inference.json")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--force", action="store_true", help="write results even if the machine was busy")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        variant, width, depth, threads = args.worker
        pin_threads(int(threads))
        print(json.dumps(worker(variant, int(width), int(depth), int(threads))))
        return
    guard = LoadGuard(args.force)
    rows = []
    for threads in args.threads:
        env = pin_threads(threads)
        for name, (width, depth) in CASES.items():
            case = f"{name} 2->[{width}]x{depth}->1 tanh, {POINTS} points"
            conditions = {"threads": threads, "precision": "float32"}
            results = {
                v: run_worker(__file__, [v, str(width), str(depth), str(threads)])
                for v in ("sciml", "torch_layers", "deepxde", "jax_jit")
            }
            ours = {v: results[v]["rate"] for v in ("sciml", "torch_layers") if "rate" in results[v]}
            for v in ("sciml", "torch_layers"):
                row = {"case": case, "variant": v, "value": round(ours.get(v, 0), 2) or None, "unit": "Mpoints/s"}
                rows.append({**row, "ratio_to": None, **conditions, "thread_environment": env})
                print(json.dumps(rows[-1]), flush=True)
            rows += peer_rows(case, "deepxde", results["deepxde"], "rate", "Mpoints/s", ours, 2, conditions)
            rows += peer_rows(case, "jax_jit", results["jax_jit"], "rate", "Mpoints/s", ours, 2, conditions)
    write_json(args.json, rows, guard=guard)


if __name__ == "__main__":
    main()
