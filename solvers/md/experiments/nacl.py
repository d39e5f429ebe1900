"""``sciml run experiment=md_nacl``: rock-salt NaCl with Ewald electrostatics in real (metal) units.

Model: the Born–Mayer/Born–Landé ionic crystal (Born & Mayer 1932; e.g. Kittel, *Introduction to
Solid State Physics*, ch. 3): point charges ±e with Ewald summation, plus one repulsion
``B / r⁸`` between every pair of ions (Born exponent n = 8 for NaCl). ``B`` is the model's single
parameter: it is fitted so that the 0 K energy is stationary at the experimental lattice constant
(``nacl.lattice_constant``, 5.64 Å). Because a truncated ``r⁻ⁿ`` sum scales exactly as ``a⁻ⁿ`` (the
pairs inside the cutoff do not change under uniform scaling), the 0 K lattice energy per ion pair is
then the Born–Landé value

    E₀ = −N_A M e² / (4π ε₀ r₀) · (1 − 1/n),    M = 1.747565 (Madelung), r₀ = a/2,

which the run checks against the energy it computes (Ewald + repulsion sums), and reports next to
the Born–Haber experimental lattice energy (−786 kJ/mol).

Dynamics: Langevin (BAOAB) at ``nacl.temperature_K`` for ``equilibrate_steps``, then velocity Verlet
(NVE) for ``production_steps`` with ``dt_fs``. Writes ``trajectory.xyz`` (extended XYZ with Na/Cl,
ASE-readable), ``trajectory.h5`` (H5MD), ``energy.png``, ``rdf.png`` (Na–Cl, Na–Na, Cl–Cl) and
``metrics.json`` (lattice energies, mean temperature, NVE drift, RDF peaks and the Na–Cl coordination
number, ns/day). The progress bar shows ns/day. A NaN stops the run with ``last_good.xyz`` on disk.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from physics.forcefields import METAL, degrees_of_freedom, ewald, kinetic_energy, rock_salt, soft_sphere_pair
from sciml.config import check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_lines, start_run
from solvers.md import NonFiniteState, check_state, langevin, maxwell_boltzmann, nve
from solvers.md.observables import coordination_number, rdf
from solvers.md.stability import SimulationBlowUp, StabilityLimits, check_stability
from solvers.md.trajectory_io import ExtXYZWriter, H5MDWriter

MADELUNG_NACL = 1.747565
BORN_HABER_NACL_KJ_MOL = -786.0  # experimental lattice energy (Born–Haber cycle), kJ/mol
EV_TO_KJ_MOL = 96.48533212
MASS = {"Na": 22.98976928, "Cl": 35.453}  # amu


@dataclass(frozen=True)
class NaClSettings:
    """``cells³`` conventional rock-salt cells (8 ions each) at ``lattice_constant`` (Å), Born exponent
    ``born_exponent``, Ewald with ``kmax`` reciprocal vectors per axis; Langevin at ``temperature_K`` (friction
    ``gamma_per_ps``) for ``equilibrate_steps``, then NVE for ``production_steps``, all with ``dt_fs``."""

    cells: int = 4
    lattice_constant: float = 5.64
    born_exponent: int = 8
    kmax: int = 7
    temperature_K: float = 300.0
    dt_fs: float = 2.0
    gamma_per_ps: float = 5.0
    equilibrate_steps: int = 500
    production_steps: int = 500
    output_every: int = 10
    max_temperature_factor: float = 10.0
    max_energy_drift: float = 0.5

    def __post_init__(self):
        check_range(
            "cells",
            self.cells,
            low=2,
            integer=True,
            meaning="conventional cells per side; with one, no ion pair lies inside the half-box cutoff",
        )
        check_range("lattice_constant", self.lattice_constant, low=0, low_open=True, meaning="Å")
        check_range("born_exponent", self.born_exponent, low=2, integer=True)
        check_range("kmax", self.kmax, low=1, integer=True)
        check_range("temperature_K", self.temperature_K, low=0, low_open=True)
        check_range(
            "dt_fs",
            self.dt_fs,
            low=0,
            high=10,
            low_open=True,
            meaning="femtoseconds; the Na–Cl lattice vibrations have periods of ~200 fs, so dt <= 10 fs",
        )
        check_range("gamma_per_ps", self.gamma_per_ps, low=0, low_open=True)
        check_range("equilibrate_steps", self.equilibrate_steps, low=0, integer=True)
        check_range("production_steps", self.production_steps, low=1, integer=True)
        check_range("output_every", self.output_every, low=1, integer=True)
        check_range("max_temperature_factor", self.max_temperature_factor, low=1, low_open=True)
        check_range("max_energy_drift", self.max_energy_drift, low=0, low_open=True)


def born_mayer_model(
    cells: int, a: float, n_born: int = 8, ewald_accuracy: float = 3.2, kmax: int = 7, B: float | None = None
):
    """``(R, charges, box, energy_fn, B)`` for rock-salt NaCl with lattice constant ``a`` (Å), energies in eV;
    ``B`` (eV Å⁸) is fitted to make ``a`` the 0 K equilibrium unless given."""
    R, q, box = rock_salt(cells, a=a)
    L = float(box.min())
    rc = 0.5 * L * 0.999
    alpha = ewald_accuracy / rc
    coulomb = ewald(q, box, alpha=alpha, cutoff=rc, kmax=kmax, ke=METAL.ke)
    unit_repulsion = soft_sphere_pair(box=box, cutoff=rc, sigma=1.0, epsilon=1.0, alpha=float(n_born))
    with torch.no_grad():
        A = -float(coulomb(R)) * a  # E_coul = −A/a
        S = float(unit_repulsion(R)) * a**n_born  # E_rep = B S / aⁿ (pairs inside rc fixed under scaling)
    if B is None:
        B = A * a ** (n_born - 1) / (n_born * S)  # dE/da = A/a² − n B S/aⁿ⁺¹ = 0 at a
    repulsion = soft_sphere_pair(box=box, cutoff=rc, sigma=1.0, epsilon=B, alpha=float(n_born))

    def energy(R: torch.Tensor, **_) -> torch.Tensor:
        return coulomb(R) + repulsion(R)

    return R, q, box, energy, B


def run(cfg, out_dir="."):
    """Lattice energy checks, then NVT → NVE dynamics; returns energies, drift, RDF peaks and ns/day."""
    p = settings(cfg.nacl, NaClSettings)
    out, t0 = start_run(cfg, out_dir)
    torch.set_default_dtype(torch.float64)
    a, cells, n_born = p.lattice_constant, p.cells, p.born_exponent
    R, q, box, U, B = born_mayer_model(cells, a, n_born, kmax=p.kmax)
    n = len(R)
    symbols = ["Na" if float(c) > 0 else "Cl" for c in q]
    mass = torch.tensor([MASS[s] for s in symbols])
    with torch.no_grad():
        e0 = float(U(R))
        h = 1e-4  # the fitted B makes the 0 K energy stationary in the lattice constant: check it
        e_plus = float(born_mayer_model(cells, a * (1 + h), n_born, kmax=p.kmax, B=B)[3](R * (1 + h)))
        e_minus = float(born_mayer_model(cells, a * (1 - h), n_born, kmax=p.kmax, B=B)[3](R * (1 - h)))
    lattice_kj = e0 / (n / 2) * EV_TO_KJ_MOL
    born_lande_kj = -MADELUNG_NACL * METAL.ke / (a / 2) * (1 - 1 / n_born) * EV_TO_KJ_MOL
    T, dt = p.temperature_K, METAL.time(p.dt_fs)
    kT = METAL.kT(T)
    n_eq, n_prod, every = p.equilibrate_steps, p.production_steps, p.output_every
    init_t, step_t = langevin(U, dt, kT, gamma=p.gamma_per_ps * METAL.time_unit_fs / 1000, box=box, seed=int(cfg.seed))
    _, step_e = nve(U, dt, box=box)
    s = init_t(R, maxwell_boltzmann(n, kT, mass=mass, seed=int(cfg.seed)), mass=mass)
    n_dof = degrees_of_freedom(n)
    limits = StabilityLimits(p.max_temperature_factor * kT)
    e_nve = None  # (total, kinetic) energy at the start of the NVE part
    rows, frames = [], []
    bar = tqdm(total=n_eq + n_prod, desc="NaCl NVT→NVE", unit="step", disable=not cfg.trainer.progress_bar)
    t_start = time.perf_counter()
    with (
        ExtXYZWriter(out / "trajectory.xyz", symbols, box) as xyz,
        H5MDWriter(out / "trajectory.h5", symbols, box) as h5,
    ):
        for k in range(1, n_eq + n_prod + 1):
            last_good = s
            s = (step_t if k <= n_eq else step_e)(s)
            try:
                check_state(s)
                if k % every == 0 or k == n_eq + 1:
                    ke = float(kinetic_energy(s.V, s.mass))
                    if k > n_eq and e_nve is None:
                        e_nve = (ke + float(s.energy), ke)
                    lim = limits if k <= n_eq else StabilityLimits(limits.max_temperature, p.max_energy_drift)
                    ref = e_nve or (ke + float(s.energy), ke)
                    check_stability(
                        k,
                        2 * ke / n_dof,
                        ke + float(s.energy),
                        ref[0],
                        ref[1],
                        lim,
                        hint=f"reduce nacl.dt_fs (now {p.dt_fs:g})",
                    )
            except (NonFiniteState, SimulationBlowUp):
                with ExtXYZWriter(out / "last_good.xyz", symbols, box) as w:
                    w.append(last_good.R, last_good.V, last_good.energy, step=last_good.step)
                raise
            if k % every == 0:
                ke = float(kinetic_energy(s.V, s.mass))
                t_ps = k * p.dt_fs / 1000
                rows.append((t_ps, ke, float(s.energy), ke + float(s.energy), k > n_eq))
                xyz.append(s.R, s.V, s.energy, step=k, time=t_ps)
                h5.append(s.R, s.V, s.energy, step=k, time=t_ps)
                if k > n_eq:
                    frames.append(s.R.detach().clone())
                ns_day = k * p.dt_fs * 1e-6 / (time.perf_counter() - t_start) * 86400
                bar.set_postfix(ns_per_day=f"{ns_day:.3g}", T=f"{2 * ke / (n_dof * METAL.kB):.0f}K", refresh=False)
            bar.update(1)
    bar.close()
    wall = time.perf_counter() - t_start
    arr = np.array(rows)
    prod = arr[arr[:, 4] > 0]
    temps = 2 * prod[:, 1] / (n_dof * METAL.kB)
    plot_lines(
        out / "energy.png",
        arr[:, 0],
        {"kinetic": arr[:, 1] / n, "potential − E₀": (arr[:, 2] - e0) / n, "total − E₀": (arr[:, 3] - e0) / n},
        "time (ps)",
        "energy per ion (eV)",
    )
    na, cl = q > 0, q < 0
    r_max = min(8.0, float(box.min()) / 2)
    curves, peaks = {}, {}
    for name, sel in (("Na–Cl", (na, cl)), ("Na–Na", (na, na)), ("Cl–Cl", (cl, cl))):
        r, g = rdf(frames, box, r_max, 160, select=sel)
        curves[name] = g
        peaks[name] = float(r[int(np.argmax(g))])
    plot_lines(out / "rdf.png", r, curves, "r (Å)", "g(r)")
    r, g = rdf(frames, box, r_max, 160, select=(na, cl))
    first_min = 0.5 * (a / 2 + a * math.sqrt(3) / 2)  # between the 1st (a/2) and 3rd (a√3/2) Na–Cl shells
    metrics = {
        "ions": n,
        "lattice_constant_A": a,
        "born_exponent": n_born,
        "fitted_B_eV_A8": B,
        "lattice_energy_kj_mol": lattice_kj,
        "born_lande_kj_mol": born_lande_kj,
        "lattice_energy_vs_born_lande_rel": abs(lattice_kj - born_lande_kj) / abs(born_lande_kj),
        "born_haber_experiment_kj_mol": BORN_HABER_NACL_KJ_MOL,
        "dlnE_dlna_at_a0": (e_plus - e_minus) / (2 * h) / abs(e0),  # 0 at the fitted equilibrium
        "target_temperature_K": T,
        "mean_temperature_nve_K": float(temps.mean()),
        "nve_relative_drift": float(abs(prod[-1, 3] - prod[0, 3]) / abs(prod[0, 3])),
        "nve_total_energy_std_per_ion_eV": float(prod[:, 3].std() / n),
        "rdf_peak_na_cl_A": peaks["Na–Cl"],
        "rdf_peak_na_na_A": peaks["Na–Na"],
        "rdf_peak_cl_cl_A": peaks["Cl–Cl"],
        "coordination_na_cl": coordination_number(r, g, int(cl.sum()) / float(box.prod()), first_min),
        "ns_per_day": (n_eq + n_prod) * p.dt_fs * 1e-6 / wall * 86400,
    }
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"nacl": NaClSettings},
    description="rock-salt NaCl (Ewald + Born repulsion), lattice energy checks, NVT → NVE",
)
