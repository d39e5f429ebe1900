"""Reference for the cylinder-wake PINN: velocity snapshots from our penalised spectral solver.

``points()`` are ``(x, y, t)`` on the snapshot grid (every ``stride_xy``-th node, every
``stride_t``-th snapshot) and ``solution()`` the velocity ``(u, v)`` there; ``output_columns = (0, 1)``
compares the network's ``u, v`` only (its pressure carries an arbitrary constant).
"""

from __future__ import annotations

import numpy as np


class CylinderWakeReference:
    """Velocity snapshots of ``snapshots`` (an HDF5 file from
    :func:`solvers.grid.navier_stokes.wake_data.wake_snapshots`,
    made with ``generator`` arguments if missing) as an evaluation reference."""

    output_columns = (0, 1)

    def __init__(self, snapshots: str, stride_xy: int = 2, stride_t: int = 10, **generator):
        from sciml.config import launch_path

        path = launch_path(snapshots)
        self.path, self.stride_xy, self.stride_t, self.generator = path, int(stride_xy), int(stride_t), generator
        self._data = None

    def _load(self):
        if self._data is None:
            from solvers.grid.navier_stokes.wake_data import read_wake, wake_snapshots

            if not self.path.exists():
                wake_snapshots(self.path, **self.generator)
            w = read_wake(self.path)
            sx, st = self.stride_xy, self.stride_t
            x, y, t = w["x"][::sx], w["y"][::sx], w["t"][::st]
            tt, xx, yy = np.meshgrid(t, x, y, indexing="ij")
            pts = np.stack([xx.ravel(), yy.ravel(), tt.ravel()], 1).astype(np.float64)
            sol = np.stack([w["u"][::st, ::sx, ::sx].ravel(), w["v"][::st, ::sx, ::sx].ravel()], 1).astype(np.float64)
            self._data = (pts, sol)
        return self._data

    def points(self) -> np.ndarray:
        """Space-time points ``[P, 3]`` of the strided snapshots."""
        return self._load()[0]

    def solution(self, points: np.ndarray) -> np.ndarray:
        """Velocities ``[P, 2]`` at :meth:`points` (tabulated: pass them unchanged)."""
        pts, sol = self._load()
        if points.shape != pts.shape:
            raise ValueError(
                "CylinderWakeReference.solution is tabulated on its snapshot grid; pass points() unchanged."
            )
        return sol
