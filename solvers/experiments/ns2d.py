"""``sciml run experiment=ns2d_taylor_green`` (or ``ns2d_kolmogorov``): 2-D periodic Navier–Stokes.

Writes ``snapshots.h5`` (vorticity), ``vorticity.png``, ``vorticity.gif`` and ``metrics.json``
(for Taylor–Green: the max error against the exact solution at ``t_end``).
"""
from __future__ import annotations

import math

import torch
from tqdm.auto import tqdm

from sciml.data import SnapshotWriter
from sciml.runtime import resolve_device
from solvers.experiments.common import finish, plot_fields, save_animation, start
from solvers.navier_stokes import NSGrid, NSState, kolmogorov_forcing, max_velocity, step, taylor_green_vorticity
from solvers.time_integrators import check_cfl


def run(cfg, out_dir="."):
    out, p, t0 = start(cfg, out_dir)
    device = resolve_device(str(cfg.device.value if hasattr(cfg.device, "value") else cfg.device))
    g = NSGrid(int(p["n"]), device=device)
    nu, dt, n_steps = float(p["nu"]), float(p["dt"]), int(round(float(p["t_end"]) / float(p["dt"])))
    case = p.get("initial", "taylor_green")
    if case == "taylor_green":
        w0 = taylor_green_vorticity(g, 0.0, nu)
        forcing = None
    elif case == "random":
        gen = torch.Generator(device="cpu").manual_seed(int(cfg.seed))
        w0 = torch.randn(g.n, g.n, generator=gen, dtype=g.dtype).to(device)
        w0 = g.to_physical(g.to_spectral(w0) * torch.exp(-g.k2 / 16.0)) * 5
        forcing = kolmogorov_forcing(g, float(p.get("forcing_amplitude", 1.0)), int(p.get("forcing_k", 4)))
    else:
        raise ValueError(f"grid.initial={case!r} is not known; use 'taylor_green' or 'random'.")
    s = NSState(g.to_spectral(w0)[None])
    check_cfl(max_velocity(g, s.w_hat), g.dx, dt, limit=1.0, scheme="RK4 pseudo-spectral NS")
    every = max(1, int(p.get("snapshot_every", max(1, n_steps // 50))))
    frames, times = [], []
    with SnapshotWriter(out / "snapshots.h5", {"solver": "ns2d_spectral_vorticity", "nu": nu, "dt": dt, "n": g.n}) as w:
        w.append(0.0, vorticity=g.to_physical(s.w_hat)[0])
        for k in tqdm(range(1, n_steps + 1), desc="ns2d", unit="step", disable=not cfg.trainer.progress_bar):
            s = step(s, dt, g, nu, forcing)
            if k % every == 0 or k == n_steps:
                field = g.to_physical(s.w_hat)[0]
                if not bool(torch.isfinite(field).all()):
                    raise FloatingPointError(f"vorticity became non-finite at step {k} (t={s.t:.4g}); the last good "
                                             f"snapshot is in {w.partial}. Reduce grid.dt.")
                w.append(s.t, vorticity=field)
                frames.append(field.cpu().numpy())
                times.append(s.t)
    final = g.to_physical(s.w_hat)[0]
    metrics = {"steps": n_steps, "n": g.n, "nu": nu, "dt": dt, "t_end": s.t, "device": str(device)}
    panels = {"vorticity t=%.3g" % s.t: final.cpu().numpy()}
    if case == "taylor_green":
        exact = taylor_green_vorticity(g, s.t, nu)
        metrics["max_abs_error"] = float((final - exact).abs().max())
        metrics["rel_l2"] = float(torch.linalg.norm(final - exact) / torch.linalg.norm(exact))
        panels["|error|"] = (final - exact).abs().cpu().numpy()
    plot_fields(out / "vorticity.png", panels, extent=[0, 2 * math.pi, 0, 2 * math.pi])
    if p.get("animation", True):
        save_animation(out / "vorticity.gif", frames, times, "vorticity")
    return finish(out, cfg, t0, metrics)


