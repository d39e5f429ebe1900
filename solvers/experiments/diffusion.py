"""``sciml run experiment=heat_methods``: periodic heat equation by explicit, implicit and Fourier steps,
each compared with the exact decay of a two-mode initial field."""
from __future__ import annotations

import math

import torch

from sciml.data import SnapshotWriter
from solvers.diffusion import explicit, fourier, implicit
from solvers.experiments.common import finish, plot_fields, start


def run(cfg, out_dir="."):
    out, p, t0 = start(cfg, out_dir)
    n, nu, dt, steps = int(p["n"]), float(p["nu"]), float(p["dt"]), int(p["steps"])
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
    exact = (torch.sin(X) * torch.cos(2 * Y) * math.exp(-5 * nu * t) + 0.5 * torch.cos(3 * X) * math.exp(-9 * nu * t))
    errs = {name: float((u[0, 0] - exact).abs().max()) for name, u in (("explicit_rk4_fd4", ue), ("implicit_euler_cg", ui),
                                                                        ("fourier_exact", uf))}
    plot_fields(out / "heat.png", {"exact": exact.numpy(), "explicit − exact": (ue[0, 0] - exact).numpy(),
                                   "implicit − exact": (ui[0, 0] - exact).numpy()}, extent=[0, 2 * math.pi, 0, 2 * math.pi])
    return finish(out, cfg, t0, {"t_end": t, "n": n, **{f"max_error_{k}": v for k, v in errs.items()}})
