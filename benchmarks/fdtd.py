"""FDTD throughput: million cell-updates per second for a 3-D vacuum box with CPML, float32.

    python benchmarks/fdtd.py --json benchmarks/results/fdtd.json [--n 64] [--steps 200] [--device cpu|cuda]

Rows (same grid, same steps, same CPML thickness, each timed after a warm-up):
- ``sciml_eager``: :func:`solvers.fdtd.step` in a Python loop;
- ``sciml_compiled``: the same step under ``torch.compile`` (compile time reported separately);
- ``fdtd_pkg``: the ``fdtd`` PyPI package (0.3.5) with its torch backend, in a subprocess (it changes
  torch's global defaults on import);
- ``meep``: Meep (Debian's python3-meep, the system Python), serial, in a subprocess, where it imports.

``ratio_to`` gives each sciml row's speed over the peer. The memory-bandwidth figure divides the
minimal traffic of a Yee update (6 field components read and written once: 48 B per cell in float32)
times the rate by a STREAM-like triad bandwidth measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peer_rows, write_json

FDTD_PKG = r"""
import json, sys, time
import fdtd
n, steps, pml, backend = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
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
print(json.dumps({"seconds": dt, "grid": [sim.fields.gv.nx(), sim.fields.gv.ny(), sim.fields.gv.nz()]}))
"""


def triad_bandwidth(device: str, n: int = 1 << 25) -> float:
    """Best-of-5 ``a = b + s·c`` in float32: bytes per second (3 arrays × 4 B per element)."""
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


def sciml_rate(n: int, steps: int, pml: int, device: str, compiled: bool) -> dict:
    import torch

    from physics.maxwell import GaussianPulse, Materials, PointSource
    from solvers.fdtd import YeeGrid, coefficients, init_state, step

    g = YeeGrid((n, n, n), 1e-3, ("pml", "pml", "pml"), pml_cells=pml)
    co = coefficients(g, Materials(), dtype=torch.float32, device=device)
    src = [PointSource((n // 2, n // 2, n // 2), GaussianPulse(width=10 * g.time_step))]
    fn = lambda s: step(s, co, src)
    compile_s = 0.0
    with torch.no_grad():
        s = init_state(co, torch.float32, device)
        if compiled:
            fn = torch.compile(fn, dynamic=False)
            t = time.perf_counter()
            s = fn(s)
            _sync(device)
            compile_s = time.perf_counter() - t
        for _ in range(5):
            s = fn(s)
        _sync(device)
        t = time.perf_counter()
        for _ in range(steps):
            s = fn(s)
        _sync(device)
        dt = time.perf_counter() - t
    if not bool(torch.isfinite(s.fields["ez"]).all()):
        raise FloatingPointError("the benchmark run blew up")
    return {"mcells_per_s": n**3 * steps / dt / 1e6, "seconds": dt, "compile_seconds": compile_s}


def subprocess_rate(python: str, code: str, args: list[str], cells: int, steps: int) -> dict:
    try:
        r = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, timeout=1800)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default="benchmarks/results/fdtd.json")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--pml", type=int, default=10)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--meep-python", default="/usr/bin/python3")
    args = ap.parse_args()
    n, steps = args.n, args.steps
    case = f"vacuum {n}^3, CPML {args.pml}, {steps} steps, float32, {args.device}"
    bw = triad_bandwidth(args.device)
    rows = []
    ours = {}
    for variant, compiled in (("sciml_eager", False), ("sciml_compiled", True)):
        r = sciml_rate(n, steps, args.pml, args.device, compiled)
        ours[variant] = r["mcells_per_s"]
        rows.append(
            {
                "case": case,
                "variant": variant,
                "value": round(r["mcells_per_s"], 2),
                "unit": "Mcells/s",
                "ratio_to": None,
                "compile_seconds": round(r["compile_seconds"], 1),
                "bandwidth_fraction": round(48 * r["mcells_per_s"] * 1e6 / bw, 3),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    peers = {}
    if not args.skip_peers:
        peers["fdtd_pkg"] = subprocess_rate(
            sys.executable, FDTD_PKG, [str(n), str(steps), str(args.pml), "torch.float32"], n**3, steps
        )
        peers["meep"] = subprocess_rate(args.meep_python, MEEP, [str(n), str(steps), str(args.pml)], n**3, steps)
    for name, r in peers.items():
        rows += peer_rows(case, name, r, "mcells_per_s", "Mcells/s", ours)
    write_json(args.json, rows, {"triad_bandwidth_GBps": round(bw / 1e9, 2), "bytes_per_cell_update": 48})


if __name__ == "__main__":
    main()
