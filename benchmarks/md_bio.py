"""Biomolecular MD throughput (ns/day) against OpenMM's CPU platform on the same systems and settings.

    python benchmarks/md_bio.py --json benchmarks/results/md_bio.json [--threads 2] [--systems alanine,dhfr]
    python benchmarks/md_bio.py --device cuda --json benchmarks/results/md_bio_gpu_h200.json   # against OpenMM CUDA

Systems ship in openmmtools' data folder: solvated alanine dipeptide (2269 atoms) and DHFR (JAC, 23 558 atoms).
Settings for both engines: PME with a 0.9 nm cutoff at OpenMM's default tolerance 5e-4, bonds to hydrogen
constrained, rigid water, Langevin at 300 K with friction 1/ps, 2 fs. OpenMM runs ``LangevinMiddleIntegrator``
on its CPU platform with ``Threads`` = ``--threads`` (its best CPU path, mixed single/double precision); ours
runs :class:`solvers.md.biomolecular.MolecularDynamics` (constrained BAOAB, M-SHAKE/RATTLE, autograd forces,
neighbour list with a 0.15 nm skin) in float32 and float64. Each engine takes warm-up steps first, then the
timed steps; rows record threads, precision and steps.

torchmd (``pip install torchmd moleculekit parmed``, the PyTorch MD peer) has no PME and no constraints, so it
runs a second case that all three engines can: the same solvated alanine dipeptide with a 0.9 nm reaction-field
cutoff, flexible water, no constraints, Langevin at 1 fs (``alanine_rf_1fs``). torchmd evaluates every
non-excluded pair each step (no neighbour list); on DHFR that is 2.8e8 pairs, so it is not run there.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LoadGuard, package_version, peer_rows, pin_threads, write_json

SYSTEMS = {
    "alanine": ("alanine-dipeptide-explicit/alanine-dipeptide.prmtop", "alanine-dipeptide.crd", 200),
    "dhfr": ("dhfr/JAC.prmtop", "JAC.inpcrd", 100),
}
DT_PS = 0.002


def _files(name: str):
    from physics.forcefields.biomolecular import data_file

    prmtop_rel, crd_name, steps = SYSTEMS[name]
    prmtop = data_file("openmmtools", prmtop_rel)
    return prmtop, prmtop.parent / crd_name, steps


def _create_kwargs():
    import openmm.app as app
    import openmm.unit as unit

    return dict(nonbondedMethod=app.PME, nonbondedCutoff=0.9 * unit.nanometer, constraints=app.HBonds, rigidWater=True)


def ours(name: str, dtype_name: str, steps: int, create=None, dt_ps: float = DT_PS, device: str = "cpu") -> dict:
    """ns/day of our engine on ``name`` in ``dtype_name`` on ``device`` (``create``: createSystem arguments,
    default PME)."""
    import warnings

    import torch

    from physics.forcefields.biomolecular import load_amber
    from solvers.md.biomolecular import BiomolecularSettings, MolecularDynamics

    prmtop, crd, _ = _files(name)
    dtype = getattr(torch, dtype_name)
    system, R = load_amber(prmtop, crd, **(create or _create_kwargs()))
    system, R = system.to(dtype, device), R.to(device=device, dtype=dtype)
    sync = torch.cuda.synchronize if R.device.type == "cuda" else (lambda: None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DHFR's net charge warning
        md = MolecularDynamics.build(system, BiomolecularSettings(dt_ps=dt_ps))
    state, pairs = md.start(R, seed=1)
    state, pairs = md.advance(state, pairs, 3)  # warm-up
    sync()
    t0 = time.perf_counter()
    state, pairs = md.advance(state, pairs, steps)
    sync()
    wall = time.perf_counter() - t0
    return {"ns_per_day": steps * dt_ps * 1e-3 / wall * 86400, "steps": steps, "temperature_K": md.temperature(state)}


def openmm_rate(name: str, threads: int, steps: int, create=None, dt_ps: float = DT_PS, platform: str = "CPU") -> dict:
    """ns/day of OpenMM's CPU platform (or ``platform="CUDA"``, mixed precision) with the same settings."""
    try:
        import openmm as mm
        import openmm.app as app
    except ImportError as err:
        return {"error": f"openmm not installed ({err})"}
    prmtop, crd, _ = _files(name)
    inpcrd = app.AmberInpcrdFile(str(crd))
    system = app.AmberPrmtopFile(str(prmtop)).createSystem(**(create or _create_kwargs()))
    system.setDefaultPeriodicBoxVectors(*inpcrd.boxVectors)
    integrator = mm.LangevinMiddleIntegrator(300.0, 1.0, dt_ps)
    props = {"Threads": str(threads)} if platform == "CPU" else {"Precision": "mixed"}
    try:
        ctx = mm.Context(system, integrator, mm.Platform.getPlatformByName(platform), props)
    except Exception as err:  # e.g. no CUDA plugin: say why the row is empty
        failures = "; ".join(mm.Platform.getPluginLoadFailures())
        return {"error": f"OpenMM {platform} platform unavailable: {err} {failures}".strip()}
    ctx.setPositions(inpcrd.getPositions())
    ctx.setVelocitiesToTemperature(300.0, 1)
    integrator.step(10)
    ctx.getState(getEnergy=True)
    n = max(steps * 20, 200)
    t0 = time.perf_counter()
    integrator.step(n)
    ctx.getState(getEnergy=True)  # waits for the work to finish
    wall = time.perf_counter() - t0
    return {"ns_per_day": n * dt_ps * 1e-3 / wall * 86400, "steps": n}


def _rf_kwargs():
    import openmm.app as app
    import openmm.unit as unit

    return dict(
        nonbondedMethod=app.CutoffPeriodic, nonbondedCutoff=0.9 * unit.nanometer, constraints=None, rigidWater=False
    )


def torchmd_rf(name: str, steps: int) -> dict:
    """torchmd (float32) on the reaction-field case: its own prmtop reader (parmed via moleculekit), its
    Langevin velocity Verlet at 1 fs, cutoff 9 Å with its reaction field."""
    try:
        import torch
        from moleculekit.molecule import Molecule
        from torchmd.forcefields.forcefield import ForceField
        from torchmd.forces import Forces
        from torchmd.integrator import Integrator, maxwell_boltzmann
        from torchmd.parameters import Parameters
        from torchmd.systems import System
        from torchmd.wrapper import Wrapper
    except ImportError as err:
        return {"error": f"torchmd not installed ({err}); pip install torchmd moleculekit parmed"}
    prmtop, crd, _ = _files(name)
    mol = Molecule(str(prmtop))
    mol.read(str(crd), type="inpcrd")
    params = Parameters(ForceField.create(mol, str(prmtop)), mol, precision=torch.float32, device="cpu")
    system = System(mol.numAtoms, nreplicas=1, precision=torch.float32, device="cpu")
    system.set_positions(mol.coords)
    system.set_box(mol.box)
    system.set_velocities(maxwell_boltzmann(params.masses, T=300, replicas=1))
    terms = ["bonds", "angles", "dihedrals", "impropers", "1-4", "electrostatics", "lj"]
    forces = Forces(params, cutoff=9.0, rfa=True, terms=terms)
    integrator = Integrator(system, forces, timestep=1, device="cpu", gamma=1.0, T=300)
    wrapper = Wrapper(mol.numAtoms, mol.bonds if len(mol.bonds) else None, "cpu")
    integrator.step(3)
    t0 = time.perf_counter()
    for _ in range(steps):
        integrator.step(1)
        wrapper.wrap(system.pos, system.box)
    wall = time.perf_counter() - t0
    return {"ns_per_day": steps * 0.001 * 1e-3 / wall * 86400, "steps": steps}


def pme_rows(name: str, device: str, threads: int) -> list[dict]:
    """Rows for ``name`` with PME: ours in float32 and float64 on ``device``, and OpenMM on the matching platform
    (CPU with ``threads`` threads, or CUDA in mixed precision), with ``ours/OpenMM`` ratio rows."""
    gpu = device != "cpu"
    steps = SYSTEMS[name][2] * (5 if gpu else 1)
    case, suffix = f"{name}_pme_2fs", f"_{device}" if gpu else ""
    on = {} if gpu else {"threads": threads}
    rows, mine = [], {}
    for dtype_name in ("float32", "float64"):
        variant = f"sciml_{dtype_name}{suffix}"
        try:
            r = ours(name, dtype_name, steps, device=device)
        except Exception as err:  # report where it failed, and go on to the peer
            import traceback

            print(traceback.format_exc()[-1500:], flush=True)
            rows.append({"case": case, "variant": variant, "value": None, "unit": "ns/day", "skipped": repr(err)})
            continue
        rows.append(
            {
                "case": case,
                "variant": variant,
                "value": round(r["ns_per_day"], 3),
                "unit": "ns/day",
                "ratio_to": None,
                **on,
                "precision": dtype_name,
                "steps": r["steps"],
                "temperature_K": round(float(r["temperature_K"]), 1),
            }
        )
        print(rows[-1], flush=True)
        mine[variant] = r["ns_per_day"]
    platform = "CUDA" if gpu else "CPU"
    conditions = {
        **on,
        "precision": f"mixed (OpenMM {platform} platform)",
        "version": package_version("openmm"),
        "settings": f"{platform} platform, LangevinMiddleIntegrator 300 K 1/ps 2 fs, PME 0.9 nm tol 5e-4, HBonds, "
        "rigid water",
    }
    result = openmm_rate(name, threads, steps, platform=platform)
    return rows + peer_rows(case, f"openmm_{platform.lower()}", result, "ns_per_day", "ns/day", mine, 3, conditions)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default=str(ROOT / "benchmarks/results/md_bio.json"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--systems", default="alanine,dhfr")
    ap.add_argument("--force", action="store_true", help="write results even when the machine was busy")
    ap.add_argument("--device", default="cpu", help="cuda: ours on the GPU against OpenMM's CUDA platform")
    args = ap.parse_args()
    if args.device == "cpu":
        pin_threads(args.threads)
    guard = LoadGuard(args.force)
    rows = []
    for name in args.systems.split(","):
        rows += pme_rows(name, args.device, args.threads)
    if args.device == "cpu" and "alanine" in args.systems.split(","):  # the case torchmd can run too
        case, steps = "alanine_rf_1fs", 100
        rf = {"create": _rf_kwargs(), "dt_ps": 0.001}
        r = ours("alanine", "float32", steps, **rf)
        mine = {"sciml_float32": r["ns_per_day"]}
        row = {"case": case, "variant": "sciml_float32", "value": round(r["ns_per_day"], 3), "unit": "ns/day"}
        rows.append(row | {"ratio_to": None, "threads": args.threads, "precision": "float32", "steps": steps})
        print(rows[-1], flush=True)
        settings = "reaction field 0.9 nm, flexible water, no constraints, Langevin 300 K 1/ps, 1 fs"
        for name, result, precision, version in (
            ("openmm_cpu", openmm_rate("alanine", args.threads, steps, **rf), "mixed", package_version("openmm")),
            ("torchmd_float32", torchmd_rf("alanine", steps), "float32", package_version("torchmd")),
        ):
            conditions = {"threads": args.threads, "precision": precision, "version": version, "settings": settings}
            rows += peer_rows(case, name, result, "ns_per_day", "ns/day", mine, 3, conditions)
    write_json(args.json, rows, {"device": args.device} if args.device != "cpu" else None, guard=guard)


if __name__ == "__main__":
    main()
