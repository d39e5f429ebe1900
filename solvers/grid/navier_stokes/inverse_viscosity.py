"""``sciml run experiment=ns2d_inverse_viscosity``: recover ν of a 2-D Navier–Stokes run from its final
vorticity, by differentiating through the whole simulation (L-BFGS on log ν, checkpointed rollouts)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from sciml.config import check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_fields, plot_lines, start_run
from solvers.grid.navier_stokes import NSGrid, NSState, step
from solvers.time_integrators import rollout


@dataclass(frozen=True)
class ViscosityInverseSettings:
    """Recover ``nu_true`` from the vorticity after ``steps`` steps of ``dt`` on ``n × n``, starting L-BFGS (at most
    ``max_iter`` iterations) from ``nu_initial``; rollouts are checkpointed every ``checkpoint_every`` steps."""

    n: int = 64
    dt: float = 0.02
    steps: int = 100
    nu_true: float = 0.02
    nu_initial: float = 0.04
    max_iter: int = 15
    checkpoint_every: int = 20

    def __post_init__(self):
        check_range("n", self.n, low=8, integer=True)
        check_range("dt", self.dt, low=0, low_open=True)
        check_range("steps", self.steps, low=1, integer=True)
        check_range("nu_true", self.nu_true, low=0, low_open=True)
        check_range("nu_initial", self.nu_initial, low=0, low_open=True)
        check_range("max_iter", self.max_iter, low=1, integer=True)
        check_range("checkpoint_every", self.checkpoint_every, low=1, integer=True)


def run(cfg, out_dir="."):
    """Fit log ν by L-BFGS through the simulation; returns the metrics."""
    p = settings(cfg.viscosity_inverse, ViscosityInverseSettings)
    out, t0 = start_run(cfg, out_dir)
    g = NSGrid(p.n)
    x, y = g.coordinates()
    w0 = torch.sin(x) * torch.cos(2 * y) + 0.5 * torch.cos(3 * x + y)
    dt, n_steps = p.dt, p.steps

    def final(nu):
        s = rollout(
            lambda st: step(st, dt, g, nu),
            NSState(g.to_spectral(w0)[None]),
            n_steps,
            checkpoint_every=p.checkpoint_every,
        )
        return g.to_physical(s.w_hat)[0]

    nu_true = p.nu_true
    with torch.no_grad():
        target = final(torch.tensor(nu_true, dtype=torch.float64))
    log_nu = torch.tensor(math.log(p.nu_initial), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_nu], lr=1.0, max_iter=p.max_iter, line_search_fn="strong_wolfe")
    history: list[float] = []

    def closure():
        opt.zero_grad()
        loss = torch.mean((final(log_nu.exp()) - target) ** 2)
        loss.backward()
        history.append(float(loss))
        return loss

    opt.step(closure)
    nu_fit = float(log_nu.detach().exp())
    plot_lines(
        out / "loss.png",
        torch.arange(1, len(history) + 1).numpy(),
        {"misfit": torch.tensor(history).log10().numpy()},
        "function evaluation",
        "log10 mean-square misfit",
    )
    with torch.no_grad():
        plot_fields(
            out / "fields.png",
            {"target ω(T)": target.numpy(), "fitted ω(T)": final(torch.tensor(nu_fit)).numpy()},
            extent=[0, 2 * math.pi, 0, 2 * math.pi],
        )
    return finish_run(
        out,
        cfg,
        t0,
        {
            "nu_true": nu_true,
            "nu_initial": p.nu_initial,
            "nu_recovered": nu_fit,
            "relative_error": abs(nu_fit - nu_true) / nu_true,
            "evaluations": len(history),
            "steps_per_rollout": n_steps,
            "n": g.n,
        },
    )


EXPERIMENT = Experiment(
    run=run,
    nodes={"viscosity_inverse": ViscosityInverseSettings},
    description="recover the viscosity of a 2-D Navier–Stokes run through the whole simulation",
)
