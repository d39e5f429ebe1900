"""``sciml run experiment=burgers_spectral``: 1-D Burgers by Fourier–ETDRK4, checked against Cole–Hopf."""
from __future__ import annotations

import math

import numpy as np
import torch
from tqdm.auto import tqdm

from sciml.data import SnapshotWriter
from solvers.burgers import SpectralBurgers
from solvers.experiments.common import finish, plot_fields, start
from solvers.reference import burgers_cole_hopf


def run(cfg, out_dir="."):
    out, p, t0 = start(cfg, out_dir)
    sb = SpectralBurgers(int(p["n"]), float(p["nu"]), float(p["dt"]))
    x = sb.x()
    s = sb.init(-torch.sin(math.pi * x)[None])
    n_steps = int(round(float(p["t_end"]) / sb.dt))
    every = max(1, int(p.get("snapshot_every", max(1, n_steps // 100))))
    rows, times = [sb.physical(s)[0].numpy()], [0.0]
    with SnapshotWriter(out / "snapshots.h5", {"solver": "burgers_spectral_etdrk4", "nu": sb.nu, "dt": sb.dt}) as w:
        w.append(0.0, u=rows[0])
        for k in tqdm(range(1, n_steps + 1), desc="burgers", unit="step", disable=not cfg.trainer.progress_bar):
            s = sb.step(s)
            if k % every == 0 or k == n_steps:
                u = sb.physical(s)[0]
                if not bool(torch.isfinite(u).all()):
                    raise FloatingPointError(f"u became non-finite at step {k}; last good snapshot in {w.partial}.")
                w.append(s.t, u=u)
                rows.append(u.numpy())
                times.append(s.t)
    field = np.stack(rows)  # [T, n]
    tt = np.broadcast_to(np.asarray(times)[:, None], field.shape)
    xx = np.broadcast_to(x.numpy()[None], field.shape)
    exact = burgers_cole_hopf(xx, tt, sb.nu)
    rel = float(np.linalg.norm(field - exact) / np.linalg.norm(exact))
    plot_fields(out / "solution.png", {"spectral u(x, t)": field.T, "Cole–Hopf": exact.T, "|error|": np.abs(field - exact).T},
                extent=[0, times[-1], -1, 1], suptitle=f"relative L2 error {rel:.2e}")
    return finish(out, cfg, t0, {"rel_l2": rel, "max_abs_error": float(np.abs(field - exact).max()), "n": sb.n,
                                 "steps": n_steps, "nu": sb.nu, "dt": sb.dt})
