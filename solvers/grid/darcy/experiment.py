"""``sciml run experiment=darcy_fv``: Darcy flow with a thresholded random permeability (operator-learning data)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sciml.config import check_range, settings
from sciml.data import SnapshotWriter
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_fields, start_run
from solvers.grid import darcy


@dataclass(frozen=True)
class DarcySettings:
    """``-∇·(a ∇u) = 1`` on ``[0,1]²`` with ``u = 0`` on the boundary: ``samples`` random permeabilities on
    ``n × n`` cells."""

    n: int = 85
    samples: int = 4

    def __post_init__(self):
        check_range("n", self.n, low=4, integer=True, meaning="cells per side")
        check_range("samples", self.samples, low=1, integer=True)


def random_permeability(n: int, rng: np.random.Generator, lo: float = 3.0, hi: float = 12.0, length: float = 0.1):
    """Piecewise-constant field from a thresholded smooth Gaussian random field (Li et al. 2021 use 12 / 3)."""
    k = np.fft.fftfreq(n, d=1.0 / n)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    noise = np.fft.ifft2(
        np.fft.fft2(rng.standard_normal((n, n))) * np.exp(-0.5 * k2 * (2 * np.pi * length) ** 2 / 4)
    ).real
    return np.where(noise > 0, hi, lo)


def run(cfg, out_dir="."):
    """Solve ``samples`` Darcy problems into ``darcy.h5``; returns the metrics."""
    p = settings(cfg.darcy, DarcySettings)
    out, t0 = start_run(cfg, out_dir)
    n, count = p.n, p.samples
    rng = np.random.default_rng(int(cfg.seed))
    with SnapshotWriter(out / "darcy.h5", {"solver": "darcy_fv", "n": n, "source": 1.0}) as w:
        for i in range(count):
            a = random_permeability(n, rng)
            u = darcy.solve(a, 1.0)
            w.append(float(i), permeability=a, pressure=u)
    plot_fields(out / "sample.png", {"permeability": a, "pressure": u}, extent=[0, 1, 0, 1], cmap="viridis")
    return finish_run(out, cfg, t0, {"n": n, "samples": count, "pressure_max_last": float(u.max())})


EXPERIMENT = Experiment(
    run=run, nodes={"darcy": DarcySettings}, description="Darcy flow by finite volumes on random permeabilities"
)
