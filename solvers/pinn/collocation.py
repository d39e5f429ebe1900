"""Collocation points: where the PINN residual is evaluated, and how those points change during training.

- :class:`Sampling`: counts per region, the sampler, the seed, the redraw period and focus points
  (the ``sampling`` config node).
- :func:`sample_points`: one draw from a geometry (``[N, D]`` tensors per region).
- :class:`CollocationSet`: the points a run trains on now. It is the one piece of training state that
  changes in place, explicitly: redraws copy into the same tensors (a compiled loss keeps working),
  refinement swaps in a larger interior.
- :class:`Resampler`: redraws the interior every ``resample_every`` steps, but never before an L-BFGS
  step: a quasi-Newton method needs one fixed objective (:func:`resample_step`).
- :class:`ResidualAdaptiveRefinement`: RAR (Lu, Meng, Mao & Karniadakis 2021): every ``every`` steps add
  the ``add`` worst of ``candidates`` random interior points.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch
from torch import Tensor

from sciml.config import check_choice, check_range
from sciml.distributed import SINGLE, shard_rows
from sciml.geometry.sampling import SAMPLERS
from sciml.training import Callback

SAMPLING_METHODS = tuple(SAMPLERS)


@dataclass(frozen=True)
class Sampling:
    """Collocation counts per region, the sampler and an optional resampling period.

    ``n_focus`` extra interior points come from the problem's ``sample_focus(n, geometry, seed)`` (for example
    concentrated around a point source, as MindElec samples its source region separately); they join the
    interior points, so the residual there counts more.
    """

    n_interior: int = 2540
    n_boundary: int = 80
    n_initial: int = 160
    method: str = "random"
    seed: int = 0
    resample_every: int = 0
    n_focus: int = 0

    def __post_init__(self):
        check_range("n_interior", self.n_interior, low=1, integer=True, meaning="interior collocation points")
        check_range("n_boundary", self.n_boundary, low=0, integer=True)
        check_range("n_initial", self.n_initial, low=0, integer=True)
        check_choice("method", self.method, SAMPLING_METHODS)
        check_range("resample_every", self.resample_every, low=0, integer=True, meaning="0 keeps the points fixed")
        check_range("n_focus", self.n_focus, low=0, integer=True)


@dataclass(frozen=True)
class CollocationPoints:
    """Tensors of points ``[N, D]`` per region (and outward unit normals ``[N_b, D]`` on the boundary)."""

    interior: Tensor
    boundary: Tensor | None = None
    normals: Tensor | None = None
    initial: Tensor | None = None


def sample_points(geometry, sampling: Sampling, device, dtype, seed: int, problem=None) -> CollocationPoints:
    """Draw collocation points from ``geometry`` (a :class:`~sciml.geometry.SpaceTime` or a shape); with
    ``sampling.n_focus > 0`` also ``problem.sample_focus(n_focus, geometry, seed)``, appended to the interior."""

    def as_t(a):
        return torch.as_tensor(np.asarray(a), dtype=dtype, device=device)

    interior = as_t(geometry.sample_interior(sampling.n_interior, sampling.method, seed))
    if sampling.n_focus > 0:
        if not hasattr(problem, "sample_focus"):
            raise ValueError(
                f"sampling.n_focus={sampling.n_focus} asks the problem for focus points, but {problem!r} "
                "has no sample_focus(n, geometry, seed); set sampling.n_focus=0."
            )
        interior = torch.cat([interior, as_t(problem.sample_focus(sampling.n_focus, geometry, seed + 3))])
    boundary = normals = initial = None
    if sampling.n_boundary > 0:
        b, n = geometry.sample_boundary(sampling.n_boundary, sampling.method, seed + 1)
        boundary, normals = as_t(b), as_t(n)
    if sampling.n_initial > 0 and hasattr(geometry, "sample_initial"):
        initial = as_t(geometry.sample_initial(sampling.n_initial, sampling.method, seed + 2))
    return CollocationPoints(interior, boundary, normals, initial)


def available_memory_bytes(device: torch.device) -> int | None:
    """Free memory on ``device`` (CUDA: ``mem_get_info``; CPU: the kernel's available pages), or ``None``."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(n_points: int, network, n_inputs: int, device: torch.device, dtype: torch.dtype) -> None:
    """Refuse (``MemoryError``, naming ``sampling.n_interior``) a point count whose loss cannot fit in memory.

    Estimate: every hidden layer keeps ``width`` activations per point for the value and each first and
    second derivative direction (``1 + 2D`` jets), twice over for the backward pass.
    """
    width = int(getattr(network, "_spec", {}).get("width", 64)) if hasattr(network, "_spec") else 64
    depth = int(getattr(network, "_spec", {}).get("depth", 4)) if hasattr(network, "_spec") else 4
    itemsize = torch.finfo(dtype).bits // 8
    need = n_points * width * (depth + 1) * (1 + 2 * n_inputs) * itemsize * 4
    have = available_memory_bytes(device)
    if have is not None and need > have:
        raise MemoryError(
            f"sampling.n_interior = {n_points} collocation points need about {need / 2**30:.1f} GiB for "
            f"one loss evaluation (width {width}, depth {depth}, {n_inputs} inputs), but only "
            f"{have / 2**30:.1f} GiB is available on {device}. Lower sampling.n_interior (tens of "
            "thousands are typical) or use a smaller network."
        )


class CollocationSet:
    """The collocation points a run trains on now (``.points``), drawn from ``geometry`` with ``sampling``.

    Every rank of a distributed run draws the same global set and keeps rows ``rank::world_size``.
    """

    def __init__(self, geometry, sampling: Sampling, device, dtype, problem=None, distributed=None):
        self.geometry, self.sampling, self.device, self.dtype = geometry, sampling, device, dtype
        self.problem, self.distributed = problem, distributed or SINGLE
        pts = sample_points(geometry, sampling, device, dtype, sampling.seed, problem)
        ctx = self.distributed
        self.points = CollocationPoints(
            shard_rows(pts.interior, ctx, "interior points (sampling.n_interior)"),
            shard_rows(pts.boundary, ctx, "boundary points (sampling.n_boundary)"),
            shard_rows(pts.normals, ctx, "boundary normals"),
            shard_rows(pts.initial, ctx, "initial points (sampling.n_initial)"),
        )

    def redraw_interior(self, step: int) -> None:
        """Redraw the interior points as a run does after ``step`` (in place, so a compiled loss keeps working)."""
        new = sample_points(
            self.geometry, self.sampling, self.device, self.dtype, self.sampling.seed + 1000 * step, self.problem
        )
        self.points.interior.copy_(shard_rows(new.interior, self.distributed, "interior points"))

    def add_interior(self, new: Tensor) -> None:
        """Append points ``[K, D]`` to the interior (a new tensor: a compiled loss recompiles for the new size)."""
        self.points = replace(self.points, interior=torch.cat([self.points.interior, new]))


def resample_step(trainer, step: int, period: int) -> int | None:
    """The step after which the points in use after ``step`` were drawn (``None``: the initial draw).

    Points are redrawn after every ``period``-th step, except before an L-BFGS step: a quasi-Newton method needs
    one fixed objective, and a new draw under its curvature memory sends the line search far off (NaN).
    """
    for r in range(step - step % period, 0, -period):
        if trainer.phases[trainer.phase_index_at(r)].optimizer != "lbfgs":
            return r
    return None


class Resampler(Callback):
    """Redraw the interior points after every ``period``-th step (not before an L-BFGS step)."""

    def __init__(self, collocation: CollocationSet, period: int):
        self.collocation, self.period = collocation, period

    def on_step_end(self, trainer, record):
        """Redraw after every ``period``-th step, unless the next step is L-BFGS's."""
        if record.step % self.period == 0 and resample_step(trainer, record.step, self.period) == record.step:
            self.collocation.redraw_interior(record.step)


class ResidualAdaptiveRefinement(Callback):
    """Add the ``add`` worst of ``candidates`` random interior points every ``every`` steps.

    ``residual_magnitude(x [N, D]) -> [N]`` is ``Σ_k |r_k(x)|`` at the current parameters. During an L-BFGS phase
    the refinement changes the objective, so it also clears the optimiser's curvature memory.
    """

    def __init__(
        self,
        collocation: CollocationSet,
        residual_magnitude: Callable[[Tensor], Tensor],
        every: int,
        candidates: int = 10000,
        add: int = 100,
    ):
        if add > candidates:
            raise ValueError(f"RAR adds {add} points but draws only {candidates} candidates.")
        self.collocation, self.residual_magnitude = collocation, residual_magnitude
        self.every, self.candidates, self.add = every, candidates, add
        self.added: list[Tensor] = []

    def refine(self, step: int) -> Tensor:
        """Draw the candidates of ``step``, add the worst ``add`` of them; returns the added points ``[add, D]``."""
        c = self.collocation
        cand = torch.as_tensor(
            c.geometry.sample_interior(self.candidates, "random", c.sampling.seed + 7919 * step),
            dtype=c.dtype,
            device=c.device,
        )
        worst = torch.topk(self.residual_magnitude(cand), self.add).indices
        new = cand[worst]
        c.add_interior(new)
        self.added.append(new)
        return new

    def on_step_end(self, trainer, record):
        """Refine every ``every`` steps (and clear L-BFGS memory in an L-BFGS phase)."""
        if record.step % self.every == 0 and record.step < trainer.total_steps:
            self.refine(record.step)
            phase = trainer.current_phase
            if phase is not None and phase.optimizer == "lbfgs":
                trainer.reset_optimizer_memory("RAR added collocation points")


__all__ = [
    "Sampling",
    "SAMPLING_METHODS",
    "CollocationPoints",
    "sample_points",
    "CollocationSet",
    "resample_step",
    "Resampler",
    "ResidualAdaptiveRefinement",
    "check_memory",
    "available_memory_bytes",
]
