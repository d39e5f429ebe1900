"""``sciml run experiment=md_alanine_metad``: the φ/ψ free-energy surface of alanine dipeptide in vacuum by
well-tempered metadynamics (Barducci, Bussi & Parrinello 2008).

The molecule comes from openmmtools' data folder (AMBER ff, 22 atoms; ``bio.*`` as in ``md_alanine_dipeptide``);
bonds to hydrogen are constrained and Langevin runs at ``temperature_K`` with 2 fs steps. The bias acts on the
two backbone dihedrals φ = C–N–Cα–C and ψ = N–Cα–C–N (``metad.dihedrals``, atom indices; periodic, 2π), or
on φ alone when one dihedral is given. Writes ``cv.csv`` (time, the CVs, bias), ``fes.csv`` (the CVs and F on
a grid, kJ/mol), ``fes.png`` (contours with the sampled path, or the 1-D profile), ``metrics.json`` (the
deepest minimum, the number of Gaussians, ns/day). ``benchmarks/md_metad_vs_openmm.py`` compares the 1-D φ
profile with OpenMM's own ``app.Metadynamics`` over equal simulated time.
This is the demonstration run; the accuracy of the method is tested on a model potential with a known free
energy (``tests/solvers/test_md_metadynamics.py``).
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from physics.forcefields import MD
from physics.forcefields.biomolecular import dihedral, molecular_energy_fn
from sciml.config import check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_lines, start_run
from solvers.md.constraints import DistanceConstraints, rattle
from solvers.md.experiments.biomolecule import BioSettings, load_inputs
from solvers.md.integrators import check_state, langevin, maxwell_boltzmann
from solvers.md.metadynamics import MetadynamicsSettings, bias_potential, deposit, empty_bias, free_energy
from solvers.md.minimize_lbfgs import minimize_lbfgs


@dataclass(frozen=True)
class MetadSettings:
    """Gaussian ``height_kj_mol`` and ``sigma_rad``, ``bias_factor`` γ, deposition ``stride`` (steps), the run
    length ``steps`` and the two dihedrals' atom indices."""

    height_kj_mol: float = 1.2
    sigma_rad: float = 0.35
    bias_factor: float = 6.0
    stride: int = 100
    steps: int = 25000
    dihedrals: tuple[tuple[int, int, int, int], ...] = ((4, 6, 8, 14), (6, 8, 14, 16))
    grid: int = 61

    def __post_init__(self):
        check_range("height_kj_mol", self.height_kj_mol, low=0, low_open=True)
        check_range("sigma_rad", self.sigma_rad, low=0, high=math.pi, low_open=True)
        check_range("bias_factor", self.bias_factor, low=1, low_open=True, meaning="γ; 1 would be no bias")
        check_range("stride", self.stride, low=1, integer=True)
        check_range("steps", self.steps, low=1, integer=True)
        check_range("grid", self.grid, low=8, integer=True)
        if len(self.dihedrals) not in (1, 2) or any(len(d) != 4 for d in self.dihedrals):
            raise ValueError(
                f"metad.dihedrals = {self.dihedrals}: give one or two dihedrals of four atom indices each."
            )


def _plot(path, phi, psi, F, path_cv) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    c = ax.contourf(np.degrees(phi), np.degrees(psi), F.T, levels=20, cmap="viridis")
    ax.plot(np.degrees(path_cv[:, 0]), np.degrees(path_cv[:, 1]), ",", color="w", alpha=0.4)
    fig.colorbar(c, label="F (kJ/mol)")
    ax.set(xlabel="φ (degrees)", ylabel="ψ (degrees)", title="alanine dipeptide, well-tempered metadynamics")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(cfg, out_dir="."):
    """Minimise, then metadynamics on (φ, ψ); returns the free-energy minimum and sampling facts."""
    b = settings(cfg.bio, BioSettings)
    p = settings(cfg.metad, MetadSettings)
    out, t0 = start_run(cfg, out_dir)
    system, R, _ = load_inputs(b)
    n = system.n_atoms
    for d in p.dihedrals:
        if min(d) < 0 or max(d) >= n:
            raise ValueError(f"metad.dihedrals entry {d} refers to an atom outside 0..{n - 1}.")
    kT = MD.kT(b.temperature_K)
    d = len(p.dihedrals)
    meta = MetadynamicsSettings(
        height=p.height_kj_mol,
        sigma=(p.sigma_rad,) * d,
        bias_factor=p.bias_factor,
        kT=kT,
        stride=p.stride,
        periods=(2 * math.pi,) * d,
    )
    molecule = molecular_energy_fn(system)

    def cvs(X: torch.Tensor) -> torch.Tensor:
        return torch.stack([dihedral(X, *d) for d in p.dihedrals])

    def energy(X: torch.Tensor, bias=None) -> torch.Tensor:
        return molecule(X) + bias_potential(meta, bias, cvs(X))

    c = None
    if system.constraints.index.numel():
        c = DistanceConstraints(system.constraints.index, system.constraints.distance)
    R = minimize_lbfgs(molecule, R, force_tolerance=b.minimize_tolerance, constraints=c, mass=system.masses).R
    dt = b.dt_fs / 1000
    init, step = langevin(energy, dt, kT, gamma=b.friction_per_ps, seed=int(cfg.seed), constraints=c)
    bias = empty_bias(d)
    V0 = maxwell_boltzmann(n, kT, mass=system.masses, seed=int(cfg.seed))
    if c is not None:
        V0 = rattle(c, R, V0, system.masses)
    state = init(R, V0, mass=system.masses, bias=bias)
    rows = []
    bar = tqdm(total=p.steps, desc="metadynamics", unit="step", disable=not cfg.trainer.progress_bar)
    t_start = time.perf_counter()
    for k in range(1, p.steps + 1):
        state = check_state(step(state, bias=bias))
        if k % p.stride == 0:
            s = cvs(state.R).detach()
            rows.append((k * dt, *s.tolist(), float(bias_potential(meta, bias, s))))
            bias = deposit(meta, bias, s)
            bar.update(p.stride)
    bar.close()
    wall = time.perf_counter() - t_start
    names = ["phi_rad", "psi_rad"][:d]
    with open(out / "cv.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([["time_ps", *names, "bias_kj_mol"], *rows])
    axis = torch.linspace(-math.pi, math.pi, p.grid, dtype=torch.float64)
    grid = axis[:, None] if d == 1 else torch.stack(torch.meshgrid(axis, axis, indexing="ij"), -1)
    F = free_energy(meta, bias, grid).numpy()
    with open(out / "fes.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*names, "free_energy_kj_mol"])
        for index in np.ndindex(F.shape):
            w.writerow([*(f"{axis[i]:.6f}" for i in index), f"{F[index]:.6f}"])
    if d == 2:
        _plot(out / "fes.png", axis.numpy(), axis.numpy(), F, np.array([r[1:3] for r in rows]))
    else:
        plot_lines(out / "fes.png", np.degrees(axis.numpy()), {"F(φ)": F}, "φ (degrees)", "F (kJ/mol)")
    minimum = np.unravel_index(np.argmin(F), F.shape)
    metrics = {
        "atoms": n,
        "gaussians": int(bias.heights.numel()),
        "simulated_ps": p.steps * dt,
        **{f"fes_minimum_{name[:-4]}_deg": math.degrees(float(axis[i])) for name, i in zip(names, minimum)},
        "fes_max_kj_mol": float(F.max()),
        "last_gaussian_height_kj_mol": float(bias.heights[-1]),
        "ns_per_day": p.steps * dt * 1e-3 / wall * 86400,
    }
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"bio": BioSettings, "metad": MetadSettings},
    description="alanine dipeptide φ/ψ free-energy surface by well-tempered metadynamics",
)
