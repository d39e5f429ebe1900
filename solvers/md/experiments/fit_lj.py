"""``sciml run experiment=md_fit_lj``: recover Lennard-Jones σ and ε from a target RDF.

1. Target: a Langevin NVT run of the LJ fluid at the known ``lj_fit.target_sigma``/``target_epsilon``
   (density ``lj_fit.density``, ``lj_fit.kT``); only its radial distribution function is kept.
2. Fit: starting from ``lj_fit.init_sigma``/``init_epsilon``, each iteration samples the model with the
   current parameters (continuing from its last configuration) and takes a Gauss–Newton step on the
   relative entropy (:mod:`solvers.md.relative_entropy`, Shell 2008): the gradient compares
   ``⟨∂U/∂θ⟩`` from the target RDF with the model's, the curvature is the model's fluctuation matrix of
   ``∂U/∂θ`` (per-frame derivatives by autograd through the energy). Full Newton steps in the first half
   of the iterations; in the second half the steps are damped (``lj_fit.late_damping``) and the reported
   parameters are the average of those iterates (Polyak–Ruppert), which removes most of the sampling
   noise that each iterate carries (ε moves g(r) far less than σ, so it is the noisier one).

Writes ``fit.png`` (σ and ε per iteration), ``rdf.png`` (target, initial and fitted g(r)),
``history.json`` and ``metrics.json`` (fitted values and relative errors).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from physics.forcefields import fcc, lennard_jones, lennard_jones_neighbor_list, lennard_jones_pair
from sciml.checkpoint import atomic_write_text
from sciml.config import check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_lines, start_run
from solvers.md import langevin, maxwell_boltzmann, neighbor_list, update_or_reallocate
from solvers.md.observables import rdf
from solvers.md.relative_entropy import newton_step, pair_parameter_derivatives, rdf_average


@dataclass(frozen=True)
class LJFitSettings:
    """Target: σ = ``target_sigma``, ε = ``target_epsilon`` sampled for ``target_steps`` after ``target_burn_in``;
    fit from ``init_sigma``/``init_epsilon`` over ``iterations`` iterations of ``model_steps`` steps (after
    ``burn_in``), a frame every ``sample_every`` steps, g(r) in ``bins`` bins. Langevin (friction ``gamma``) at
    ``kT``, step ``dt``, on ``cells³ × 4`` atoms at ``density``."""

    cells: int = 4
    density: float = 0.8
    kT: float = 1.0
    dt: float = 0.004
    gamma: float = 1.0
    cutoff: float = 2.5
    skin: float = 0.3
    target_sigma: float = 1.0
    target_epsilon: float = 1.0
    init_sigma: float = 0.9
    init_epsilon: float = 0.7
    target_burn_in: int = 2000
    target_steps: int = 8000
    burn_in: int = 500
    model_steps: int = 3000
    sample_every: int = 10
    bins: int = 250
    iterations: int = 16
    late_damping: float = 0.5
    max_relative_step: float = 0.1

    def __post_init__(self):
        for key in ("cells", "target_steps", "model_steps", "sample_every", "bins", "iterations"):
            check_range(key, getattr(self, key), low=1, integer=True)
        for key in ("target_burn_in", "burn_in"):
            check_range(key, getattr(self, key), low=0, integer=True)
        for key in (
            "density",
            "kT",
            "dt",
            "gamma",
            "cutoff",
            "target_sigma",
            "target_epsilon",
            "init_sigma",
            "init_epsilon",
            "late_damping",
            "max_relative_step",
        ):
            check_range(key, getattr(self, key), low=0, low_open=True)
        check_range("skin", self.skin, low=0)
        if self.model_steps < self.sample_every:
            raise ValueError(
                f"model_steps = {self.model_steps} < sample_every = {self.sample_every}: no frame would "
                "be sampled. Raise model_steps."
            )


def sample(R, box, sigma: float, epsilon: float, p: LJFitSettings, seed: int, steps: int, every: int, burn: int):
    """Langevin NVT frames ``[F, N, 3]`` of the LJ fluid with (σ, ε), and the last configuration."""
    rc, skin = p.cutoff, p.skin
    U = lennard_jones_neighbor_list(box=box, cutoff=rc, format="dense", compile=False, sigma=sigma, epsilon=epsilon)
    nf = neighbor_list(box, rc, skin, format="dense")
    nbrs = nf.allocate(R)
    init, step = langevin(U, p.dt, p.kT, gamma=p.gamma, box=box, seed=seed)
    s = init(R, maxwell_boltzmann(len(R), p.kT, seed=seed), neighbors=nbrs.idx)
    frames = []
    for k in range(1, burn + steps + 1):
        nbrs = update_or_reallocate(nf, s.R, nbrs)
        s = step(s, neighbors=nbrs.idx)
        if k > burn and k % every == 0:
            frames.append(s.R.detach().clone())
    return torch.stack(frames), s.R.detach().clone()


def run(cfg, out_dir="."):
    """Sample the target, then iterate Gauss–Newton steps on the relative entropy; returns the fitted σ, ε."""
    p = settings(cfg.lj_fit, LJFitSettings)
    out, t0 = start_run(cfg, out_dir)
    torch.set_default_dtype(torch.float64)
    R, box = fcc(p.cells, density=p.density)
    n, vol, rc, kT = len(R), float(box.prod()), p.cutoff, p.kT
    r_max, bins = min(float(box.min()) / 2, rc), p.bins
    every, burn = p.sample_every, p.burn_in

    true = (p.target_sigma, p.target_epsilon)
    frames, _ = sample(R, box, *true, p, int(cfg.seed), p.target_steps, every, p.target_burn_in)
    r, g_target = rdf(list(frames), box, r_max, bins)

    def phi(rr, sigma, epsilon):
        return lennard_jones(rr, sigma, epsilon)

    theta = torch.tensor([p.init_sigma, p.init_epsilon])
    target_mean = rdf_average(r, g_target, n, vol, pair_parameter_derivatives(phi, theta), rc)
    history, g_init, averaged = [], None, []
    R_model = R
    n_iter = p.iterations
    bar = tqdm(range(n_iter), desc="relative-entropy fit", disable=not cfg.trainer.progress_bar)
    for it in bar:
        frames, R_model = sample(
            R_model, box, float(theta[0]), float(theta[1]), p, int(cfg.seed) + 1 + it, p.model_steps, every, burn
        )
        r, g_model = rdf(list(frames), box, r_max, bins)
        if g_init is None:
            g_init = g_model
        dphi = pair_parameter_derivatives(phi, theta)
        target_mean = rdf_average(r, g_target, n, vol, dphi, rc)
        model_mean = rdf_average(r, g_model, n, vol, dphi, rc)
        th = theta.clone().requires_grad_(True)
        U = lennard_jones_pair(box=box, cutoff=rc, sigma=th[0], epsilon=th[1])
        per_frame = torch.stack([torch.stack(torch.autograd.grad(U(f), th)) for f in frames]).reshape(len(frames), -1)
        late = it >= n_iter // 2  # second half: damped steps, and the reported estimate averages these iterates
        step = newton_step(
            target_mean, model_mean, per_frame, kT, p.late_damping if late else 1.0, p.max_relative_step, theta
        )
        history.append(
            {
                "iteration": it,
                "sigma": float(theta[0]),
                "epsilon": float(theta[1]),
                "grad_sigma": float((target_mean - model_mean)[0] / kT),
                "grad_epsilon": float((target_mean - model_mean)[1] / kT),
                "rdf_l2_to_target": float(np.sqrt(np.mean((g_model - g_target) ** 2))),
            }
        )
        theta = theta + step
        if late:
            averaged.append(theta.clone())
        bar.set_postfix(sigma=f"{float(theta[0]):.4f}", epsilon=f"{float(theta[1]):.4f}", refresh=False)
    last = theta
    theta = torch.stack(averaged).mean(0) if averaged else theta  # Polyak–Ruppert average of the damped iterates
    frames, _ = sample(
        R_model, box, float(theta[0]), float(theta[1]), p, int(cfg.seed) + 999, p.target_steps, every, burn
    )
    r, g_fit = rdf(list(frames), box, r_max, bins)
    history.append(
        {
            "iteration": len(history),
            "sigma": float(theta[0]),
            "epsilon": float(theta[1]),
            "rdf_l2_to_target": float(np.sqrt(np.mean((g_fit - g_target) ** 2))),
        }
    )
    atomic_write_text(out / "history.json", json.dumps(history, indent=1))
    its = np.array([h["iteration"] for h in history])
    plot_lines(
        out / "fit.png",
        its,
        {
            "σ / σ*": np.array([h["sigma"] for h in history]) / true[0],
            "ε / ε*": np.array([h["epsilon"] for h in history]) / true[1],
        },
        "iteration",
        "parameter / true value",
    )
    plot_lines(out / "rdf.png", r, {"target": g_target, "initial guess": g_init, "fitted": g_fit}, "r (σ*)", "g(r)")
    metrics = {
        "atoms": n,
        "density": p.density,
        "kT": kT,
        "target_sigma": true[0],
        "target_epsilon": true[1],
        "init_sigma": p.init_sigma,
        "init_epsilon": p.init_epsilon,
        "fitted_sigma": float(theta[0]),
        "fitted_epsilon": float(theta[1]),
        "sigma_relative_error": abs(float(theta[0]) - true[0]) / true[0],
        "epsilon_relative_error": abs(float(theta[1]) - true[1]) / true[1],
        "last_iterate_sigma": float(last[0]),
        "last_iterate_epsilon": float(last[1]),
        "rdf_rms_initial": history[0]["rdf_l2_to_target"],
        "rdf_rms_fitted": history[-1]["rdf_l2_to_target"],
        "iterations": n_iter,
        "averaged_iterates": len(averaged),
    }
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"lj_fit": LJFitSettings},
    description="recover Lennard-Jones σ and ε from a target RDF by relative-entropy minimisation",
)
