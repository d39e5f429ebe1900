"""``sciml run experiment=euler_sod``: a Riemann problem (Sod's by default) with WENO5, against the exact solution.

Settings: the ``euler`` config node (:class:`RiemannSettings`): grid, flux, CFL number and the two
states. Writes ``snapshots.h5``, ``density.png``, ``velocity.png``, ``pressure.png`` and
``metrics.json`` (L1 errors against the exact solution, the star-region pressure and velocity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from sciml.config import check_choice, check_range, settings
from sciml.data import SnapshotWriter
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_lines, start_run
from solvers.grid.euler import FLUXES, EulerState, max_stable_dt, primitive, riemann_initial, step
from solvers.reference import riemann_sample, star_state


@dataclass(frozen=True)
class RiemannSettings:
    """Primitive states ``left``/``right`` = ``(ρ, u, p)`` meeting at ``x0`` on ``[0, 1]`` (``n`` cells), run to
    ``t_end`` with ``flux`` at Courant number ``cfl``. Defaults: Sod's shock tube (Toro 2009, Table 4.3)."""

    n: int = 400
    t_end: float = 0.2
    flux: str = "hllc"
    cfl: float = 0.5
    x0: float = 0.5
    gamma: float = 1.4
    left: tuple[float, float, float] = (1.0, 0.0, 1.0)
    right: tuple[float, float, float] = (0.125, 0.0, 0.1)
    snapshot_every: int = 20

    def __post_init__(self):
        check_range("n", self.n, low=10, integer=True, meaning="cells")
        check_range("t_end", self.t_end, low=0, low_open=True)
        check_choice("flux", self.flux, sorted(FLUXES))
        check_range(
            "cfl", self.cfl, low=0, high=1, low_open=True, meaning="Courant number; SSPRK3 + WENO5 needs <~ 0.5"
        )
        check_range("x0", self.x0, low=0, high=1, low_open=True, high_open=True)
        check_range("gamma", self.gamma, low=1, low_open=True, meaning="ratio of specific heats")
        for side in ("left", "right"):
            w = getattr(self, side)
            if len(w) != 3:
                raise ValueError(f"{side} must be [density, velocity, pressure], got {list(w)}.")
            check_range(f"{side}[0] (density)", w[0], low=0, low_open=True)
            check_range(f"{side}[2] (pressure)", w[2], low=0, low_open=True)
        check_range("snapshot_every", self.snapshot_every, low=1, integer=True)


def _star_region(exact_p: np.ndarray, p_star: float, margin: int = 5) -> np.ndarray:
    """Cells where the exact pressure is p*, at least ``margin`` cells away from any wave."""
    mask = np.abs(exact_p - p_star) <= 1e-9 * max(1.0, abs(p_star))
    for _ in range(margin):
        mask = mask & np.roll(mask, 1) & np.roll(mask, -1)
    return mask


def run(cfg, out_dir="."):
    """March to ``t_end`` at the CFL-limited step and compare with the exact Riemann solution."""
    p = settings(cfg.euler, RiemannSettings)
    out, t0 = start_run(cfg, out_dir)
    U, dx = riemann_initial(p.n, p.left, p.right, p.x0, p.gamma)
    s = EulerState(U)
    bar = tqdm(desc=f"riemann {p.flux}", unit="step", disable=not cfg.trainer.progress_bar)
    with SnapshotWriter(out / "snapshots.h5", {"solver": f"euler_weno5_{p.flux}", "n": p.n}) as w:
        w.append(0.0, primitive=primitive(s.U, p.gamma)[0])
        while s.t < p.t_end - 1e-12:
            dt = min(max_stable_dt(s.U, dx, p.cfl, p.gamma, step=s.steps), p.t_end - s.t)
            s = step(s, dt, dx, p.flux, p.gamma)
            bar.update(1)
            if s.steps % p.snapshot_every == 0:
                w.append(s.t, primitive=primitive(s.U, p.gamma)[0])
        w.append(s.t, primitive=primitive(s.U, p.gamma)[0])
    bar.close()
    x = (np.arange(p.n) + 0.5) * dx
    W = primitive(s.U, p.gamma)[0].numpy()
    ex = riemann_sample(p.left, p.right, x, s.t, p.x0, p.gamma)
    star = star_state(p.left, p.right, p.gamma)
    plateau = _star_region(ex[2], star.p)
    for i, name in enumerate(("density", "velocity", "pressure")):
        plot_lines(out / f"{name}.png", x, {"exact": ex[i], f"WENO5-{p.flux}": W[i]}, "x", name)
    metrics = {
        "n": p.n,
        "flux": p.flux,
        "steps": s.steps,
        "l1_density_error": float(np.abs(W[0] - ex[0]).mean()),
        "l1_velocity_error": float(np.abs(W[1] - ex[1]).mean()),
        "l1_pressure_error": float(np.abs(W[2] - ex[2]).mean()),
        "p_star_exact": star.p,
        "u_star_exact": star.u,
    }
    if plateau.any():
        metrics.update(p_star=float(W[2][plateau].mean()), u_star=float(W[1][plateau].mean()))
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"euler": RiemannSettings},
    description="1-D Euler Riemann problem (Sod by default), WENO5 + HLLC/HLLE/Roe, vs exact",
)
