"""Data-parallel scaling: PINN training steps per second at world size 1 and 2 (gloo, CPU processes).

    python benchmarks/scaling.py --json benchmarks/results/scaling.json [--points 16000] [--steps 60]

A fixed global problem (heat equation, ``--points`` interior collocation points, MLP 64×4, Adam, float32,
one thread per process) is trained by 1 and by 2 processes launched with ``torch.multiprocessing``;
each process holds ``points / world`` points and the gradients are all-reduced every step
(:mod:`sciml.distributed`). Reported: steps/s of each, the speed-up and the parallel efficiency
``speed-up / world``. On a 2-core machine the ideal is 2× at best; the all-reduce and the shared memory
bus take their share. On GPUs the launch line is

    torchrun --nproc_per_node=8 -m sciml.cli.main run experiment=<name> device=gpu      # NCCL, one GPU per rank

and under SLURM ``srun`` with ``MASTER_ADDR``/``MASTER_PORT`` exported (see README).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from pathlib import Path

import torch
import torch.multiprocessing as mp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LoadGuard, write_json


def _worker(rank, world, port, points, steps, warmup, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    from physics import Heat1D
    from sciml.distributed import DistributedContext, initialize, shutdown
    from sciml.geometry import Interval, SpaceTime, TimeDomain
    from sciml.networks import MLP
    from sciml.training import Phase
    from solvers.pinn import PINNSolver, Sampling

    ctx = initialize("cpu", context=DistributedContext(rank, world)) if world > 1 else DistributedContext()
    torch.manual_seed(0)
    s = PINNSolver(
        Heat1D(0.1),
        SpaceTime(Interval(0.0, 1.0), TimeDomain(0.0, 1.0)),
        MLP(2, 1, 64, 4),
        [Phase("adam", steps + warmup, lr=1e-3)],
        Sampling(points, 0, 0, method="sobol"),
        device="cpu",
        dtype="float32",
        hard_constraints=True,
        mode="pynative",
        distributed=ctx,
    )
    tr = s.make_trainer()
    for _ in range(warmup):
        tr.train_step()
    t = time.perf_counter()
    for _ in range(steps):
        tr.train_step()
    dt = time.perf_counter() - t
    if rank == 0:
        Path(out).write_text(json.dumps({"steps_per_s": steps / dt}))
    if world > 1:
        shutdown()


def measure(world: int, points: int, steps: int, warmup: int, tmp: Path) -> float:
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        port = so.getsockname()[1]
    out = tmp / f"ws{world}.json"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(r, world, port, points, steps, warmup, str(out))) for r in range(world)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    if any(p.exitcode for p in procs):
        raise RuntimeError(f"a worker failed at world size {world}")
    return json.loads(out.read_text())["steps_per_s"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default="benchmarks/results/scaling.json")
    ap.add_argument("--points", type=int, default=16000)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--force", action="store_true", help="write results even if the machine was busy")
    args = ap.parse_args()
    guard = LoadGuard(args.force)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        r1 = measure(1, args.points, args.steps, args.warmup, Path(d))
        r2 = measure(2, args.points, args.steps, args.warmup, Path(d))
    case = f"heat PINN, {args.points} points global, MLP 64x4, Adam, gloo, 1 thread/process"
    rows = [
        {"case": case, "variant": "world_size_1", "value": round(r1, 3), "unit": "steps/s", "ratio_to": None},
        {"case": case, "variant": "world_size_2", "value": round(r2, 3), "unit": "steps/s", "ratio_to": None},
        {
            "case": case,
            "variant": "speedup_2_over_1",
            "value": round(r2 / r1, 3),
            "unit": "x",
            "ratio_to": "world_size_1",
        },
        {
            "case": case,
            "variant": "efficiency_2",
            "value": round(r2 / r1 / 2, 3),
            "unit": "fraction",
            "ratio_to": "ideal",
        },
    ]
    for r in rows:
        r.update(threads_per_process=1, precision="float32")
        print(json.dumps(r))
    write_json(args.json, rows, guard=guard)


if __name__ == "__main__":
    main()
