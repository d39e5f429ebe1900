"""Well-tempered metadynamics on alanine dipeptide's φ: our run against OpenMM's own ``app.Metadynamics``.

Issue 18 asks for this comparison as an experiment, not a test. Both engines simulate the same system for the
same simulated time with the same settings: alanine dipeptide in vacuum (AMBER prmtop from openmmtools' data
folder), bonds to hydrogen constrained, Langevin 300 K, friction 1/ps, 2 fs; bias on φ = C–N–Cα–C (atoms 4, 6,
8, 14), Gaussian height 1.2 kJ/mol, width 0.35 rad, bias factor 6, a Gaussian every 100 steps. Ours is
``sciml run experiment=md_alanine_metad metad.dihedrals=[[4,6,8,14]]``; OpenMM's is ``app.Metadynamics`` on
its CPU platform. Each runs ``--seeds`` times; the JSON gives the RMS difference of the mean F(φ) profiles over
the region both sample (F ≤ ``--region`` kJ/mol), next to the seed-to-seed spread within each engine, which is
the statistical noise that difference has to be judged against. No timing.

    python benchmarks/md_metad_vs_openmm.py --ps 50 --seeds 3 --json benchmarks/results/md_metad_vs_openmm.json
"""

from __future__ import annotations

import argparse
import csv
import itertools
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _common import package_version, pin_threads, write_json

PHI = (4, 6, 8, 14)
HEIGHT, WIDTH, GAMMA, STRIDE, T = 1.2, 0.35, 6.0, 100, 300.0
GRID = np.linspace(-math.pi, math.pi, 61)


def _prmtop() -> Path:
    sys.path.insert(0, str(ROOT))
    from physics.forcefields.biomolecular import data_file

    return data_file("openmmtools", "alanine-dipeptide-gbsa/alanine-dipeptide.prmtop")


def ours(steps: int, seed: int) -> np.ndarray:
    """F(φ) on :data:`GRID` from our experiment runner (a subprocess, as a user runs it)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            str(Path(sys.executable).parent / "sciml"),
            "run",
            "experiment=md_alanine_metad",
            "metad.dihedrals=[[4,6,8,14]]",
            f"metad.steps={steps}",
            f"metad.height_kj_mol={HEIGHT}",
            f"metad.sigma_rad={WIDTH}",
            f"metad.bias_factor={GAMMA}",
            f"metad.stride={STRIDE}",
            f"metad.grid={len(GRID)}",
            f"seed={seed}",
            "trainer.progress_bar=false",
            "trainer.tensorboard=false",
            f"hydra.run.dir={tmp}",
        ]
        subprocess.run(cmd, check=True, capture_output=True)
        rows = list(csv.DictReader(open(Path(tmp) / "fes.csv")))
    phi = np.array([float(r["phi_rad"]) for r in rows])
    F = np.array([float(r["free_energy_kj_mol"]) for r in rows])
    return np.interp(GRID, phi, F, period=2 * math.pi)


def openmm(steps: int, seed: int, threads: int) -> np.ndarray:
    """F(φ) on :data:`GRID` from OpenMM's ``app.Metadynamics`` with the same settings."""
    import openmm as mm
    import openmm.app as app
    import openmm.unit as unit

    prmtop = _prmtop()
    top = app.AmberPrmtopFile(str(prmtop))
    crd = app.AmberInpcrdFile(str(prmtop.with_suffix(".crd")))
    system = top.createSystem(nonbondedMethod=app.NoCutoff, constraints=app.HBonds)
    cv = mm.CustomTorsionForce("theta")
    cv.addTorsion(*PHI)
    variable = app.BiasVariable(cv, -math.pi, math.pi, WIDTH, periodic=True, gridWidth=len(GRID))
    meta = app.Metadynamics(system, [variable], T * unit.kelvin, GAMMA, HEIGHT * unit.kilojoule_per_mole, STRIDE)
    integrator = mm.LangevinMiddleIntegrator(T * unit.kelvin, 1 / unit.picosecond, 0.002 * unit.picosecond)
    integrator.setRandomNumberSeed(seed)
    platform = mm.Platform.getPlatformByName("CPU")
    sim = app.Simulation(top.topology, system, integrator, platform, {"Threads": str(threads)})
    sim.context.setPositions(crd.getPositions())
    sim.minimizeEnergy(tolerance=10 * unit.kilojoule_per_mole / unit.nanometer)
    sim.context.setVelocitiesToTemperature(T * unit.kelvin, seed)
    meta.step(sim, steps)
    F = np.asarray(meta.getFreeEnergy().value_in_unit(unit.kilojoule_per_mole)).reshape(-1)
    axis = np.linspace(-math.pi, math.pi, len(F))
    F = np.interp(GRID, axis, F, period=2 * math.pi)
    return F - F.min()


def _rms(a: np.ndarray, b: np.ndarray, region: float) -> float:
    a, b = a - a.min(), b - b.min()
    inside = (a <= region) & (b <= region)
    shift = np.mean(a[inside] - b[inside])  # free energies are defined up to a constant
    return float(np.sqrt(np.mean((a[inside] - b[inside] - shift) ** 2)))


def _spread(profiles: list[np.ndarray], region: float) -> float:
    return float(np.mean([_rms(a, b, region) for a, b in itertools.combinations(profiles, 2)]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ps", type=float, default=50.0, help="simulated time per run (ps)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--region", type=float, default=15.0, help="compare where F ≤ this (kJ/mol)")
    ap.add_argument("--json", default=str(ROOT / "benchmarks/results/md_metad_vs_openmm.json"))
    args = ap.parse_args()
    pin_threads(args.threads)
    steps = int(round(args.ps / 0.002))
    mine = [ours(steps, 1 + k) for k in range(args.seeds)]
    theirs = [openmm(steps, 1 + k, args.threads) for k in range(args.seeds)]
    m, t = np.mean(mine, 0), np.mean(theirs, 0)
    case = f"alanine_vacuum_phi_{args.ps:g}ps"
    common = {"ratio_to": None, "seeds": args.seeds, "region_kj_mol": args.region, "openmm": package_version("openmm")}
    rows = [
        {"case": case, "variant": "rms_mean_ours_vs_openmm", "value": round(_rms(m, t, args.region), 3)},
        {"case": case, "variant": "rms_seed_spread_ours", "value": round(_spread(mine, args.region), 3)},
        {"case": case, "variant": "rms_seed_spread_openmm", "value": round(_spread(theirs, args.region), 3)},
        {"case": case, "variant": "minimum_phi_deg_ours", "value": round(math.degrees(GRID[np.argmin(m)]), 1)},
        {"case": case, "variant": "minimum_phi_deg_openmm", "value": round(math.degrees(GRID[np.argmin(t)]), 1)},
    ]
    for row in rows:
        row |= common | {"unit": "deg" if "deg" in row["variant"] else "kJ/mol"}
        print(row, flush=True)
    profiles = {"phi_rad": GRID.tolist(), "ours_mean": m.tolist(), "openmm_mean": t.tolist()}
    write_json(args.json, rows, extra={"profiles": profiles})
    _plot(Path(args.json).with_suffix(".png"), m, t, mine, theirs)


def _plot(path: Path, m, t, mine, theirs) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    deg = np.degrees(GRID)
    for f in mine:
        ax.plot(deg, f - f.min(), color="C0", alpha=0.3, lw=0.8)
    for f in theirs:
        ax.plot(deg, f - f.min(), color="C1", alpha=0.3, lw=0.8)
    ax.plot(deg, m - m.min(), color="C0", label="sciml (mean)")
    ax.plot(deg, t - t.min(), color="C1", label="OpenMM app.Metadynamics (mean)")
    ax.set(xlabel="φ (degrees)", ylabel="F (kJ/mol)", title="alanine dipeptide in vacuum, well-tempered metaD")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
