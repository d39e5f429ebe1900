"""``sciml run experiment=md_lj_nve | md_lj_nvt``: a Lennard-Jones fluid in reduced units.

``grid.neighbor_format``: ``dense`` (default; native cell list and the fused force path,
``grid.compile=true`` compiles it with ``torch.compile``) or ``pairs`` (pair list, autograd forces).

Writes ``trajectory.xyz`` (extended XYZ) and ``trajectory.h5`` (H5MD), ``energy.png`` (kinetic,
potential, total or NHC-conserved energy against time), ``rdf.png`` and ``metrics.json`` (mean
temperature, energy drift, pressure, steps per second and τ/day). Progress bar shows τ/day (the
reduced-unit analogue of ns/day).
"""
from __future__ import annotations

import time

import numpy as np
import torch
from tqdm.auto import tqdm

from physics.forcefields import fcc, kinetic_energy, lennard_jones_neighbor_list, pressure
from solvers.experiments.common import finish, plot_lines, start
from solvers.md import (NonFiniteState, check_state, langevin, maxwell_boltzmann, neighbor_list, nhc_conserved,
                        nose_hoover_chain, nve, update_or_reallocate)
from solvers.md.observables import rdf
from solvers.md.trajectory_io import ExtXYZWriter, H5MDWriter


def run(cfg, out_dir="."):
    out, p, t0 = start(cfg, out_dir)
    torch.set_default_dtype(torch.float64)
    R, box = fcc(int(p["cells"]), density=float(p["density"]))
    kT, dt, steps, every = float(p["kT"]), float(p["dt"]), int(p["steps"]), int(p.get("output_every", 100))
    rc, skin = float(p.get("cutoff", 2.5)), float(p.get("skin", 0.3))
    switch = (float(p["switch_on"]),) if p.get("switch_on") else None
    fmt = str(p.get("neighbor_format", "dense"))  # dense: native cell list + fused forces; pairs: autograd
    compile_ = bool(p.get("compile", False))
    U = lennard_jones_neighbor_list(box=box, cutoff=rc, switch=switch, format=fmt, compile=compile_)
    nf = neighbor_list(box, rc, skin, format=fmt)
    nbrs = nf.allocate(R)

    def listed(nb):
        return {"pairs": nb.pairs} if fmt == "pairs" else {"neighbors": nb.idx}

    ensemble = str(p.get("ensemble", "nve"))
    if ensemble == "nve":
        init, step = nve(U, dt, box=box)
    elif ensemble == "nvt_langevin":
        init, step = langevin(U, dt, kT, gamma=float(p.get("gamma", 1.0)), box=box, seed=int(cfg.seed))
    elif ensemble == "nvt_nose_hoover":
        init, step = nose_hoover_chain(U, dt, kT, tau=float(p.get("tau", 0.5)), box=box)
    else:
        raise ValueError(f"grid.ensemble={ensemble!r} is not one of nve, nvt_langevin, nvt_nose_hoover.")
    s = init(R, maxwell_boltzmann(len(R), kT, seed=int(cfg.seed)), **listed(nbrs))
    syms = ["Ar"] * len(R)
    rows, frames = [], []
    bar = tqdm(total=steps, desc=f"MD {ensemble}", unit="step", disable=not cfg.trainer.progress_bar)
    t_start = time.perf_counter()
    with ExtXYZWriter(out / "trajectory.xyz", syms, box) as xyz, H5MDWriter(out / "trajectory.h5", syms, box) as h5:
        for k in range(1, steps + 1):
            nbrs = update_or_reallocate(nf, s.R, nbrs)
            last_good = s
            s = step(s, **listed(nbrs))
            try:
                check_state(s)
            except NonFiniteState:
                with ExtXYZWriter(out / "last_good.xyz", syms, box) as w:  # keep the last good frame on disk
                    w.append(last_good.R, last_good.V, last_good.energy, step=last_good.step, time=last_good.step * dt)
                raise
            if k % every == 0 or k == steps:
                ke = float(kinetic_energy(s.V))
                extra = float(nhc_conserved(s, kT)) if ensemble == "nvt_nose_hoover" else ke + float(s.energy)
                rows.append((k * dt, ke, float(s.energy), extra))
                xyz.append(s.R, s.V, s.energy, step=k, time=k * dt)
                h5.append(s.R, s.V, s.energy, step=k, time=k * dt)
                frames.append(s.R.detach().clone())
                rate = k / (time.perf_counter() - t_start)
                bar.set_postfix(tau_per_day=f"{rate * dt * 86400:.3g}", T=f"{2 * ke / (3 * len(R) - 3):.3f}", refresh=False)
            bar.update(1)
    bar.close()
    wall = time.perf_counter() - t_start
    a = np.array(rows)
    n_dof = 3 * len(R) - 3
    T = 2 * a[:, 1] / n_dof
    half = len(a) // 2
    label = "NHC conserved" if ensemble == "nvt_nose_hoover" else "total"
    plot_lines(out / "energy.png", a[:, 0], {"kinetic": a[:, 1] / len(R), "potential": a[:, 2] / len(R),
                                             label: a[:, 3] / len(R)}, "time (τ)", "energy per atom (ε)")
    r, g = rdf(frames[half:], box, min(3.0, float(box.min()) / 2), 120)
    plot_lines(out / "rdf.png", r, {"g(r)": g}, "r (σ)", "g(r)")
    metrics = {"atoms": len(R), "ensemble": ensemble, "steps": steps, "dt": dt,
               "mean_temperature_second_half": float(T[half:].mean()), "target_kT": kT,
               "relative_drift_" + label.replace(" ", "_").lower(): float(abs(a[-1, 3] - a[0, 3]) / abs(a[0, 3])),
               "pressure_final": float(pressure(U, s.R, box, s.V, 1.0, *listed(nbrs).values())),
               "steps_per_second": steps / wall, "tau_per_day": steps / wall * dt * 86400,
               "neighbor_rebuilds": nbrs.rebuilds, "rdf_first_peak_r": float(r[int(np.argmax(g))])}
    return finish(out, cfg, t0, metrics)
