"""``sciml run experiment=ns2d_inverse_viscosity``: recover ν of a 2-D Navier–Stokes run from its final
vorticity, by differentiating through the whole simulation (L-BFGS on log ν, checkpointed rollouts)."""
from __future__ import annotations

import math

import torch

from solvers.experiments.common import finish, plot_fields, plot_lines, start
from solvers.navier_stokes import NSGrid, NSState, step
from solvers.time_integrators import rollout


def run(cfg, out_dir="."):
    out, p, t0 = start(cfg, out_dir)
    g = NSGrid(int(p["n"]))
    x, y = g.coordinates()
    w0 = torch.sin(x) * torch.cos(2 * y) + 0.5 * torch.cos(3 * x + y)
    dt, n_steps = float(p["dt"]), int(p["steps"])

    def final(nu):
        s = rollout(lambda st: step(st, dt, g, nu), NSState(g.to_spectral(w0)[None]), n_steps,
                    checkpoint_every=int(p.get("checkpoint_every", 20)))
        return g.to_physical(s.w_hat)[0]

    nu_true = float(p["nu_true"])
    with torch.no_grad():
        target = final(torch.tensor(nu_true, dtype=torch.float64))
    log_nu = torch.tensor(math.log(float(p["nu_initial"])), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_nu], lr=1.0, max_iter=int(p.get("max_iter", 20)), line_search_fn="strong_wolfe")
    history: list[float] = []

    def closure():
        opt.zero_grad()
        loss = torch.mean((final(log_nu.exp()) - target) ** 2)
        loss.backward()
        history.append(float(loss))
        return loss

    opt.step(closure)
    nu_fit = float(log_nu.detach().exp())
    plot_lines(out / "loss.png", torch.arange(1, len(history) + 1).numpy(), {"misfit": torch.tensor(history).log10().numpy()},
               "function evaluation", "log10 mean-square misfit")
    with torch.no_grad():
        plot_fields(out / "fields.png", {"target ω(T)": target.numpy(), "fitted ω(T)": final(torch.tensor(nu_fit)).numpy()},
                    extent=[0, 2 * math.pi, 0, 2 * math.pi])
    return finish(out, cfg, t0, {"nu_true": nu_true, "nu_initial": float(p["nu_initial"]), "nu_recovered": nu_fit,
                                 "relative_error": abs(nu_fit - nu_true) / nu_true, "evaluations": len(history),
                                 "steps_per_rollout": n_steps, "n": g.n})
