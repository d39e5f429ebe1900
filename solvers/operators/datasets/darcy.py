"""Darcy flow dataset: ``-∇·(a ∇u) = 1`` on ``[0,1]²``, ``u = 0`` on the boundary (Li et al. 2021).

``a`` is a thresholded Gaussian random field (``ψ ~ N(0, (-Δ + 9I)^{-2})``, Neumann),
``a = 12`` where ``ψ ≥ 0`` and ``3`` elsewhere ("thresholded GRF"), or a piecewise-constant
field on a coarse random checkerboard. Solved with our finite-volume solver at
``solve_resolution`` (e.g. 421) and subsampled to ``resolution`` (e.g. 85), or directly.
"""

from __future__ import annotations

import numpy as np

from sciml.data import FieldSpec, Schema
from sciml.plugins import DatasetGenerator
from solvers.grid.darcy import solve
from solvers.operators.datasets.random_fields import gaussian_random_field


def permeability(
    n: int,
    rng: np.random.Generator,
    kind: str = "thresholded_grf",
    high: float = 12.0,
    low: float = 3.0,
    blocks: int = 4,
) -> np.ndarray:
    """A random ``[n, n]`` permeability (``kind``: ``thresholded_grf`` or ``piecewise_constant``)."""
    if kind == "thresholded_grf":
        psi = gaussian_random_field((n, n), rng, alpha=2.0, tau=3.0, boundary="neumann")
        return np.where(psi >= 0, high, low)
    if kind == "piecewise_constant":
        vals = rng.uniform(low, high, size=(blocks, blocks))
        idx = np.minimum((np.arange(n) * blocks) // n, blocks - 1)
        return vals[np.ix_(idx, idx)]
    raise ValueError(f"permeability kind {kind!r}; use 'thresholded_grf' or 'piecewise_constant'.")


def schema(resolution: int, kind: str, **_) -> Schema:
    """Schema for the resolved generator parameters (other parameters are ignored)."""
    return Schema(
        (
            FieldSpec("permeability", (resolution, resolution), "float32", "1", "a(x) at cell centres"),
            FieldSpec("pressure", (resolution, resolution), "float32", "1", "u(x) at cell centres"),
        ),
        metadata=("seed_index",),
        description=f"Darcy flow, -div(a grad u) = 1, u = 0 on the boundary; {kind} a",
        attrs={"pde": "darcy", "source": 1.0, "permeability": kind},
    )


def samples(
    indices: list[int],
    seed: int,
    resolution: int = 85,
    solve_resolution: int | None = None,
    kind: str = "thresholded_grf",
) -> dict[str, np.ndarray]:
    """Samples ``indices``, each from its own RNG stream ``(seed, index)``, so any split of work gives the same
    data."""
    fine = solve_resolution or resolution
    if (fine - 1) % (resolution - 1) and fine != resolution:
        raise ValueError(f"solve_resolution {fine} must be (resolution-1)·k + 1 for subsampling to {resolution}.")
    step = 1 if fine == resolution else (fine - 1) // (resolution - 1)
    a_out, u_out = [], []
    for i in indices:
        rng = np.random.default_rng([seed, i])
        a = permeability(fine, rng, kind)
        u = solve(a, 1.0)
        a_out.append(a[::step, ::step])
        u_out.append(u[::step, ::step])
    return {"permeability": np.stack(a_out), "pressure": np.stack(u_out), "seed_index": np.asarray(indices, float)}


GENERATOR = DatasetGenerator(
    schema=schema, samples=samples, description="Darcy flow, thresholded-GRF permeability -> pressure (Li et al. 2021)"
)
