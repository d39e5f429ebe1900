"""FDTD throughput: million cell-updates per second for a 3-D vacuum box with CPML, at equal precision.

    python benchmarks/fdtd.py --threads 1 --json benchmarks/results/fdtd_64_1thread.json [--n 64] [--steps 200]
    python benchmarks/fdtd.py --threads 2 --json benchmarks/results/fdtd_64_2threads.json

Rows (same grid, same steps, same CPML thickness, each timed after a warm-up; threads pinned in this script):
- ``sciml_eager`` / ``sciml_compiled``: :func:`solvers.fdtd.step` in a Python loop, eager or under
  ``torch.compile`` (its compile time is its own column), in float64 and in float32;
- ``sciml_native``: :class:`solvers.fdtd.NativeStepper`, the fused C++ kernel that ``run`` uses for forward CPU
  runs (CPU only);
- ``fdtd_pkg``: the ``fdtd`` PyPI package (0.3.5) with its torch backend at the same precision, in a subprocess;
- ``meep``: Debian's Meep 1.25, which computes in double precision only: serial at one thread, its MPI build on as
  many processes as threads otherwise (``--meep-mpi-prefix``: where ``python3-meep-mpi-default`` and its library are
  unpacked, since the package conflicts with the serial one; see benchmarks/README.md).

The device case (``--bend-resolution``, default 20; 0 skips it): the 90° bend of Meep's tutorial with geometry,
subpixel smoothing, an eigenmode source and DFT monitors (``benchmarks/fdtd_bend.py``), whole runs timed in both codes
(Meep sets up inside ``sim.run``), serial Meep against our torch step (eager and compiled) and the native kernel
at ``--threads``.

Ratios compare equal precision only: our float64 rows against Meep and ``fdtd_pkg`` in float64; our float32 rows
against ``fdtd_pkg`` in float32 (Meep has no float32 build). The memory-bandwidth figure divides the minimal
traffic of a Yee update (6 field components read and written once: 48 B per cell in float32, 96 in float64) times
the rate by a STREAM-like triad bandwidth measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LoadGuard, cold_compile_cache, package_version, peer_rows, pin_threads, write_json

FDTD_PKG = r"""
import json, sys, time
import fdtd
n, steps, pml, backend = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
import torch; torch.set_num_threads(int(sys.argv[5]))
fdtd.set_backend(backend)
g = fdtd.Grid((n, n, n), grid_spacing=1e-3, permittivity=1.0, permeability=1.0)
g[0:pml, :, :] = fdtd.PML(name="xlow"); g[-pml:, :, :] = fdtd.PML(name="xhigh")
g[:, 0:pml, :] = fdtd.PML(name="ylow"); g[:, -pml:, :] = fdtd.PML(name="yhigh")
g[:, :, 0:pml] = fdtd.PML(name="zlow"); g[:, :, -pml:] = fdtd.PML(name="zhigh")
g[n // 2, n // 2, n // 2] = fdtd.PointSource(period=20, name="src")
g.run(5, progress_bar=False)
t = time.perf_counter(); g.run(steps, progress_bar=False); dt = time.perf_counter() - t
print(json.dumps({"seconds": dt}))
"""

MEEP = r"""
import json, sys, time
import meep as mp
n, steps, pml = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
mp.verbosity(0)
sim = mp.Simulation(cell_size=mp.Vector3(n, n, n), resolution=1, boundary_layers=[mp.PML(pml)],
                    sources=[mp.Source(mp.GaussianSource(frequency=0.1, fwidth=0.05), component=mp.Ez,
                                       center=mp.Vector3())])
sim.init_sim()
sim.run(until=5 * sim.fields.dt)
t = time.perf_counter(); sim.run(until=steps * sim.fields.dt); dt = time.perf_counter() - t
if mp.am_master():
    print(json.dumps({"seconds": dt, "grid": [sim.fields.gv.nx(), sim.fields.gv.ny(), sim.fields.gv.nz()],
                      "processes": mp.count_processors(), "single_precision": mp.is_single_precision(),
                      "version": mp.__version__}))
"""


def triad_bandwidth(device: str, n: int = 1 << 25) -> float:
    """Best-of-5 ``a = b + s·c`` in float32: bytes per second (3 arrays × 4 B per element), at the pinned threads."""
    import torch

    b, c = torch.rand(n, device=device), torch.rand(n, device=device)
    a = torch.empty_like(b)
    best = float("inf")
    for _ in range(5):
        _sync(device)
        t = time.perf_counter()
        torch.add(b, c, alpha=1.5, out=a)
        _sync(device)
        best = min(best, time.perf_counter() - t)
    return 12 * n / best


def _sync(device):
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def sciml_rate(n: int, steps: int, pml: int, device: str, how: str, precision: str = "float32") -> dict:
    """Our Yee step's rate on an ``n³`` vacuum box in ``precision``: ``how`` is ``eager`` (the torch step),
    ``compiled`` (it, through torch.compile) or ``native`` (:func:`solvers.fdtd.run`'s fused kernel, chunks of steps
    per native call)."""
    import torch

    dtype = getattr(torch, precision)
    from physics.maxwell import GaussianPulse, Materials, PointSource
    from solvers.fdtd import YeeGrid, coefficients, init_state, run, step

    g = YeeGrid((n, n, n), 1e-3, ("pml", "pml", "pml"), pml_cells=pml)
    co = coefficients(g, Materials(), dtype=dtype, device=device)
    src = [PointSource((n // 2, n // 2, n // 2), GaussianPulse(width=10 * g.time_step))]
    if how == "native":  # what a user's forward run does: whole chunks of steps per native call

        def fn(s, count=1):
            return run(co, count, src, state=s, native=True).state

    else:

        def one(s):
            return step(s, co, src)

        if how == "compiled":
            cold_compile_cache()  # compile_seconds: cold, as a new user pays it
            one = torch.compile(one, dynamic=False)

        def fn(s, count=1):
            for _ in range(count):
                s = one(s)
            return s

    compile_s = 0.0
    with torch.no_grad():
        s = init_state(co, dtype, device)
        if how == "compiled":
            t = time.perf_counter()
            s = fn(s)
            _sync(device)
            compile_s = time.perf_counter() - t
        s = fn(s, 5)
        _sync(device)
        t = time.perf_counter()
        s = fn(s, steps)
        _sync(device)
        dt = time.perf_counter() - t
    if not bool(torch.isfinite(s.fields["ez"]).all()):
        raise FloatingPointError("the benchmark run blew up")
    return {"mcells_per_s": n**3 * steps / dt / 1e6, "seconds": dt, "compile_seconds": compile_s}


def subprocess_rate(command: list[str], code: str, args: list[str], cells: int, steps: int, env=None) -> dict:
    """A peer's rate from ``command -c code args`` (its last JSON line), or ``{"error": ...}``."""
    try:
        r = subprocess.run([*command, "-c", code, *args], capture_output=True, text=True, timeout=1800, env=env)
    except (OSError, subprocess.TimeoutExpired) as err:
        return {"error": str(err)}
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["failed"])[-1]}
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]  # Meep prints its own timing lines too
    if not lines:
        return {"error": "no result line in the peer's output"}
    out = json.loads(lines[-1])
    if "grid" in out:
        cells = out["grid"][0] * out["grid"][1] * out["grid"][2]
    return {"mcells_per_s": cells * steps / out["seconds"] / 1e6, "seconds": out["seconds"], **out}


def meep_command(threads: int, python: str, mpi_prefix: str, mpirun: str) -> tuple[list[str], dict | None, str]:
    """The command that runs Meep on ``threads`` cores: serial Meep, or its MPI build on that many processes."""
    if threads == 1:
        return [python], None, "serial"
    env = {
        **os.environ,
        "PYTHONPATH": f"{mpi_prefix}/usr/lib/python3/dist-packages",
        "LD_LIBRARY_PATH": f"{mpi_prefix}/usr/lib/x86_64-linux-gnu",
        "OMP_NUM_THREADS": "1",
    }
    cmd = [
        mpirun,
        "--allow-run-as-root",
        "--oversubscribe",
        "-x",
        "PYTHONPATH",
        "-x",
        "LD_LIBRARY_PATH",
        "-x",
        "OMP_NUM_THREADS",
        "-np",
        str(threads),
        python,
    ]
    return cmd, env, f"MPI, {threads} processes"


def bend_rows(resolution: int, precisions: list[str], threads: int, meep_cmd, meep_env, meep_mode: str) -> list[dict]:
    """The device case: the 90° bend of Meep's tutorial (geometry with subpixel smoothing, an eigenmode source, DFT
    flux and mode monitors), ours and Meep's, whole runs (set-up included: Meep initialises inside ``sim.run``).
    Meep runs as ``meep_cmd`` (serial at one thread, its MPI build on ``threads`` processes otherwise)."""
    import itertools

    import numpy as np
    import torch
    from fdtd_bend import meep_bend, sciml_bend
    from meep_runner import meep_available

    rows = []
    cells = (16 * resolution) ** 2
    case = f"90-degree bend (Meep tutorial) at resolution {resolution}: {cells} cells, eigenmode source, 2-D"
    settings = "Courant 0.5 in both, 400 a/c, PML 1 a, 11 DFT frequencies, whole run incl. set-up"
    meep = None
    ok, why = meep_available()
    if ok:
        try:
            meep = meep_bend(resolution, True, nfreq=11, command=meep_cmd, env=meep_env, geometry="blocks")
        except RuntimeError as err:  # e.g. Debian's MPI build has no MPB, so no eigenmode source
            ok, why = False, f"Meep ({meep_mode}) could not run this case: {' '.join(str(err).splitlines()[1:2])}"
    if meep is not None:
        meep_rate = cells * meep["steps"] / meep["seconds"] / 1e6
        rows.append(
            {
                "case": case,
                "variant": "meep",
                "value": round(meep_rate, 2),
                "unit": "Mcells/s",
                "ratio_to": None,
                "threads": threads,
                "precision": "float64",
                "version": f"{meep['version']} (Debian, double precision, {meep_mode})",
                "settings": settings,
            }
        )
    freqs = np.linspace(0.1, 0.2, 11)
    variants = (("sciml_eager", False, False), ("sciml_compiled", True, False), ("sciml_native", False, True))
    for precision, (variant, compiled, native) in itertools.product(precisions, variants):
        dtype = {"float32": torch.float32, "float64": torch.float64}[precision]
        times = []
        for _ in range(2):  # whole runs, compilation included (the second one finds inductor's cache warm)
            t0 = time.perf_counter()
            out = sciml_bend(resolution, True, freqs, dtype, compile=compiled, native=native)
            times.append(time.perf_counter() - t0)
        rate = cells * out["steps"] / min(times) / 1e6
        row = {
            "case": case,
            "variant": variant,
            "value": round(rate, 2),
            "unit": "Mcells/s",
            "ratio_to": None,
            "threads": threads,
            "precision": precision,
            "seconds_per_run": [round(t, 1) for t in times],
        }
        rows.append(row)
        if meep is not None and precision == "float64":  # Meep is double only: equal precision
            rows.append(
                {
                    **row,
                    "variant": f"{variant}/meep",
                    "value": round(rate / meep_rate, 3),
                    "unit": "speed ratio",
                    "ratio_to": "meep",
                    "version": meep["version"],
                    "settings": settings,
                }
            )
        elif meep is None and precision == "float64" and variant == "sciml_eager":  # say once why Meep is absent
            rows.append(
                {
                    "case": case,
                    "variant": "meep",
                    "value": None,
                    "unit": "Mcells/s",
                    "ratio_to": None,
                    "threads": threads,
                    "precision": "float64",
                    "skipped": why,
                }
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default="benchmarks/results/fdtd_64_1thread.json")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--pml", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1, help="threads for us and fdtd_pkg; Meep processes")
    ap.add_argument("--precisions", default="float64,float32")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--meep-python", default="/usr/bin/python3")
    ap.add_argument("--meep-mpi-prefix", default="/opt/meep-mpi")
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--force", action="store_true", help="write results even if the machine was busy")
    ap.add_argument("--bend-resolution", type=int, default=20, help="the device case's resolution (0: skip it)")
    args = ap.parse_args()
    guard = LoadGuard(args.force)
    pin_threads(args.threads)
    n, steps = args.n, args.steps
    bw = triad_bandwidth(args.device)
    rows = []
    fdtd_version = package_version("fdtd")
    meep_cmd, meep_env, meep_mode = meep_command(args.threads, args.meep_python, args.meep_mpi_prefix, args.mpirun)
    meep_result = None
    for precision in args.precisions.split(","):
        case = f"vacuum {n}^3, CPML {args.pml}, {steps} steps, {args.device}"
        base = {"threads": args.threads, "precision": precision}
        ours = {}
        hows = ("eager", "compiled", "native") if args.device == "cpu" else ("eager", "compiled")
        for how in hows:
            variant = f"sciml_{how}"
            r = sciml_rate(n, steps, args.pml, args.device, how, precision)
            ours[variant] = r["mcells_per_s"]
            nbytes = 48 if precision == "float32" else 96
            rows.append(
                {
                    "case": case,
                    "variant": variant,
                    "value": round(r["mcells_per_s"], 2),
                    "unit": "Mcells/s",
                    "ratio_to": None,
                    **base,
                    "compile_seconds": round(r["compile_seconds"], 1),
                    "bandwidth_fraction": round(nbytes * r["mcells_per_s"] * 1e6 / bw, 3),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        if args.skip_peers:
            continue
        res = subprocess_rate(
            [sys.executable],
            FDTD_PKG,
            [str(n), str(steps), str(args.pml), f"torch.{precision}", str(args.threads)],
            n**3,
            steps,
        )
        rows += peer_rows(
            case,
            "fdtd_pkg",
            res,
            "mcells_per_s",
            "Mcells/s",
            ours,
            conditions={**base, "version": fdtd_version, "settings": "torch backend, PML 10 cells"},
        )
        if precision == "float64":  # Meep computes in double only: compare equal precision
            meep_result = subprocess_rate(meep_cmd, MEEP, [str(n), str(steps), str(args.pml)], n**3, steps, meep_env)
            version = meep_result.get("version", "?")
            rows += peer_rows(
                case,
                "meep",
                meep_result,
                "mcells_per_s",
                "Mcells/s",
                ours,
                conditions={
                    **base,
                    "version": f"{version} (Debian, double precision, {meep_mode})",
                    "settings": "resolution 1, PML 10 cells, one Gaussian Ez source",
                },
            )
    if args.bend_resolution > 0 and not args.skip_peers:
        rows += bend_rows(args.bend_resolution, args.precisions.split(","), args.threads, meep_cmd, meep_env, meep_mode)
    write_json(
        args.json,
        rows,
        {"triad_bandwidth_GBps": round(bw / 1e9, 2), "bytes_per_cell_update": {"float32": 48, "float64": 96}},
        guard=guard,
    )


if __name__ == "__main__":
    main()
