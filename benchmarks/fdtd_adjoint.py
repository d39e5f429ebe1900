"""Gradient cost of inverse design: one objective-and-gradient evaluation of the waveguide bend (ceviche-challenges'
spec, ``configs/experiment/fdtd_waveguide_bend.yaml``) by the adjoint run of :mod:`solvers.fdtd.adjoint` (one more
native run) and by reverse-mode autograd through the FDTD steps, with the whole tape kept and with
checkpointed chunks, against the forward run alone (which, with nothing to differentiate, takes the native step, as
every forward CPU run does; the autograd runs take the torch step). The gradients' relative difference from the
full-tape autograd one is reported (the adjoint's is the gradient of the rung-down DFT, so it differs by the ring-down
the run truncates).

Each variant runs in a fresh interpreter so its peak resident memory (``ru_maxrss``) is its own; times are the
minimum of ``--repeats`` evaluations.

    python benchmarks/fdtd_adjoint.py --json benchmarks/results/fdtd_adjoint.json
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
from _common import pin_threads, run_worker, write_json

VARIANTS = {
    "forward_only": None,
    "adjoint_native": "adjoint",
    "autograd_full_tape": 0,
    "autograd_checkpoint_100": 100,
    "autograd_checkpoint_25": 25,
}


def worker(variant: str, repeats: int) -> dict:
    """Evaluate once (and time ``repeats`` evaluations) in this process; report time and peak memory."""
    import torch
    from omegaconf import OmegaConf

    from solvers.fdtd.experiments.inverse_design import DeviceSettings

    node = OmegaConf.load(Path(__file__).resolve().parent.parent / "configs/experiment/fdtd_waveguide_bend.yaml")
    device = DeviceSettings(**OmegaConf.to_container(node["photonic_device"])).build()
    every = VARIANTS[variant]
    x0 = np.random.default_rng(0).uniform(0.3, 0.7, device.design.shape)
    times = []
    for _ in range(repeats):
        x = torch.tensor(x0, requires_grad=every is not None)
        t0 = time.perf_counter()
        if every is None:
            with torch.no_grad():
                value = device.transmissions(device.permittivity(x, 8.0), checkpoint_every=0)["out"][0]
        elif every == "adjoint":
            value = device.transmissions(device.permittivity(x, 8.0), gradient="adjoint")["out"][0]
            value.backward()
        else:
            value = device.transmissions(device.permittivity(x, 8.0), checkpoint_every=every, gradient="autograd")
            value = value["out"][0]
            value.backward()
        times.append(time.perf_counter() - t0)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    grad = None if x.grad is None else x.grad.reshape(-1).tolist()
    return {"seconds": min(times), "peak_rss_mib": peak_mib, "value": float(value), "cells": device.shape, "grad": grad}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", nargs=2, metavar=("VARIANT", "REPEATS"))
    ap.add_argument("--json", default="benchmarks/results/fdtd_adjoint.json")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    pin_threads(args.threads)
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    results = {v: run_worker(__file__, [v, str(args.repeats)], timeout=3600) for v in VARIANTS}
    base = results["forward_only"]
    reference = results["autograd_full_tape"].get("grad")
    rows = []
    case = "waveguide bend (ceviche-challenges 2 um spec, 103x103 cells, 50 nm), one evaluation"
    for v, r in results.items():
        if "error" in r:
            rows.append({"case": case, "variant": v, "value": None, "unit": "s", "skipped": r["error"]})
            continue
        rows.append(
            {
                "case": case,
                "variant": v,
                "value": round(r["seconds"], 2),
                "unit": "s",
                "ratio_to": None if v == "forward_only" else round(r["seconds"] / base["seconds"], 2),
                "threads": args.threads,
            }
        )
        rows.append(
            {
                "case": case,
                "variant": f"{v} peak memory",
                "value": round(r["peak_rss_mib"], 1),
                "unit": "MiB (peak RSS, whole process)",
                "ratio_to": None,
            }
        )
        if r.get("grad") is not None and reference is not None and v != "autograd_full_tape":
            g, ref = np.asarray(r["grad"]), np.asarray(reference)
            rows.append(
                {
                    "case": case,
                    "variant": f"{v} gradient difference",
                    "value": float(np.linalg.norm(g - ref) / np.linalg.norm(ref)),
                    "unit": "relative L2 difference from autograd_full_tape's gradient",
                    "ratio_to": None,
                }
            )
        print(f"{v:28s} {r['seconds']:7.2f} s   peak RSS {r['peak_rss_mib']:8.1f} MiB   T = {r['value']:.4f}")
    write_json(args.json, rows)


if __name__ == "__main__":
    sys.exit(main())
