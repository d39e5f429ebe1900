"""Power radiated by a point source, the local density of states it sees, and Purcell factors.

A soft :class:`~physics.maxwell.PointSource` on an E component adds ``s(t − Δt/2)`` to that field each step, which
is the update of a current density ``J = −ε₀ s/Δt`` over one cell: a current element of moment
``I = J Δx^{D−1}`` (A; times the cell's length ``Δx`` it is the dipole moment rate in 3-D; in 2-D it is a line
current). The power it delivers to the fields is

    P(ω) = −½ Re[E(ω) · J*(ω)] Δx^D,

the work done against the field at the source (the LDOS is ``∝ P/|J|²``). With the same source in two structures,
``P/P₀`` is the Purcell factor. Spectra use the DFT convention of :mod:`.monitors` (``∫ f e^{−iωt} dt``), so ``P``
is in W (per metre of z in 2-D) per Hz², like :func:`~solvers.fdtd.monitors.poynting_flux`; ratios are unit-free.
The record needs a :class:`DFTMonitor` on the source cell (:func:`source_monitor`), and the run's step count.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from physics.maxwell import EPS0, PointSource
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.monitors import DFTMonitor


def _check(source) -> None:
    if not isinstance(source, PointSource) or source.hard or source.component[0] != "e":
        raise ValueError(
            "dipole power needs a soft PointSource on an E component (ex, ey or ez); a hard source sets the field "
            "instead of driving a current, and an H source is a magnetic current."
        )


def source_monitor(source: PointSource, frequencies, name: str = "dipole") -> DFTMonitor:
    """A DFT monitor of the source's own component at its cell."""
    _check(source)
    i, j, k = (int(p) for p in source.position)
    return DFTMonitor(tuple(float(f) for f in frequencies), (source.component,), (i, j, k), name)


def source_current(source: PointSource, grid: YeeGrid, frequencies, steps: int) -> Tensor:
    """The DFT of the current density ``J(ω)`` the source drives (A/m² per Hz), ``[n_freq]`` complex."""
    _check(source)
    dt = grid.time_step
    t = (torch.arange(steps, dtype=torch.float64) + 0.5) * dt  # soft sources act at the centre of each step
    s = torch.as_tensor(source.profile(t), dtype=torch.float64).detach()
    w = 2 * math.pi * torch.as_tensor(np.asarray(frequencies, dtype=np.float64))
    spectrum = (s[None, :] * torch.exp(-1j * w[:, None] * t[None, :])).sum(-1) * dt
    return -EPS0 * spectrum / dt


def dipole_power(dft: dict, source: PointSource, grid: YeeGrid, frequencies, steps: int) -> Tensor:
    """``P(ω) = −½ Re[E J*] Δx^D`` from the source monitor's record ``result.dft[name]``: ``[n_freq]``."""
    e = dft[source.component].reshape(len(frequencies)).to(torch.complex128)
    j = source_current(source, grid, frequencies, steps)
    return -0.5 * (e * j.conj()).real * grid.dx ** max(grid.ndim, 1)


__all__ = ["dipole_power", "source_current", "source_monitor"]
