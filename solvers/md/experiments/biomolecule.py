"""``sciml run experiment=md_alanine_dipeptide``: a molecule in water from AMBER or PDB files, minimised, then
Langevin dynamics with constraints, like OpenMM's "simulate a PDB" recipe.

Parameters come from OpenMM's ``app`` layer (``pip install 'sciml[bio]'``); the simulation is ours
(:class:`solvers.md.biomolecular.MolecularDynamics`). Inputs (node ``bio``): either ``prmtop`` + ``coordinates``
(AMBER) or ``pdb`` + ``forcefield`` (OpenMM XML names); a path may start with ``openmmtools:`` or ``openmm:`` to
name a file shipped inside that package (nothing is downloaded). Steps: L-BFGS minimisation to
``minimize_tolerance`` kJ/mol/nm, ``equilibrate_steps`` of Langevin at ``temperature_K`` (NVT); with
``pressure_bar`` set, ``npt_equilibrate_steps`` under the Monte Carlo barostat, then ``production_steps`` (NPT
when ``pressure_bar`` is set, else NVT). Writes ``energy.csv`` (step, time, potential, kinetic, total energy,
temperature, box volume, density, speed: the columns of OpenMM's StateDataReporter), ``energy.png``,
``trajectory.dcd`` (mdtraj, every ``report_every`` production steps, with the box of each frame),
``minimized.pdb``, ``final.pdb``, ``metrics.json`` (energies, mean temperature and density, ns/day) and, with
``rdf_atoms``, ``rdf.csv``/``rdf.png`` (mdtraj's g(r)). A blow-up stops the run naming the step and the atom,
with ``last_good.pdb`` on disk. Experiments: ``md_alanine_dipeptide``, ``md_water_box``, ``md_protein``.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from physics.forcefields import MD, kinetic_energy
from sciml.config import check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_lines, start_run
from solvers.md.biomolecular import BiomolecularSettings, MolecularDynamics, PairList
from solvers.md.integrators import NonFiniteState
from solvers.md.minimize_lbfgs import minimize_lbfgs
from solvers.md.molecular_npt import AMU_PER_NM3_TO_G_PER_CM3, advance_npt, continue_npt
from solvers.md.skin import update_or_reallocate
from solvers.md.stability import SimulationBlowUp

NONBONDED = ("NoCutoff", "CutoffNonPeriodic", "CutoffPeriodic", "PME")
CONSTRAINTS = ("none", "HBonds", "AllBonds", "HAngles")


@dataclass(frozen=True)
class BioSettings:
    """Inputs, force-field options and the schedule (see the module docstring); lengths in nm, times in fs."""

    prmtop: str | None = "openmmtools:alanine-dipeptide-explicit/alanine-dipeptide.prmtop"
    coordinates: str | None = "openmmtools:alanine-dipeptide-explicit/alanine-dipeptide.crd"
    pdb: str | None = None
    forcefield: tuple[str, ...] = ("amber14-all.xml", "amber14/tip3p.xml")
    nonbonded_method: str = "PME"
    cutoff_nm: float = 0.9
    constraints: str = "HBonds"
    rigid_water: bool = True
    hydrogen_mass: float | None = None  # amu; 4 repartitions mass onto hydrogens (HMR) for 4 fs steps
    dtype: str = "float64"
    minimize_tolerance: float = 10.0
    minimize_iterations: int = 500
    dt_fs: float = 2.0
    temperature_K: float = 300.0
    friction_per_ps: float = 1.0
    equilibrate_steps: int = 100
    production_steps: int = 200
    report_every: int = 10
    pressure_bar: float | None = None  # set: NPT (Monte Carlo barostat) after the NVT equilibration
    barostat_frequency: int = 25
    npt_equilibrate_steps: int = 0  # NPT steps between the NVT equilibration and production (not sampled)
    rdf_atoms: tuple[str, ...] | None = None  # e.g. [O, O]: g(r) of these atom names over production

    def __post_init__(self):
        if (self.prmtop is None) == (self.pdb is None):
            raise ValueError("give either bio.prmtop (+ bio.coordinates) or bio.pdb (+ bio.forcefield), not both.")
        for key, value, allowed in (
            ("nonbonded_method", self.nonbonded_method, NONBONDED),
            ("constraints", self.constraints, CONSTRAINTS),
            ("dtype", self.dtype, ("float32", "float64")),
        ):
            if value not in allowed:
                raise ValueError(f"bio.{key} = {value!r}; choose one of {list(allowed)}.")
        check_range("cutoff_nm", self.cutoff_nm, low=0, low_open=True, meaning="nm")
        if self.hydrogen_mass is not None:
            check_range("hydrogen_mass", self.hydrogen_mass, low=1, high=5, meaning="amu; 4 is the usual HMR choice")
        check_range("minimize_tolerance", self.minimize_tolerance, low=0, low_open=True, meaning="kJ/mol/nm")
        check_range("minimize_iterations", self.minimize_iterations, low=0, integer=True)
        check_range("dt_fs", self.dt_fs, low=0, high=10, low_open=True, meaning="fs; 2 with HBonds")
        check_range("temperature_K", self.temperature_K, low=0, low_open=True)
        check_range("friction_per_ps", self.friction_per_ps, low=0, low_open=True)
        check_range("equilibrate_steps", self.equilibrate_steps, low=0, integer=True)
        check_range("production_steps", self.production_steps, low=1, integer=True)
        check_range("report_every", self.report_every, low=1, integer=True)
        check_range("barostat_frequency", self.barostat_frequency, low=1, integer=True)
        check_range("npt_equilibrate_steps", self.npt_equilibrate_steps, low=0, integer=True)
        if self.pressure_bar is not None:
            check_range("pressure_bar", self.pressure_bar, low=0, low_open=True, meaning="bar; 1 for ambient")
            if self.nonbonded_method not in ("CutoffPeriodic", "PME"):
                raise ValueError(
                    f"bio.pressure_bar needs a periodic system; bio.nonbonded_method is {self.nonbonded_method!r}. "
                    "Use PME or CutoffPeriodic, or set bio.pressure_bar=null."
                )
        if self.rdf_atoms is not None and len(self.rdf_atoms) != 2:
            raise ValueError(f"bio.rdf_atoms = {list(self.rdf_atoms)}; give two atom names, e.g. [O, O].")


def _path(spec: str):
    from physics.forcefields.biomolecular import data_file

    if ":" in spec and spec.split(":", 1)[0] in ("openmmtools", "openmm"):
        package, relative = spec.split(":", 1)
        return data_file(package, relative if package == "openmmtools" else f"app/data/{relative}")
    from pathlib import Path

    path = Path(spec).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{spec} does not exist; give a file path or 'openmmtools:<file in its data folder>'.")
    return path


def load_inputs(p: BioSettings):
    """``(system, positions, openmm topology)`` from the settings."""
    import openmm.app as app
    import openmm.unit as unit

    from physics.forcefields.biomolecular import load_amber, load_pdb

    kw = dict(
        nonbondedMethod=getattr(app, p.nonbonded_method),
        constraints=None if p.constraints == "none" else getattr(app, p.constraints),
        rigidWater=p.rigid_water,
    )
    if p.hydrogen_mass is not None:
        kw["hydrogenMass"] = p.hydrogen_mass * unit.amu
    if p.nonbonded_method != "NoCutoff":
        kw["nonbondedCutoff"] = p.cutoff_nm * unit.nanometer
    dtype = getattr(torch, p.dtype)
    if p.prmtop is not None:
        prmtop = _path(p.prmtop)
        system, R = load_amber(prmtop, _path(p.coordinates), dtype=dtype, **kw)
        return system, R, app.AmberPrmtopFile(str(prmtop)).topology
    pdb = _path(p.pdb)
    system, R = load_pdb(pdb, list(p.forcefield), dtype=dtype, **kw)
    return system, R, app.PDBFile(str(pdb)).topology


def _write_pdb(path, topology, R, box=None) -> None:
    """PDB by OpenMM's writer (atomically), with the current box in CRYST1 when periodic."""
    import openmm as mm
    import openmm.app as app
    import openmm.unit as unit

    if box is not None:
        topology.setUnitCellDimensions(mm.Vec3(*(float(b) for b in box)) * unit.nanometer)
    tmp = path.with_suffix(".pdb.partial")
    with open(tmp, "w") as fh:
        app.PDBFile.writeFile(topology, R.detach().double().numpy() * unit.nanometer, fh)
    tmp.replace(path)


def _rdf(traj, names, out) -> dict:
    """g(r) between atoms named ``names`` over the production frames (mdtraj), to ``rdf.csv``/``rdf.png``; the
    first peak's position and height."""
    import mdtraj

    a = traj.topology.select(f"name {names[0]}")
    b = traj.topology.select(f"name {names[1]}")
    if not len(a) or not len(b):
        raise ValueError(f"bio.rdf_atoms = {list(names)}: no atoms with those names in the topology.")
    pairs = traj.topology.select_pairs(a, b)
    half = 0.5 * float(traj.unitcell_lengths.min()) if traj.unitcell_lengths is not None else 1.0
    r, g = mdtraj.compute_rdf(traj, pairs, r_range=(0.0, min(half, 1.0)), bin_width=0.005)
    with open(out / "rdf.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([["r_nm", "g"], *zip(r.tolist(), g.tolist(), strict=True)])
    plot_lines(out / "rdf.png", r, {f"g_{names[0]}{names[1]}(r)": g}, "r (nm)", "g(r)")
    peak = int(np.argmax(g))
    return {"rdf_first_peak_nm": float(r[peak]), "rdf_first_peak_height": float(g[peak])}


def run(cfg, out_dir="."):
    """Minimise, equilibrate, produce; returns energies, mean temperature and ns/day."""
    import mdtraj

    p = settings(cfg.bio, BioSettings)
    out, t0 = start_run(cfg, out_dir)
    system, R, topology = load_inputs(p)
    dt_ps = p.dt_fs / 1000
    md = MolecularDynamics.build(
        system,
        BiomolecularSettings(
            dt_ps=dt_ps,
            temperature_K=p.temperature_K,
            friction_per_ps=p.friction_per_ps,
            pressure_bar=p.pressure_bar,
            barostat_frequency=p.barostat_frequency,
        ),
        seed=int(cfg.seed),
    )
    lists = {"pairs": PairList.of(md.neighbors.allocate(R)) if md.neighbors else None}

    def energy_for_minimization(X):  # the neighbour list follows the atoms while they move
        current = lists["pairs"]
        if current is None:
            return md.energy(X)
        built = update_or_reallocate(md.neighbors, X.detach(), current.neighbors)
        if built is not current.neighbors:
            lists["pairs"] = current = PairList.of(built)
        return md.energy(X, pairs=current.pairs)

    with torch.no_grad():
        e_start = float(energy_for_minimization(R))
    result = minimize_lbfgs(
        energy_for_minimization,
        R,
        force_tolerance=p.minimize_tolerance,
        max_iterations=p.minimize_iterations,
        constraints=md.constraints,
        mass=system.masses,
        box=system.box,
    )
    _write_pdb(out / "minimized.pdb", topology, result.R, system.box)
    state, pairs = md.start(result.R, seed=int(cfg.seed))
    md_top = mdtraj.Topology.from_openmm(topology)
    frames, boxes, rows = [], [], []
    nvt_end = p.equilibrate_steps
    sample_from = nvt_end + (p.npt_equilibrate_steps if p.pressure_bar is not None else 0)
    total = sample_from + p.production_steps
    bar = tqdm(total=total, desc="MD", unit="step", disable=not cfg.trainer.progress_bar)
    npt, t_start = None, time.perf_counter()
    while state.step < total:
        phase_end = nvt_end if (p.pressure_bar is None or state.step < nvt_end) else total
        phase_end = total if p.pressure_bar is None else phase_end
        chunk = min(p.report_every - state.step % p.report_every, phase_end - state.step)
        last_good = state
        try:
            if p.pressure_bar is not None and state.step >= nvt_end:
                npt = npt or continue_npt(md, state, pairs, seed=int(cfg.seed))
                npt = advance_npt(npt, chunk)
                md, state, pairs = npt.md, npt.state, npt.pairs
            else:
                state, pairs = md.advance(state, pairs, chunk)
        except (SimulationBlowUp, NonFiniteState):
            _write_pdb(out / "last_good.pdb", topology, last_good.R, md.system.box)
            raise
        if state.step % p.report_every and state.step != total:
            continue
        ke, pe = float(kinetic_energy(state.V, state.mass)), float(state.energy)
        ns_day = state.step * dt_ps * 1e-3 / (time.perf_counter() - t_start) * 86400
        box = md.system.box
        volume = float(box.prod()) if box is not None else float("nan")
        rho = float(system.masses.sum()) * AMU_PER_NM3_TO_G_PER_CM3 / volume if box is not None else float("nan")
        rows.append((state.step, state.step * dt_ps, pe, ke, pe + ke, md.temperature(state), volume, rho, ns_day))
        if state.step > sample_from:
            frames.append(state.R.detach().double().numpy())
            boxes.append(None if box is None else box.detach().double().numpy())
        bar.set_postfix(T=f"{rows[-1][5]:.0f}K", ns_per_day=f"{ns_day:.3g}", refresh=False)
        bar.update(state.step - bar.n)
    bar.close()
    wall = time.perf_counter() - t_start
    header = [
        "step",
        "time_ps",
        "potential_kj_mol",
        "kinetic_kj_mol",
        "total_kj_mol",
        "temperature_K",
        "box_volume_nm3",
        "density_g_cm3",
        "ns_per_day",
    ]
    with open(out / "energy.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    arr = np.array(rows)
    plot_lines(out / "energy.png", arr[:, 1], {"potential": arr[:, 2], "total": arr[:, 4]}, "time (ps)", "kJ/mol")
    traj = mdtraj.Trajectory(np.stack(frames), md_top)
    if boxes and boxes[0] is not None:
        traj.unitcell_lengths = np.stack(boxes)
        traj.unitcell_angles = np.full((len(frames), 3), 90.0)
    traj.save_dcd(str(out / "trajectory.dcd"))
    _write_pdb(out / "final.pdb", topology, state.R, md.system.box)
    production = arr[arr[:, 0] > sample_from]
    metrics = {
        "atoms": system.n_atoms,
        "constraints": 0 if md.constraints is None else len(md.constraints.index),
        "initial_energy_kj_mol": e_start,
        "minimized_energy_kj_mol": result.energy,
        "minimization_converged": result.converged,
        "mean_temperature_K": float(production[:, 5].mean()),
        "target_temperature_K": p.temperature_K,
        "final_potential_kj_mol": float(state.energy),
        "ns_per_day": total * dt_ps * 1e-3 / wall * 86400,
        "kB_kj_mol_K": MD.kB,
    }
    if p.pressure_bar is not None:
        metrics |= {
            "pressure_bar": p.pressure_bar,
            "mean_density_g_cm3": float(production[:, 7].mean()),
            "final_box_nm": [float(b) for b in md.system.box],
        }
    if p.rdf_atoms is not None:
        metrics |= _rdf(traj, p.rdf_atoms, out)
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"bio": BioSettings},
    description="a molecule in water from AMBER/PDB files (OpenMM assigns parameters): minimise, Langevin MD",
)
