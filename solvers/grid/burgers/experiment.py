"""``sciml run experiment=burgers_spectral``: 1-D Burgers by Fourier–ETDRK4, checked against Cole–Hopf.

Settings: the ``burgers`` config node (:class:`BurgersSpectralSettings`). Writes ``snapshots.h5``,
``solution.png`` and ``metrics.json`` (relative L2 error against the exact solution).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from sciml.config import check_range, settings
from sciml.data import SnapshotWriter
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_fields, start_run
from solvers.grid.burgers import SpectralBurgers
from solvers.reference import burgers_cole_hopf


@dataclass(frozen=True)
class BurgersSpectralSettings:
    """``u_t + u u_x = ν u_xx`` on ``[-1, 1]`` (Dirichlet through an odd extension), ``u(x, 0) = −sin(πx)``.

    ``n`` grid points, viscosity ``nu``, ETDRK4 step ``dt`` to ``t_end``; a snapshot every ``snapshot_every`` steps
    (``None``: 100 snapshots in all).
    """

    n: int = 1024
    nu: float = 0.01 / math.pi
    dt: float = 2.0e-4
    t_end: float = 1.0
    snapshot_every: int | None = None

    def __post_init__(self):
        check_range("n", self.n, low=8, integer=True, meaning="grid points")
        check_range("nu", self.nu, low=0, low_open=True, meaning="viscosity")
        check_range("dt", self.dt, low=0, low_open=True, meaning="time step")
        check_range("t_end", self.t_end, low=0, low_open=True)
        if self.snapshot_every is not None:
            check_range("snapshot_every", self.snapshot_every, low=1, integer=True)


def run(cfg, out_dir="."):
    """Integrate to ``t_end``, compare with Cole–Hopf; returns the metrics."""
    p = settings(cfg.burgers, BurgersSpectralSettings)
    out, t0 = start_run(cfg, out_dir)
    sb = SpectralBurgers(p.n, p.nu, p.dt)
    x = sb.x()
    s = sb.init(-torch.sin(math.pi * x)[None])
    n_steps = int(round(p.t_end / sb.dt))
    every = p.snapshot_every or max(1, n_steps // 100)
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
    plot_fields(
        out / "solution.png",
        {"spectral u(x, t)": field.T, "Cole–Hopf": exact.T, "|error|": np.abs(field - exact).T},
        extent=[0, times[-1], -1, 1],
        suptitle=f"relative L2 error {rel:.2e}",
    )
    return finish_run(
        out,
        cfg,
        t0,
        {
            "rel_l2": rel,
            "max_abs_error": float(np.abs(field - exact).max()),
            "n": sb.n,
            "steps": n_steps,
            "nu": sb.nu,
            "dt": sb.dt,
        },
    )


EXPERIMENT = Experiment(
    run=run,
    nodes={"burgers": BurgersSpectralSettings},
    description="1-D Burgers, Fourier pseudo-spectral + ETDRK4, against Cole–Hopf",
)
