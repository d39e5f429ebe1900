"""Grid-solver speed and accuracy, against PhiFlow in the same script run.

Cases (float32 unless noted):
  ns2d_256   Taylor–Green vortex on [0, 2π]², ν = 0.01, dt = 0.01. sciml: pseudo-spectral vorticity,
             RK4, 2/3 dealiasing. PhiFlow 3 (torch backend): its natural scheme, a staggered grid with
             semi-Lagrangian advection, explicit diffusion and `fluid.make_incompressible`
             (periodic, default solve). Both report steps/s at 256² and 64²; accuracy = max |u - u_exact|
             at t = 1 at 64². Found here with PhiFlow 3.4 / phiml: at 256² its pressure-matrix assembly
             fails (int32 index overflow), at 128² its float32 direct solve misses its tolerance and
             its CG diverges, so its rows at those sizes record the error.
  cavity_128 lid-driven cavity, MAC projection, Re = 100, float64: sciml steps/s (no PhiFlow row).
  memory     bytes saved for backward when differentiating 1000 NS steps at 64² (float64),
             with and without gradient checkpointing every 100 steps.

    python benchmarks/grid_solvers.py --json benchmarks/results/grid_solvers.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_worker, write_json


def _time(step, state, n):
    t0 = time.perf_counter()
    for _ in range(n):
        state = step(state)
    return n / (time.perf_counter() - t0), state


def worker_sciml_ns(n: int, steps: int, error_run: bool) -> dict:
    import torch

    from solvers.grid.navier_stokes import NSGrid, NSState, step, taylor_green_vorticity

    torch.set_grad_enabled(False)
    nu, dt = 0.01, 0.01
    g = NSGrid(n, dtype=torch.float32)
    s = NSState(g.to_spectral(taylor_green_vorticity(g, 0.0, nu).float())[None])
    adv = lambda st: step(st, dt, g, nu)
    _time(adv, s, 3)
    rate, _ = _time(adv, s, steps)
    out = {"steps_per_s": rate}
    if error_run:
        for _ in range(100):
            s = adv(s)
        x, y = g.coordinates()
        u, v = g.velocity(s.w_hat)
        d = math.exp(-2 * nu * 1.0)
        out["max_abs_error_u"] = float(
            torch.maximum(
                (u[0] - d * torch.cos(x) * torch.sin(y)).abs().max(),
                (v[0] + d * torch.sin(x) * torch.cos(y)).abs().max(),
            )
        )
    return out


def worker_phiflow_ns(n: int, steps: int, error_run: bool) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    from phi.torch.flow import PI, Box, Solve, StaggeredGrid, advect, diffuse, extrapolation, fluid, vec
    from phi.torch.flow import math as pm

    nu, dt = 0.01, 0.01

    def tg(pos):
        x, y = pos.vector["x"], pos.vector["y"]
        return vec(x=pm.cos(x) * pm.sin(y), y=-pm.sin(x) * pm.cos(y))

    v = StaggeredGrid(tg, extrapolation.PERIODIC, x=n, y=n, bounds=Box(x=2 * PI, y=2 * PI))

    def adv(state):
        vel, p = state
        vel = advect.semi_lagrangian(vel, vel, dt)
        vel = diffuse.explicit(vel, nu, dt)
        return fluid.make_incompressible(vel, (), Solve(x0=p))

    state = (v, None)
    _, state = _time(adv, state, 2)
    rate, state = _time(adv, state, steps)
    out = {"steps_per_s": rate}
    if error_run:
        state = (v, None)
        for _ in range(100):
            state = adv(state)
        c = state[0].at_centers()
        err = pm.max(abs(c.values - tg(c.points) * math.exp(-2 * nu)))
        out["max_abs_error_u"] = float(err.numpy() if hasattr(err, "numpy") else err)
    return out


def worker_cavity(n: int, steps: int) -> dict:

    from solvers.grid.cavity import initial_state, stable_dt, step

    dt = stable_dt(n, 100.0)
    rate, _ = _time(lambda s: step(s, dt, 100.0), initial_state(n), steps)
    return {"steps_per_s": rate}


def worker_memory() -> dict:
    import torch

    from solvers.grid.navier_stokes import NSGrid, NSState, step
    from solvers.time_integrators import rollout

    g = NSGrid(64)
    x, y = g.coordinates()
    out = {}
    for k in (0, 100):
        saved = [0]

        def pack(t, saved=saved):
            saved[0] += t.numel() * t.element_size()
            return t

        w0 = (torch.sin(x) * torch.cos(2 * y)).requires_grad_(True)
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            final = rollout(
                lambda s: step(s, 0.01, g, 0.01), NSState(g.to_spectral(w0)[None]), 1000, checkpoint_every=k
            )
            loss = g.to_physical(final.w_hat).pow(2).mean()
        loss.backward()
        out["with_checkpointing" if k else "without_checkpointing"] = saved[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json")
    ap.add_argument("--worker")
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--error", action="store_true")
    a = ap.parse_args()
    if a.worker:
        fn = {
            "sciml_ns": lambda: worker_sciml_ns(a.n, a.steps, a.error),
            "phiflow_ns": lambda: worker_phiflow_ns(a.n, a.steps, a.error),
            "cavity": lambda: worker_cavity(a.n, a.steps),
            "memory": worker_memory,
        }[a.worker]
        print(json.dumps(fn()))
        return
    rows = []
    me = run_worker(__file__, ["sciml_ns", "--n", "256", "--steps", "40"])
    phi = run_worker(__file__, ["phiflow_ns", "--n", "256", "--steps", "3"])
    me64 = run_worker(__file__, ["sciml_ns", "--n", "64", "--steps", "100", "--error"])
    phi64 = run_worker(__file__, ["phiflow_ns", "--n", "64", "--steps", "20", "--error"])
    for name, res in (("phiflow", phi), ("sciml", me)):
        if "error" in res:
            rows.append(
                {"case": "ns2d_256", "variant": name, "value": None, "unit": "steps/s", "skipped": res["error"]}
            )
            continue
        ratio = res["steps_per_s"] / phi["steps_per_s"] if "steps_per_s" in phi else None
        rows.append(
            {
                "case": "ns2d_256",
                "variant": name,
                "value": round(res["steps_per_s"], 3),
                "unit": "steps/s",
                "ratio_to": "phiflow",
                "ratio": round(ratio, 2) if ratio else None,
            }
        )
    for name, res in (("phiflow", phi64), ("sciml", me64)):
        if "max_abs_error_u" in res:
            rows.append(
                {
                    "case": "taylor_green_64_t1",
                    "variant": name,
                    "value": res["max_abs_error_u"],
                    "unit": "max abs(u - u_exact)",
                    "ratio_to": "phiflow",
                    "ratio": round(phi64["max_abs_error_u"] / res["max_abs_error_u"], 1)
                    if "max_abs_error_u" in phi64
                    else None,
                }
            )
            rows.append(
                {
                    "case": "ns2d_64",
                    "variant": name,
                    "value": round(res["steps_per_s"], 2),
                    "unit": "steps/s",
                    "ratio_to": "phiflow",
                    "ratio": round(res["steps_per_s"] / phi64["steps_per_s"], 2) if "steps_per_s" in phi64 else None,
                }
            )
    cav = run_worker(__file__, ["cavity", "--n", "128", "--steps", "200"])
    rows.append(
        {
            "case": "cavity_128",
            "variant": "sciml",
            "value": round(cav.get("steps_per_s", float("nan")), 2),
            "unit": "steps/s",
            "ratio_to": None,
        }
    )
    mem = run_worker(__file__, ["memory"])
    full, kept = mem["without_checkpointing"], mem["with_checkpointing"]
    peak_ckpt = kept + full / 10  # stored chunk inputs + one 100-step chunk recomputed during backward
    rows.append(
        {
            "case": "ns2d_64_grad_1000_steps",
            "variant": "without_checkpointing",
            "value": round(full / 2**20, 2),
            "unit": "MiB kept for backward",
            "ratio_to": None,
        }
    )
    rows.append(
        {
            "case": "ns2d_64_grad_1000_steps",
            "variant": "checkpoint_every_100",
            "value": round(kept / 2**20, 2),
            "unit": "MiB kept for backward",
            "ratio_to": "without_checkpointing",
            "ratio": round(full / kept, 1),
        }
    )
    rows.append(
        {
            "case": "ns2d_64_grad_1000_steps",
            "variant": "checkpoint_every_100_peak_estimate",
            "value": round(peak_ckpt / 2**20, 2),
            "unit": "MiB (kept + one recomputed chunk)",
            "ratio_to": "without_checkpointing",
            "ratio": round(full / peak_ckpt, 1),
        }
    )
    for r in rows:
        print(r, flush=True)
    if a.json:
        write_json(
            a.json,
            rows,
            {
                "benchmark": "grid_solvers",
                "note": "ratio = sciml rate / PhiFlow rate for speed, PhiFlow error / sciml error for accuracy",
            },
        )


if __name__ == "__main__":
    main()
