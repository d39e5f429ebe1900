"""``sciml run experiment=ns2d_taylor_green`` (or ``ns2d_kolmogorov``): 2-D periodic Navier–Stokes.

Writes ``snapshots.h5`` (vorticity), ``vorticity.png``, ``vorticity.gif`` and ``metrics.json``
(for Taylor–Green: the max error against the exact solution at ``t_end``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from sciml.config import check_choice, check_range, settings
from sciml.data import SnapshotWriter
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_fields, save_animation, start_run
from sciml.runtime import resolve_device
from solvers.grid.navier_stokes import NSGrid, NSState, kolmogorov_forcing, max_velocity, step, taylor_green_vorticity
from solvers.time_integrators import check_cfl


@dataclass(frozen=True)
class NavierStokesSettings:
    """Vorticity form on the periodic square ``[0, 2π)²``, ``n × n`` modes, RK4 step ``dt`` to ``t_end``.

    ``initial``: ``taylor_green`` (exact decay; the error is reported) or ``random`` (a smooth random field, driven by
    Kolmogorov forcing ``forcing_amplitude · sin(forcing_k · y)``). A snapshot every ``snapshot_every`` steps
    (``None``: 50 in all).
    """

    n: int = 256
    nu: float = 0.01
    dt: float = 0.01
    t_end: float = 1.0
    initial: str = "taylor_green"
    forcing_amplitude: float = 1.0
    forcing_k: int = 4
    snapshot_every: int | None = None
    animation: bool = True

    def __post_init__(self):
        check_range("n", self.n, low=8, integer=True)
        check_range("nu", self.nu, low=0, low_open=True, meaning="viscosity")
        check_range("dt", self.dt, low=0, low_open=True)
        check_range("t_end", self.t_end, low=0, low_open=True)
        check_choice("initial", self.initial, ("taylor_green", "random"))
        check_range("forcing_k", self.forcing_k, low=1, integer=True)
        if self.snapshot_every is not None:
            check_range("snapshot_every", self.snapshot_every, low=1, integer=True)


def run(cfg, out_dir="."):
    """Integrate to ``t_end``; for Taylor–Green compare with the exact solution. Returns the metrics."""
    p = settings(cfg.navier_stokes, NavierStokesSettings)
    out, t0 = start_run(cfg, out_dir)
    device = resolve_device(str(cfg.device.value if hasattr(cfg.device, "value") else cfg.device))
    g = NSGrid(p.n, device=device)
    nu, dt, n_steps = p.nu, p.dt, int(round(p.t_end / p.dt))
    case = p.initial
    if case == "taylor_green":
        w0 = taylor_green_vorticity(g, 0.0, nu)
        forcing = None
    elif case == "random":
        gen = torch.Generator(device="cpu").manual_seed(int(cfg.seed))
        w0 = torch.randn(g.n, g.n, generator=gen, dtype=g.dtype).to(device)
        w0 = g.to_physical(g.to_spectral(w0) * torch.exp(-g.k2 / 16.0)) * 5
        forcing = kolmogorov_forcing(g, p.forcing_amplitude, p.forcing_k)
    s = NSState(g.to_spectral(w0)[None])
    check_cfl(max_velocity(g, s.w_hat), g.dx, dt, limit=1.0, scheme="RK4 pseudo-spectral NS")
    every = p.snapshot_every or max(1, n_steps // 50)
    frames, times = [], []
    with SnapshotWriter(out / "snapshots.h5", {"solver": "ns2d_spectral_vorticity", "nu": nu, "dt": dt, "n": g.n}) as w:
        w.append(0.0, vorticity=g.to_physical(s.w_hat)[0])
        for k in tqdm(range(1, n_steps + 1), desc="ns2d", unit="step", disable=not cfg.trainer.progress_bar):
            s = step(s, dt, g, nu, forcing)
            if k % every == 0 or k == n_steps:
                field = g.to_physical(s.w_hat)[0]
                if not bool(torch.isfinite(field).all()):
                    raise FloatingPointError(
                        f"vorticity became non-finite at step {k} (t={s.t:.4g}); the last good "
                        f"snapshot is in {w.partial}. Reduce navier_stokes.dt."
                    )
                w.append(s.t, vorticity=field)
                frames.append(field.cpu().numpy())
                times.append(s.t)
    final = g.to_physical(s.w_hat)[0]
    metrics = {"steps": n_steps, "n": g.n, "nu": nu, "dt": dt, "t_end": s.t, "device": str(device)}
    panels = {f"vorticity t={s.t:.3g}": final.cpu().numpy()}
    if case == "taylor_green":
        exact = taylor_green_vorticity(g, s.t, nu)
        metrics["max_abs_error"] = float((final - exact).abs().max())
        metrics["rel_l2"] = float(torch.linalg.norm(final - exact) / torch.linalg.norm(exact))
        panels["|error|"] = (final - exact).abs().cpu().numpy()
    plot_fields(out / "vorticity.png", panels, extent=[0, 2 * math.pi, 0, 2 * math.pi])
    if p.animation:
        save_animation(out / "vorticity.gif", frames, times, "vorticity")
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"navier_stokes": NavierStokesSettings},
    description="2-D periodic Navier–Stokes, pseudo-spectral vorticity (Taylor–Green, Kolmogorov)",
)
