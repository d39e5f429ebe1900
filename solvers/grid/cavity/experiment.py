"""``sciml run experiment=cavity_re100``: lid-driven cavity to steady state, compared with Ghia et al. (1982).

Settings: the ``cavity`` config node (:class:`CavitySettings`). Writes ``snapshots.h5``,
``centreline.png``, ``velocity.png`` and ``metrics.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from sciml.config import check_range, settings
from sciml.data import SnapshotWriter
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_fields, plot_lines, start_run
from solvers.grid.cavity import centreline_u, solve_steady

GHIA_RE100 = (
    np.array([1.0, 0.9766, 0.9531, 0.8516, 0.7344, 0.6172, 0.5, 0.4531, 0.2813, 0.1719, 0.1016, 0.0625]),
    np.array(
        [1.0, 0.84123, 0.68717, 0.23151, 0.00332, -0.13641, -0.20581, -0.21090, -0.15662, -0.10150, -0.06434, -0.04192]
    ),
)


@dataclass(frozen=True)
class CavitySettings:
    """Unit square, lid speed 1, Reynolds number ``re`` on an ``n × n`` MAC grid; steady when the velocity changes by
    less than ``tol`` per unit time (at most ``max_steps`` steps)."""

    n: int = 64
    re: float = 100.0
    tol: float = 1.0e-5
    max_steps: int = 200000
    snapshot_every: int = 500

    def __post_init__(self):
        check_range("n", self.n, low=8, integer=True, meaning="cells per side")
        check_range("re", self.re, low=0, low_open=True, meaning="Reynolds number")
        check_range("tol", self.tol, low=0, low_open=True)
        check_range("max_steps", self.max_steps, low=1, integer=True)
        check_range("snapshot_every", self.snapshot_every, low=1, integer=True)


def run(cfg, out_dir="."):
    """March to steady state, compare the centreline with Ghia et al.; returns the metrics."""
    p = settings(cfg.cavity, CavitySettings)
    out, t0 = start_run(cfg, out_dir)
    n, re = p.n, p.re
    bar = tqdm(desc=f"cavity Re={re:g}", unit="step", disable=not cfg.trainer.progress_bar)
    every = p.snapshot_every
    with SnapshotWriter(out / "snapshots.h5", {"solver": "cavity_mac_projection", "re": re, "n": n}) as w:

        def cb(k, s, change):
            bar.update(1)
            if k % 100 == 0:
                bar.set_postfix(du_dt=f"{change:.1e}", refresh=False)
            if k % every == 0:
                w.append(s.t, u=s.u, v=s.v, p=s.p)

        s = solve_steady(n, re, tol=p.tol, max_steps=p.max_steps, callback=cb)
        w.append(s.t, u=s.u, v=s.v, p=s.p)
    bar.close()
    y = np.linspace(0, 1, 201)
    prof = centreline_u(s, y)
    metrics = {
        "n": n,
        "re": re,
        "t_steady": s.t,
        "centreline_u_min": float(prof.min()),
        "centreline_u_min_y": float(y[int(np.argmin(prof))]),
    }
    markers = {}
    if abs(re - 100) < 1e-9:
        gy, gu = GHIA_RE100
        metrics["ghia_max_abs_error"] = float(np.abs(centreline_u(s, gy) - gu).max())
        markers = {"Ghia et al. 1982": (gy, gu)}
    plot_lines(
        out / "centreline.png",
        y,
        {"sciml": centreline_u(s, y), **{k: v[1] for k, v in markers.items()}},
        "y",
        "u(0.5, y)",
        markers=markers,
    )
    uc = 0.5 * (s.u[1:] + s.u[:-1]).numpy()
    vc = 0.5 * (s.v[:, 1:] + s.v[:, :-1]).numpy()
    plot_fields(out / "velocity.png", {"u": uc, "v": vc, "|u|": np.hypot(uc, vc)}, extent=[0, 1, 0, 1])
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"cavity": CavitySettings},
    description="lid-driven cavity, MAC projection, against Ghia et al. (1982)",
)
