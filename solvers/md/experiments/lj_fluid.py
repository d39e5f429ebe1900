"""``sciml run experiment=md_lj_nve | md_lj_nvt``: a Lennard-Jones fluid in reduced units.

Settings: the ``md`` config node (:class:`LJFluidSettings`). ``md.neighbor_format``: ``dense`` (default;
native cell list and the fused force path, ``md.compile=true`` compiles it with ``torch.compile``) or
``pairs`` (pair list, autograd forces). A run whose temperature or energy leaves its sane band stops
with an error naming the step (:mod:`solvers.md.stability`), keeping ``last_good.xyz``.

Writes ``trajectory.xyz`` (extended XYZ) and ``trajectory.h5`` (H5MD), ``energy.png`` (kinetic,
potential, total or NHC-conserved energy against time), ``rdf.png`` and ``metrics.json`` (mean
temperature, energy drift, pressure, steps per second and τ/day). Progress bar shows τ/day (the
reduced-unit analogue of ns/day).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from physics.forcefields import degrees_of_freedom, fcc, kinetic_energy, lennard_jones_neighbor_list, pressure
from sciml.config import check_choice, check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_lines, start_run
from solvers.md import (
    check_state,
    langevin,
    maxwell_boltzmann,
    neighbor_list,
    nhc_conserved,
    nose_hoover_chain,
    nve,
    update_or_reallocate,
)
from solvers.md.integrators import NonFiniteState
from solvers.md.observables import rdf
from solvers.md.stability import (
    SimulationBlowUp,
    StabilityLimits,
    check_stability,
    check_time_step,
    lennard_jones_period,
)
from solvers.md.trajectory_io import ExtXYZWriter, H5MDWriter

ENSEMBLES = ("nve", "nvt_langevin", "nvt_nose_hoover")


@dataclass(frozen=True)
class LJFluidSettings:
    """A Lennard-Jones fluid in reduced units (σ = ε = m = k_B = 1): an fcc start of ``cells³ × 4`` atoms at
    ``density``, velocities at ``kT``, ``steps`` steps of ``dt`` in ``ensemble``; cutoff ``cutoff`` with an optional
    CHARMM switch from ``switch_on``; a frame every ``output_every`` steps. The run fails when ``kT`` exceeds
    ``max_temperature_factor`` × its start or (NVE) the energy drifts by more than ``max_energy_drift`` × the
    initial kinetic energy."""

    cells: int = 5
    density: float = 0.8442
    kT: float = 1.44
    dt: float = 0.005
    steps: int = 5000
    cutoff: float = 2.5
    switch_on: float | None = None
    skin: float = 0.3
    ensemble: str = "nve"
    gamma: float = 1.0
    tau: float = 0.5
    output_every: int = 100
    neighbor_format: str = "dense"
    compile: bool = False
    max_temperature_factor: float = 10.0
    max_energy_drift: float = 0.5

    def __post_init__(self):
        check_range("cells", self.cells, low=1, integer=True, meaning="fcc unit cells per side (4 atoms each)")
        check_range("density", self.density, low=0, low_open=True, meaning="atoms per σ³")
        check_range("kT", self.kT, low=0, low_open=self.ensemble != "nve", meaning="temperature in units of ε")
        check_range("dt", self.dt, low=0, low_open=True, meaning="time step in τ = σ√(m/ε); 0.005 is usual")
        check_range("steps", self.steps, low=1, integer=True)
        check_range("cutoff", self.cutoff, low=0, low_open=True)
        if self.switch_on is not None:
            check_range("switch_on", self.switch_on, low=0, high=self.cutoff, low_open=True, high_open=True)
        check_range("skin", self.skin, low=0)
        check_choice("ensemble", self.ensemble, ENSEMBLES)
        check_range("gamma", self.gamma, low=0, low_open=True, meaning="Langevin friction, 1/τ")
        check_range("tau", self.tau, low=0, low_open=True, meaning="Nosé–Hoover time constant")
        check_range("output_every", self.output_every, low=1, integer=True)
        check_choice("neighbor_format", self.neighbor_format, ("dense", "pairs"))
        check_range("max_temperature_factor", self.max_temperature_factor, low=1, low_open=True)
        check_range("max_energy_drift", self.max_energy_drift, low=0, low_open=True)


def run(cfg, out_dir="."):
    """Simulate, write the trajectory and plots; returns temperature, drift, pressure and speed."""
    p = settings(cfg.md, LJFluidSettings)
    out, t0 = start_run(cfg, out_dir)
    torch.set_default_dtype(torch.float64)
    R, box = fcc(p.cells, density=p.density)
    kT, dt, steps, every = p.kT, p.dt, p.steps, p.output_every
    check_time_step(dt, lennard_jones_period(), "the Lennard-Jones potential (σ = ε = m = 1)")
    rc, skin = p.cutoff, p.skin
    switch = (p.switch_on,) if p.switch_on else None
    fmt = p.neighbor_format  # dense: native cell list + fused forces; pairs: autograd
    U = lennard_jones_neighbor_list(box=box, cutoff=rc, switch=switch, format=fmt, compile=p.compile)
    nf = neighbor_list(box, rc, skin, format=fmt)
    nbrs = nf.allocate(R)

    def listed(nb):
        return {"pairs": nb.pairs} if fmt == "pairs" else {"neighbors": nb.idx}

    ensemble = p.ensemble
    if ensemble == "nve":
        init, step = nve(U, dt, box=box)
    elif ensemble == "nvt_langevin":
        init, step = langevin(U, dt, kT, gamma=p.gamma, box=box, seed=int(cfg.seed))
    else:
        init, step = nose_hoover_chain(U, dt, kT, tau=p.tau, box=box)
    s = init(R, maxwell_boltzmann(len(R), kT, seed=int(cfg.seed)), **listed(nbrs))
    n_dof = degrees_of_freedom(len(R))
    ke0 = float(kinetic_energy(s.V))
    e0 = ke0 + float(s.energy)
    last_good = s
    limits = StabilityLimits(
        p.max_temperature_factor * max(kT, 2 * ke0 / n_dof), p.max_energy_drift if ensemble == "nve" else None
    )
    syms = ["Ar"] * len(R)
    rows, frames = [], []
    bar = tqdm(total=steps, desc=f"MD {ensemble}", unit="step", disable=not cfg.trainer.progress_bar)
    t_start = time.perf_counter()
    with ExtXYZWriter(out / "trajectory.xyz", syms, box) as xyz, H5MDWriter(out / "trajectory.h5", syms, box) as h5:
        for k in range(1, steps + 1):
            nbrs = update_or_reallocate(nf, s.R, nbrs)
            s_next = step(s, **listed(nbrs))
            try:
                check_state(s_next)
                if k % every == 0 or k == steps:
                    ke = float(kinetic_energy(s_next.V))
                    check_stability(
                        k,
                        2 * ke / n_dof,
                        ke + float(s_next.energy),
                        e0,
                        ke0,
                        limits,
                        hint=f"reduce md.dt (now {dt:g}; 0.005 is usual)",
                    )
            except (NonFiniteState, SimulationBlowUp):
                with ExtXYZWriter(out / "last_good.xyz", syms, box) as w:  # keep the last checked frame on disk
                    w.append(last_good.R, last_good.V, last_good.energy, step=last_good.step, time=last_good.step * dt)
                raise
            s = s_next
            if k % every == 0 or k == steps:
                last_good = s
                extra = float(nhc_conserved(s, kT)) if ensemble == "nvt_nose_hoover" else ke + float(s.energy)
                rows.append((k * dt, ke, float(s.energy), extra))
                xyz.append(s.R, s.V, s.energy, step=k, time=k * dt)
                h5.append(s.R, s.V, s.energy, step=k, time=k * dt)
                frames.append(s.R.detach().clone())
                rate = k / (time.perf_counter() - t_start)
                bar.set_postfix(tau_per_day=f"{rate * dt * 86400:.3g}", T=f"{2 * ke / n_dof:.3f}", refresh=False)
            bar.update(1)
    bar.close()
    wall = time.perf_counter() - t_start
    a = np.array(rows)
    T = 2 * a[:, 1] / n_dof
    half = len(a) // 2
    label = "NHC conserved" if ensemble == "nvt_nose_hoover" else "total"
    plot_lines(
        out / "energy.png",
        a[:, 0],
        {"kinetic": a[:, 1] / len(R), "potential": a[:, 2] / len(R), label: a[:, 3] / len(R)},
        "time (τ)",
        "energy per atom (ε)",
    )
    r, g = rdf(frames[half:], box, min(3.0, float(box.min()) / 2), 120)
    plot_lines(out / "rdf.png", r, {"g(r)": g}, "r (σ)", "g(r)")
    metrics = {
        "atoms": len(R),
        "ensemble": ensemble,
        "steps": steps,
        "dt": dt,
        "mean_temperature_second_half": float(T[half:].mean()),
        "target_kT": kT,
        "relative_drift_" + label.replace(" ", "_").lower(): float(abs(a[-1, 3] - a[0, 3]) / abs(a[0, 3])),
        "pressure_final": float(pressure(U, s.R, box, s.V, 1.0, *listed(nbrs).values())),
        "steps_per_second": steps / wall,
        "tau_per_day": steps / wall * dt * 86400,
        "neighbor_rebuilds": nbrs.rebuilds,
        "rdf_first_peak_r": float(r[int(np.argmax(g))]),
    }
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"md": LJFluidSettings},
    description="Lennard-Jones fluid (NVE, Langevin or Nosé–Hoover): trajectory, energies, RDF",
)
