"""``sciml run experiment=euler_sod``: Sod's shock tube with WENO5 + HLLC/Roe, against the exact solution."""
from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from sciml.data import SnapshotWriter
from solvers.euler import EulerState, max_stable_dt, primitive, sod_initial, step
from solvers.experiments.common import finish, plot_lines, start
from solvers.reference import riemann_sample, star_state


def run(cfg, out_dir="."):
    out, p, t0 = start(cfg, out_dir)
    n, t_end, flux, cfl = int(p["n"]), float(p["t_end"]), str(p.get("flux", "hllc")), float(p.get("cfl", 0.5))
    U, dx = sod_initial(n)
    s = EulerState(U)
    bar = tqdm(desc=f"sod {flux}", unit="step", disable=not cfg.trainer.progress_bar)
    with SnapshotWriter(out / "snapshots.h5", {"solver": f"euler_weno5_{flux}", "n": n}) as w:
        w.append(0.0, primitive=primitive(s.U)[0])
        k = 0
        while s.t < t_end - 1e-12:
            s = step(s, min(max_stable_dt(s.U, dx, cfl), t_end - s.t), dx, flux)
            k += 1
            bar.update(1)
            if k % 20 == 0:
                w.append(s.t, primitive=primitive(s.U)[0])
        w.append(s.t, primitive=primitive(s.U)[0])
    bar.close()
    x = (np.arange(n) + 0.5) * dx
    W = primitive(s.U)[0].numpy()
    left, right = (1.0, 0.0, 1.0), (0.125, 0.0, 0.1)
    ex = riemann_sample(left, right, x, s.t)
    star = star_state(left, right)
    plateau = (x > 0.5 + 0.6 * star.u * s.t) & (x < 0.5 + 0.8 * star.u * s.t)
    for i, name in enumerate(("density", "velocity", "pressure")):
        plot_lines(out / f"{name}.png", x, {"exact": ex[i], f"WENO5-{flux}": W[i]}, "x", name)
    return finish(out, cfg, t0, {"n": n, "flux": flux, "steps": k, "l1_density_error": float(np.abs(W[0] - ex[0]).mean()),
                                 "p_star": float(W[2][plateau].mean()), "p_star_exact": star.p,
                                 "u_star": float(W[1][plateau].mean()), "u_star_exact": star.u})
