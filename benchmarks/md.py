"""MD throughput: atom-steps per second for the LAMMPS bench/in.lj system (fcc ρ = 0.8442, rc = 2.5, NVE,
dt = 0.005, T0 = 1.44) against LAMMPS and ASE.

    python benchmarks/md.py --json benchmarks/results/md.json [--sizes 4000,32000] [--steps 100]

Rows: ``sciml_float32`` / ``sciml_float64`` (our engine's fast path: dense Verlet list with skin 0.3
built by the native cell-list kernel, forces from the fused compiled kernel), and
``sciml_autograd_pairs_float32`` (pair-format list, autograd forces: the fully differentiable path; small N
only), each with the time split between neighbour-list work (displacement checks and rebuilds) and
force evaluation plus integration. Peers, each at its best on the same input: ``lammps_opt`` (Debian's ``lmp``
with ``-sf opt``, the optimised ``lj/cut/opt`` pair style, on ``mpirun -np <threads>``), ``lammps_omp`` (``-sf omp
-pk omp <threads>``, one process), and ``ase`` (VelocityVerlet with its LennardJones calculator, small N only).
LAMMPS and ASE compute in double precision, so the ``ratio_to`` rows compare our float64 rows only; our float32
rows are reported beside them, labelled, without a ratio. Threads are pinned in this script
(``--threads``) and recorded per row.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LoadGuard, package_version, peer_rows, pin_threads, write_json

LAMMPS_INPUT = """units lj
atom_style atomic
lattice fcc 0.8442
region box block 0 {c} 0 {c} 0 {c}
create_box 1 box
create_atoms 1 box
mass 1 1.0
velocity all create 1.44 87287 loop geom
pair_style lj/cut 2.5
pair_coeff 1 1 1.0 1.0 2.5
neighbor 0.3 bin
neigh_modify delay 0 every 20 check no
fix 1 all nve
thermo {steps}
run {steps}
"""


def cells_for(n: int) -> int:
    c = round((n / 4) ** (1 / 3))
    if 4 * c**3 != n:
        raise ValueError(f"N = {n} is not 4·c³ (an fcc box); use e.g. 4000 (c = 10) or 32000 (c = 20).")
    return c


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def sciml_rate(n: int, steps: int, dtype_name: str, device: str = "cpu", fmt: str = "dense") -> dict:
    import torch

    from physics.forcefields import fcc, lennard_jones_neighbor_list
    from solvers.md import maxwell_boltzmann, neighbor_list, nve, update_or_reallocate

    dtype = {"float32": torch.float32, "float64": torch.float64}[dtype_name]
    R, box = fcc(cells_for(n), density=0.8442, dtype=dtype)
    R, box = R.to(device), box.to(device)
    U = lennard_jones_neighbor_list(box=box, cutoff=2.5, format=fmt)
    nf = neighbor_list(box, 2.5, 0.3, format=fmt)
    t = time.perf_counter()
    nbrs = nf.allocate(R)
    t_build = time.perf_counter() - t
    key = "pairs" if fmt == "pairs" else "neighbors"

    def listed(nb):
        return {key: nb.pairs if fmt == "pairs" else nb.idx}

    init, step = nve(U, 0.005, box=box)
    s = init(R, maxwell_boltzmann(n, 1.44, seed=0).to(device=device, dtype=dtype), **listed(nbrs))
    t_nl, t_step = 0.0, 0.0
    for k in range(steps + 5):
        if k == 5:
            t_nl, t_step = 0.0, 0.0
        _sync(device)
        a = time.perf_counter()
        nbrs = update_or_reallocate(nf, s.R, nbrs)
        _sync(device)
        b = time.perf_counter()
        s = step(s, **listed(nbrs))
        _sync(device)
        c = time.perf_counter()
        t_nl += b - a
        t_step += c - b
    total = t_nl + t_step
    return {
        "atom_steps_per_s": n * steps / total,
        "neighbor_seconds": t_nl,
        "force_integrate_seconds": t_step,
        "first_build_seconds": t_build,
        "rebuilds": nbrs.rebuilds,
    }


def lammps_rate(n: int, steps: int, threads: int, accel: str = "opt") -> dict:
    """LAMMPS on in.lj with an accelerator package: ``opt`` on ``threads`` MPI ranks, or ``omp`` with ``threads``
    OpenMP threads in one rank."""
    lmp = shutil.which("lmp") or shutil.which("lmp_serial") or shutil.which("lmp_mpi")
    if lmp is None:
        return {"error": "LAMMPS (lmp) not found; apt-get install lammps"}
    if accel == "omp" and "OPENMP" not in lammps_packages():
        return {"error": "this lmp was built without the OPENMP package, so -sf omp is unavailable (Debian's is)"}
    with tempfile.TemporaryDirectory() as d:
        Path(d, "in.lj").write_text(LAMMPS_INPUT.format(c=cells_for(n), steps=steps))
        cmd = [lmp, "-in", "in.lj", "-log", "none", "-sf", accel]
        omp = "1"
        if accel == "omp":
            cmd += ["-pk", "omp", str(threads)]
            omp = str(threads)
        elif threads > 1 and shutil.which("mpirun"):
            cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(threads), *cmd]
        r = subprocess.run(
            cmd, cwd=d, capture_output=True, text=True, timeout=1800, env={**os.environ, "OMP_NUM_THREADS": omp}
        )
    m = re.search(r"Loop time of ([0-9.eE+-]+) on", r.stdout)
    if r.returncode != 0 or not m:
        return {"error": (r.stderr.strip().splitlines() or r.stdout.strip().splitlines() or ["failed"])[-1]}
    return {"atom_steps_per_s": n * steps / float(m.group(1))}


def ase_rate(n: int, steps: int) -> dict:
    try:
        import ase
        from ase.calculators.lj import LennardJones
        from ase.md.verlet import VelocityVerlet
    except ImportError as err:
        return {"error": f"ase not installed ({err})"}
    import numpy as np

    from physics.forcefields import fcc

    R, box = fcc(cells_for(n), density=0.8442)
    from solvers.md import maxwell_boltzmann

    atoms = ase.Atoms("Ar" * n, positions=R.numpy(), cell=box.numpy(), pbc=True, masses=np.ones(n))
    atoms.set_velocities(maxwell_boltzmann(n, 1.44, seed=0).numpy())  # moving atoms: no cached forces
    atoms.calc = LennardJones(sigma=1.0, epsilon=1.0, rc=2.5, smooth=False)
    dyn = VelocityVerlet(atoms, timestep=0.005)
    dyn.run(2)
    t = time.perf_counter()
    dyn.run(steps)
    return {"atom_steps_per_s": n * steps / (time.perf_counter() - t)}


def lammps_version() -> str | None:
    """The version line LAMMPS prints (``lmp -h``)."""
    lmp = shutil.which("lmp")
    if lmp is None:
        return None
    r = subprocess.run([lmp, "-h"], capture_output=True, text=True)
    m = re.search(r"Simulator - (.+)", r.stdout)
    return m.group(1).strip() if m else "unknown"


def lammps_packages() -> set[str]:
    """The packages this ``lmp`` was built with (the "Installed packages" block of ``lmp -h``)."""
    lmp = shutil.which("lmp")
    if lmp is None:
        return set()
    out = subprocess.run([lmp, "-h"], capture_output=True, text=True).stdout
    block = out.split("Installed packages:", 1)[-1].split("List of individual style", 1)[0]
    return set(block.split())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default="benchmarks/results/md.json")
    ap.add_argument("--sizes", default="4000,32000")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ase-max", type=int, default=4000)
    ap.add_argument("--autograd-max", type=int, default=4000, help="largest N for the autograd pair-format row")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--force", action="store_true", help="write results even if the machine was busy")
    args = ap.parse_args()
    guard = LoadGuard(args.force)
    pin_threads(args.threads)
    rows = []
    versions = {"lammps": lammps_version(), "ase": package_version("ase")}
    for n in (int(x) for x in args.sizes.split(",")):
        case = f"LJ in.lj N={n}, {args.steps} steps, {args.device}"
        ours = {}
        variants = [("float32", "dense", "sciml_float32"), ("float64", "dense", "sciml_float64")]
        if n <= args.autograd_max:
            variants.append(("float32", "pairs", "sciml_autograd_pairs_float32"))
        for dt, fmt, name in variants:
            r = sciml_rate(n, args.steps, dt, args.device, fmt)
            if dt == "float64":
                ours[name] = r["atom_steps_per_s"]  # the peers compute in double: ratios at equal precision
            total = r["neighbor_seconds"] + r["force_integrate_seconds"]
            rows.append(
                {
                    "case": case,
                    "variant": name,
                    "value": round(r["atom_steps_per_s"]),
                    "unit": "atom-steps/s",
                    "ratio_to": None,
                    "threads": args.threads,
                    "precision": dt,
                    "neighbor_fraction": round(r["neighbor_seconds"] / total, 3),
                    "first_build_seconds": round(r["first_build_seconds"], 2),
                    "rebuilds": r["rebuilds"],
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        if args.skip_peers:
            continue
        peers = [
            (
                f"lammps_{accel}",
                lambda a=accel, n=n: lammps_rate(n, args.steps, args.threads, a),
                versions["lammps"],
                how + ", neighbor 0.3 bin",
            )
            for accel, how in (
                ("opt", f"-sf opt (lj/cut/opt), mpirun -np {args.threads}"),
                ("omp", f"-sf omp -pk omp {args.threads}, 1 process"),
            )
        ]
        if n <= args.ase_max:
            peers.append(
                (
                    "ase",
                    lambda n=n: ase_rate(n, max(5, args.steps // 10)),
                    versions["ase"],
                    "VelocityVerlet + LennardJones(rc=2.5, smooth=False), no neighbour-list reuse (ASE's "
                    "calculator rebuilds every step)",
                )
            )
        for name, measure, version, settings in peers:
            conditions = {"threads": args.threads, "precision": "float64", "version": version, "settings": settings}
            rows += peer_rows(case, name, measure(), "atom_steps_per_s", "atom-steps/s", ours, 0, conditions=conditions)
    write_json(args.json, rows, guard=guard)


if __name__ == "__main__":
    main()
