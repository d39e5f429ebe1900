"""``sciml run experiment=darcy_fv``: Darcy flow with a thresholded random permeability (operator-learning data)."""
from __future__ import annotations

import numpy as np

from sciml.data import SnapshotWriter
from solvers import darcy
from solvers.experiments.common import finish, plot_fields, start


def random_permeability(n: int, rng: np.random.Generator, lo: float = 3.0, hi: float = 12.0, length: float = 0.1):
    """Piecewise-constant field from a thresholded smooth Gaussian random field (Li et al. 2021 use 12 / 3)."""
    k = np.fft.fftfreq(n, d=1.0 / n)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    noise = np.fft.ifft2(np.fft.fft2(rng.standard_normal((n, n))) * np.exp(-0.5 * k2 * (2 * np.pi * length) ** 2 / 4)).real
    return np.where(noise > 0, hi, lo)


def run(cfg, out_dir="."):
    out, p, t0 = start(cfg, out_dir)
    n, count = int(p["n"]), int(p.get("samples", 4))
    rng = np.random.default_rng(int(cfg.seed))
    with SnapshotWriter(out / "darcy.h5", {"solver": "darcy_fv", "n": n, "source": 1.0}) as w:
        for i in range(count):
            a = random_permeability(n, rng)
            u = darcy.solve(a, 1.0)
            w.append(float(i), permeability=a, pressure=u)
    plot_fields(out / "sample.png", {"permeability": a, "pressure": u}, extent=[0, 1, 0, 1], cmap="viridis")
    return finish(out, cfg, t0, {"n": n, "samples": count, "pressure_max_last": float(u.max())})
