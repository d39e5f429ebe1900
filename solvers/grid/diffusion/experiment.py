"""``sciml run experiment=heat_methods``: periodic heat equation by explicit, implicit and Fourier steps,
each compared with the exact decay of a two-mode initial field."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from sciml.config import check_range, settings
from sciml.data import SnapshotWriter
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_fields, start_run
from solvers.grid.diffusion import explicit, fourier, implicit


@dataclass(frozen=True)
class DiffusionSettings:
    """``u_t = ν Δu`` on the periodic square ``[0, 2π)²`` with ``n × n`` points, ``steps`` steps of ``dt``."""

    n: int = 64
    nu: float = 0.1
    dt: float = 1.0e-3
    steps: int = 500

    def __post_init__(self):
        check_range("n", self.n, low=4, integer=True)
        check_range("nu", self.nu, low=0, low_open=True, meaning="diffusivity")
        check_range("dt", self.dt, low=0, low_open=True)
        check_range("steps", self.steps, low=1, integer=True)


def run(cfg, out_dir="."):
    """Advance the three schemes side by side and compare each with the exact decay; returns the metrics."""
    p = settings(cfg.diffusion, DiffusionSettings)
    out, t0 = start_run(cfg, out_dir)
    n, nu, dt, steps = p.n, p.nu, p.dt, p.steps
    dx = 2 * math.pi / n
    x = torch.arange(n, dtype=torch.float64) * dx
    X, Y = torch.meshgrid(x, x, indexing="ij")
    u0 = (torch.sin(X) * torch.cos(2 * Y) + 0.5 * torch.cos(3 * X))[None, None]
    ue = ui = uf = u0
    with SnapshotWriter(out / "snapshots.h5", {"solver": "heat_methods", "nu": nu, "dt": dt, "n": n}) as w:
        for k in range(1, steps + 1):
            ue = explicit.step(ue, dt, dx, nu, order=4, method="rk4")
            ui = implicit.step(ui, dt, dx, nu)
            uf = fourier.step(uf, dt, dx, nu)
            if k % max(1, steps // 10) == 0 or k == steps:
                w.append(k * dt, explicit=ue[0, 0], implicit=ui[0, 0], fourier=uf[0, 0])
    t = steps * dt
    exact = torch.sin(X) * torch.cos(2 * Y) * math.exp(-5 * nu * t) + 0.5 * torch.cos(3 * X) * math.exp(-9 * nu * t)
    errs = {
        name: float((u[0, 0] - exact).abs().max())
        for name, u in (("explicit_rk4_fd4", ue), ("implicit_euler_cg", ui), ("fourier_exact", uf))
    }
    plot_fields(
        out / "heat.png",
        {
            "exact": exact.numpy(),
            "explicit − exact": (ue[0, 0] - exact).numpy(),
            "implicit − exact": (ui[0, 0] - exact).numpy(),
        },
        extent=[0, 2 * math.pi, 0, 2 * math.pi],
    )
    return finish_run(out, cfg, t0, {"t_end": t, "n": n, **{f"max_error_{k}": v for k, v in errs.items()}})


EXPERIMENT = Experiment(
    run=run,
    nodes={"diffusion": DiffusionSettings},
    description="periodic heat equation: explicit, implicit (CG) and Fourier steps vs exact",
)
