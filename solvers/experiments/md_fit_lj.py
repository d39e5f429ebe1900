"""``sciml run experiment=md_fit_lj``: recover Lennard-Jones σ and ε from a target RDF.

1. Target: a Langevin NVT run of the LJ fluid at the known ``grid.target_sigma``/``target_epsilon``
   (density ``grid.density``, ``grid.kT``); only its radial distribution function is kept.
2. Fit: starting from ``grid.init_sigma``/``init_epsilon``, each iteration samples the model with the
   current parameters (continuing from its last configuration) and takes a Gauss–Newton step on the
   relative entropy (:mod:`solvers.md.relative_entropy`, Shell 2008): the gradient compares
   ``⟨∂U/∂θ⟩`` from the target RDF with the model's, the curvature is the model's fluctuation matrix of
   ``∂U/∂θ`` (per-frame derivatives by autograd through the energy). Full Newton steps in the first half
   of the iterations; in the second half the steps are damped (``grid.late_damping``) and the reported
   parameters are the average of those iterates (Polyak–Ruppert), which removes most of the sampling
   noise that each iterate carries (ε moves g(r) far less than σ, so it is the noisier one).

Writes ``fit.png`` (σ and ε per iteration), ``rdf.png`` (target, initial and fitted g(r)),
``history.json`` and ``metrics.json`` (fitted values and relative errors).
"""
from __future__ import annotations

import json

import numpy as np
import torch
from tqdm.auto import tqdm

from physics.forcefields import fcc, lennard_jones, lennard_jones_neighbor_list, lennard_jones_pair
from sciml.checkpoint import atomic_write_text
from solvers.experiments.common import finish, plot_lines, start
from solvers.md import langevin, maxwell_boltzmann, neighbor_list, update_or_reallocate
from solvers.md.observables import rdf
from solvers.md.relative_entropy import newton_step, pair_parameter_derivatives, rdf_average


def sample(R, box, sigma: float, epsilon: float, p: dict, seed: int, steps: int, every: int, burn: int):
    """Langevin NVT frames ``[F, N, 3]`` of the LJ fluid with (σ, ε), and the last configuration."""
    rc, skin = float(p["cutoff"]), float(p.get("skin", 0.3))
    U = lennard_jones_neighbor_list(box=box, cutoff=rc, format="dense", compile=False, sigma=sigma, epsilon=epsilon)
    nf = neighbor_list(box, rc, skin, format="dense")
    nbrs = nf.allocate(R)
    init, step = langevin(U, float(p["dt"]), float(p["kT"]), gamma=float(p.get("gamma", 1.0)), box=box, seed=seed)
    s = init(R, maxwell_boltzmann(len(R), float(p["kT"]), seed=seed), neighbors=nbrs.idx)
    frames = []
    for k in range(1, burn + steps + 1):
        nbrs = update_or_reallocate(nf, s.R, nbrs)
        s = step(s, neighbors=nbrs.idx)
        if k > burn and k % every == 0:
            frames.append(s.R.detach().clone())
    return torch.stack(frames), s.R.detach().clone()


def run(cfg, out_dir="."):
    out, p, t0 = start(cfg, out_dir)
    torch.set_default_dtype(torch.float64)
    R, box = fcc(int(p["cells"]), density=float(p["density"]))
    n, vol, rc, kT = len(R), float(box.prod()), float(p["cutoff"]), float(p["kT"])
    r_max, bins = min(float(box.min()) / 2, rc), int(p.get("bins", 250))
    every, burn = int(p.get("sample_every", 10)), int(p.get("burn_in", 500))

    true = (float(p["target_sigma"]), float(p["target_epsilon"]))
    frames, _ = sample(R, box, *true, p, int(cfg.seed), int(p["target_steps"]), every, int(p.get("target_burn_in", 2000)))
    r, g_target = rdf(list(frames), box, r_max, bins)

    def phi(rr, sigma, epsilon):
        return lennard_jones(rr, sigma, epsilon)

    theta = torch.tensor([float(p["init_sigma"]), float(p["init_epsilon"])])
    target_mean = rdf_average(r, g_target, n, vol, pair_parameter_derivatives(phi, theta), rc)
    history, g_init, averaged = [], None, []
    R_model = R
    n_iter = int(p["iterations"])
    bar = tqdm(range(n_iter), desc="relative-entropy fit", disable=not cfg.trainer.progress_bar)
    for it in bar:
        frames, R_model = sample(R_model, box, float(theta[0]), float(theta[1]), p, int(cfg.seed) + 1 + it,
                                 int(p["model_steps"]), every, burn)
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
        step = newton_step(target_mean, model_mean, per_frame, kT, float(p.get("late_damping", 0.5)) if late else 1.0,
                           float(p.get("max_relative_step", 0.1)), theta)
        history.append({"iteration": it, "sigma": float(theta[0]), "epsilon": float(theta[1]),
                        "grad_sigma": float((target_mean - model_mean)[0] / kT),
                        "grad_epsilon": float((target_mean - model_mean)[1] / kT),
                        "rdf_l2_to_target": float(np.sqrt(np.mean((g_model - g_target) ** 2)))})
        theta = theta + step
        if late:
            averaged.append(theta.clone())
        bar.set_postfix(sigma=f"{float(theta[0]):.4f}", epsilon=f"{float(theta[1]):.4f}", refresh=False)
    last = theta
    theta = torch.stack(averaged).mean(0) if averaged else theta  # Polyak–Ruppert average of the damped iterates
    frames, _ = sample(R_model, box, float(theta[0]), float(theta[1]), p, int(cfg.seed) + 999, int(p["target_steps"]),
                       every, burn)
    r, g_fit = rdf(list(frames), box, r_max, bins)
    history.append({"iteration": len(history), "sigma": float(theta[0]), "epsilon": float(theta[1]),
                    "rdf_l2_to_target": float(np.sqrt(np.mean((g_fit - g_target) ** 2)))})
    atomic_write_text(out / "history.json", json.dumps(history, indent=1))
    its = np.array([h["iteration"] for h in history])
    plot_lines(out / "fit.png", its, {"σ / σ*": np.array([h["sigma"] for h in history]) / true[0],
                                      "ε / ε*": np.array([h["epsilon"] for h in history]) / true[1]},
               "iteration", "parameter / true value")
    plot_lines(out / "rdf.png", r, {"target": g_target, "initial guess": g_init, "fitted": g_fit}, "r (σ*)", "g(r)")
    metrics = {"atoms": n, "density": float(p["density"]), "kT": kT, "target_sigma": true[0], "target_epsilon": true[1],
               "init_sigma": float(p["init_sigma"]), "init_epsilon": float(p["init_epsilon"]),
               "fitted_sigma": float(theta[0]), "fitted_epsilon": float(theta[1]),
               "sigma_relative_error": abs(float(theta[0]) - true[0]) / true[0],
               "epsilon_relative_error": abs(float(theta[1]) - true[1]) / true[1],
               "last_iterate_sigma": float(last[0]), "last_iterate_epsilon": float(last[1]),
               "rdf_rms_initial": history[0]["rdf_l2_to_target"], "rdf_rms_fitted": history[-1]["rdf_l2_to_target"],
               "iterations": n_iter, "averaged_iterates": len(averaged)}
    return finish(out, cfg, t0, metrics)
