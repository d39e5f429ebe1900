"""Point samplers on the unit hypercube ``[0, 1)^d``.

``uniform`` (a tensor-product grid), ``random`` (i.i.d.), ``lhs`` (Latin hypercube: one point in each of
the ``n`` equal strata of every axis), ``sobol`` (scrambled Sobol' sequence, ``torch.quasirandom.SobolEngine``;
Owen 1998 scrambling, Joe & Kuo 2008 direction numbers) and ``halton`` (scrambled Halton sequence from
``scipy.stats.qmc``, imported only when asked for: ``scipy.stats`` takes ~0.7 s to import, a tenth of a
warm-started run's time to its first step).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

SAMPLERS = ("uniform", "random", "lhs", "sobol", "halton")


def check_method(method: str) -> str:
    """``method`` if it names a sampler, else a ``ValueError`` listing them."""
    if method not in SAMPLERS:
        raise ValueError(f"sampler {method!r} is not known. Expected one of {list(SAMPLERS)}.")
    return method


def sample_unit(n: int, dim: int, method: str = "random", seed: int | None = None) -> np.ndarray:
    """``n`` points in ``[0, 1)^dim``: ``[n, dim]`` float64.

    For ``uniform`` the grid has ``k = ceil(n^(1/dim))`` cell-centred nodes per axis and the
    first ``n`` nodes of a random permutation are returned, so the count is exact.
    """
    check_method(method)
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"number of points must be a non-negative integer, got {n!r}.")
    if n == 0:
        return np.zeros((0, dim))
    rng = np.random.default_rng(seed)
    if method == "random":
        return rng.random((n, dim))
    if method == "uniform":
        k = int(np.ceil(n ** (1.0 / dim) - 1e-9))
        axes = [(np.arange(k) + 0.5) / k] * dim
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, dim)
        if len(grid) > n:
            grid = grid[np.sort(rng.permutation(len(grid))[:n])]
        return grid
    if method == "lhs":  # stratum k of axis j holds exactly one point: (perm_j[i] + U) / n
        strata = np.stack([rng.permutation(n) for _ in range(dim)], axis=1)
        return (strata + rng.random((n, dim))) / n
    if method == "sobol":
        engine = torch.quasirandom.SobolEngine(dim, scramble=True, seed=int(rng.integers(2**31)))
        return engine.draw(n, dtype=torch.float64).numpy()
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return qmc.Halton(d=dim, scramble=True, seed=rng).random(n)


def rejection_sample(n, dim, lower, upper, accept, method="random", seed=None, max_rounds=50) -> np.ndarray:
    """``n`` points of the box ``[lower, upper]`` for which ``accept(points)`` is true.

    Draws batches from the chosen sampler and keeps accepted points in draw order, so a
    low-discrepancy sequence stays low-discrepancy within the accepted region.
    """
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    out: list[np.ndarray] = []
    have, batch = 0, max(2 * n, 64)
    for r in range(max_rounds):
        pts = lower + (upper - lower) * sample_unit(
            batch, dim, method if method != "uniform" or r == 0 else "random", None if seed is None else seed + r
        )
        keep = pts[accept(pts)]
        out.append(keep)
        have += len(keep)
        if have >= n:
            return np.concatenate(out)[:n]
        batch *= 2
    raise RuntimeError(
        f"Could only place {have} of {n} points after {max_rounds} rounds of rejection sampling; "
        "the region is (nearly) empty compared with its bounding box. Check the geometry."
    )
