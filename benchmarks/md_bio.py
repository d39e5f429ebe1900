"""Biomolecular MD throughput (ns/day) against OpenMM's CPU platform on the same systems and settings.

    python benchmarks/md_bio.py --json benchmarks/results/md_bio.json [--threads 2] [--systems alanine,dhfr]
    python benchmarks/md_bio.py --device cuda --json benchmarks/results/md_bio_gpu_h200.json   # against OpenMM CUDA
    python benchmarks/md_bio.py --systems charmm_nbfix --json benchmarks/results/md_bio_charmm.json

``charmm_nbfix`` is a CHARMM36 protein in water with NaCl, whose sodium NBFIX pairs make the LJ a pair table
(:func:`charmm_nbfix_case`).

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
import contextlib
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
    import torch

    from physics.forcefields.biomolecular import load_amber

    prmtop, crd, _ = _files(name)
    system, R = load_amber(prmtop, crd, **(create or _create_kwargs()))
    return ours_md(system, R, getattr(torch, dtype_name), steps, dt_ps, device)


def ours_md(system, R, dtype, steps: int, dt_ps: float = DT_PS, device: str = "cpu") -> dict:
    """ns/day of :class:`solvers.md.biomolecular.MolecularDynamics` on ``system`` from positions ``R``."""
    import warnings

    import torch

    from solvers.md.biomolecular import BiomolecularSettings, MolecularDynamics

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
        import openmm.app as app
    except ImportError as err:
        return {"error": f"openmm not installed ({err})"}
    prmtop, crd, _ = _files(name)
    inpcrd = app.AmberInpcrdFile(str(crd))
    system = app.AmberPrmtopFile(str(prmtop)).createSystem(**(create or _create_kwargs()))
    system.setDefaultPeriodicBoxVectors(*inpcrd.boxVectors)
    return openmm_md(system, inpcrd.getPositions(), threads, steps, dt_ps, platform)


def openmm_md(
    system, positions, threads: int, steps: int, dt_ps: float = DT_PS, platform: str = "CPU", repeat: int = 20
) -> dict:
    """ns/day of OpenMM's ``LangevinMiddleIntegrator`` on an ``openmm.System`` from ``positions``, over
    ``repeat × steps`` steps (at least 200)."""
    import openmm as mm

    integrator = mm.LangevinMiddleIntegrator(300.0, 1.0, dt_ps)
    props = {"Threads": str(threads)} if platform == "CPU" else {"Precision": "mixed"}
    try:
        ctx = mm.Context(system, integrator, mm.Platform.getPlatformByName(platform), props)
    except Exception as err:  # e.g. no CUDA plugin: say why the row is empty
        failures = "; ".join(mm.Platform.getPluginLoadFailures())
        return {"error": f"OpenMM {platform} platform unavailable: {err} {failures}".strip()}
    ctx.setPositions(positions)
    ctx.setVelocitiesToTemperature(300.0, 1)
    integrator.step(10)
    ctx.getState(getEnergy=True)
    n = max(steps * repeat, 200)
    t0 = time.perf_counter()
    integrator.step(n)
    ctx.getState(getEnergy=True)  # waits for the work to finish
    wall = time.perf_counter() - t0
    return {"ns_per_day": n * dt_ps * 1e-3 / wall * 86400, "steps": n}


CHARMM_FILES = ("charmm36.xml", "charmm36/water.xml")


def charmm_nbfix_case(threads: int, steps: int = 100) -> list[dict]:
    """CHARMM36 with NBFIX pairs: ``openmm/app/data/test.pdb``'s protein re-solvated in CHARMM's TIP3P with 0.15 M
    NaCl (0.8 nm padding; sodium carries CHARMM's NBFIX pair overrides, so the LJ is a pair table), minimised by
    OpenMM, then both engines from the same positions with the PME settings above, in float32 (ours) and mixed
    precision (OpenMM's CPU platform)."""
    import random
    import warnings

    import openmm as mm
    import openmm.app as app
    import openmm.unit as unit
    import torch

    from physics.forcefields.biomolecular import data_file, from_openmm

    random.seed(0)  # where Modeller puts the ions
    pdb = app.PDBFile(str(data_file("openmm", "app/data/test.pdb")))
    model = app.Modeller(pdb.topology, pdb.positions)
    model.deleteWater()
    model.delete([a for a in model.topology.atoms() if a.residue.name == "Cl"])
    forcefield = app.ForceField(*CHARMM_FILES)
    model.addSolvent(forcefield, padding=0.8 * unit.nanometer, ionicStrength=0.15 * unit.molar)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        system = forcefield.createSystem(model.topology, **_create_kwargs())
    ctx = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("CPU"))
    ctx.setPositions(model.positions)
    mm.LocalEnergyMinimizer.minimize(ctx, 10.0, 500)
    positions = ctx.getState(getPositions=True).getPositions()
    del ctx
    ours_system = from_openmm(system, model.topology)  # the same openmm.System both engines run
    R = torch.tensor(positions.value_in_unit(unit.nanometer), dtype=torch.float64)
    table = ours_system.lennard_jones_table
    if table is None:
        raise RuntimeError("the solvated CHARMM system came out without an NBFIX pair table; the case needs one.")
    case = "charmm_nbfix_pme_2fs"
    atoms = f"{ours_system.n_atoms} atoms, {table.a.shape[0]} LJ types"
    rows, mine = [], {}
    for variant in ("sciml_float32", "sciml_float32_table_by_torch"):
        with _table_on_torch_path(variant.endswith("by_torch")):  # the path the table took before the native one
            r = ours_md(ours_system, R, torch.float32, steps)
        mine[variant] = r["ns_per_day"]
        row = {"case": case, "variant": variant, "value": round(r["ns_per_day"], 3), "unit": "ns/day"}
        rows.append(row | {"ratio_to": None, "threads": threads, "precision": "float32", "steps": steps})
        rows[-1] |= {"system": atoms, "temperature_K": round(float(r["temperature_K"]), 1)}
        print(rows[-1], flush=True)
    conditions = {
        "threads": threads,
        "precision": "mixed (OpenMM CPU platform)",
        "version": package_version("openmm"),
        "settings": "CPU platform, LangevinMiddleIntegrator 300 K 1/ps 2 fs, PME 0.9 nm tol 5e-4, HBonds, rigid water; "
        "the NBFIX table as OpenMM's CustomNonbondedForce",
    }
    result = openmm_md(system, positions, threads, steps, repeat=2)  # its NBFIX path is slow: 200 steps
    return rows + peer_rows(case, "openmm_cpu", result, "ns_per_day", "ns/day", mine, 3, conditions)


@contextlib.contextmanager
def _table_on_torch_path(on: bool):
    """With ``on``, an NBFIX table's pairs take the torch path (as before the native pass handled tables)."""
    import physics.forcefields.biomolecular.nonbonded as nonbonded

    original = nonbonded.pair_table_parameters
    if on:
        nonbonded.pair_table_parameters = lambda *args: None
    try:
        yield
    finally:
        nonbonded.pair_table_parameters = original


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
        if name == "charmm_nbfix":
            rows += charmm_nbfix_case(args.threads)
        else:
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
