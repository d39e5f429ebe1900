"""2-D Navier–Stokes vorticity dataset on the periodic unit square (Li et al. 2021, ν = 1e-3, T = 50).

    ∂ω/∂t + u·∇ω = ν Δω + f,   f = 0.1 (sin 2π(x+y) + cos 2π(x+y)),
    ω₀ ~ N(0, 7^{3/2} (-Δ + 49 I)^{-2.5})

Solved with our pseudo-spectral RK4 solver at ``resolution`` (64) with step ``dt``; the
vorticity is recorded every ``record_every`` time units (``T / record_every`` frames).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from sciml.data import FieldSpec, Schema
from sciml.plugins import DatasetGenerator
from solvers.grid.navier_stokes import NSGrid, NSState, step
from solvers.operators.datasets.random_fields import gaussian_random_field


def schema(resolution: int, nu: float, t_final: float, record_every: float, **_) -> Schema:
    """Schema for the resolved generator parameters: ``t_final / record_every`` recorded frames."""
    frames = int(round(t_final / record_every))
    return Schema(
        (
            FieldSpec("w0", (resolution, resolution), "float32", "1/s", "vorticity at t = 0"),
            FieldSpec("vorticity", (frames, resolution, resolution), "float32", "1/s", "ω at t = 1, 2, …, T"),
        ),
        metadata=("seed_index",),
        description=f"2-D Navier-Stokes vorticity, periodic unit square, nu={nu}",
        attrs={"pde": "navier_stokes_2d", "nu": nu},
    )


def samples(
    indices: list[int],
    seed: int,
    resolution: int = 64,
    nu: float = 1e-3,
    t_final: float = 50.0,
    record_every: float = 1.0,
    dt: float = 1e-2,
) -> dict[str, np.ndarray]:
    """Vorticity trajectories ``[T, n, n]`` for ``indices`` (random initial fields, fixed forcing)."""
    grid = NSGrid(resolution, length=1.0)
    x, y = grid.coordinates()
    forcing = grid.to_spectral(0.1 * (torch.sin(2 * math.pi * (x + y)) + torch.cos(2 * math.pi * (x + y))))
    w0 = np.stack(
        [
            gaussian_random_field(
                (resolution, resolution), np.random.default_rng([seed, i]), alpha=2.5, tau=7.0, sigma=7.0**1.5
            )
            for i in indices
        ]
    )
    state = NSState(grid.to_spectral(torch.from_numpy(w0)))
    per_frame = int(round(record_every / dt))
    frames = []
    for _ in range(int(round(t_final / record_every))):
        for _ in range(per_frame):
            state = step(state, dt, grid, nu, forcing)
        w = grid.to_physical(state.w_hat)
        if not torch.all(torch.isfinite(w)):
            raise FloatingPointError(f"NS samples {indices[0]}..{indices[-1]} blew up at t={state.t:g}; lower dt={dt}.")
        frames.append(w.numpy())
    return {"w0": w0, "vorticity": np.stack(frames, axis=1), "seed_index": np.asarray(indices, float)}


GENERATOR = DatasetGenerator(
    schema=schema,
    samples=samples,
    description="2-D Navier-Stokes vorticity trajectories on the periodic unit square (Li et al. 2021)",
)
