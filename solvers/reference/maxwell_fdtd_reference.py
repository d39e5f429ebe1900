"""FDTD reference for the 2-D TE point-source Maxwell PINN
(:class:`physics.maxwell.point_source_pde.Maxwell2DPointSource`).

Our Yee solver runs the same problem in SI with ``L = 1 m``: normalised time ``t = c·t_SI``, ``H_norm = η0 H_SI``,
and the magnetic current ``M`` enters as the soft source ``Hz += −(Δt/μ0) M``. The unit square is surrounded
by ``pad`` of vacuum and a CPML, so the reference is the open-domain solution (the PINN's Mur conditions
approximate it). Fields are compared at the Hz positions (cell centres; E averaged from its two
neighbours, H averaged over the two half steps around the sample time). Against the exact solution
(:mod:`.maxwell_point_source_exact`) the reference is second order: relative L2 4.7e-3 at 100 cells, 1.2e-3 at 200.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from physics.maxwell import C0, ETA0, MU0, DistributedSource, Materials
from solvers.fdtd import YeeGrid, coefficients, init_state, step


class MaxwellFDTDReference:
    """``points()`` ``(x, y, t)`` on a ``stride``-subsampled grid of the unit square at ``times``; ``solution()``
    ``(Ex, Ey, Hz)`` there."""

    def __init__(
        self,
        problem,
        cells: int = 100,
        pad: float = 0.3,
        pml_cells: int = 12,
        stride: int = 2,
        times=(0.2, 0.4, 0.6, 0.8, 1.0),
    ):
        self.p, self.cells, self.pad, self.pml, self.stride = (
            problem,
            int(cells),
            float(pad),
            int(pml_cells),
            int(stride),
        )
        self.times = tuple(float(t) for t in times)
        self._data = None

    def _run(self):
        p, n = self.p, self.cells
        dx = 1.0 / n
        npad = int(round(self.pad * n)) + self.pml
        N = n + 2 * npad
        grid = YeeGrid((N, N, 1), dx, ("pml", "pml", "periodic"), pml_cells=self.pml, courant=0.5)
        co = coefficients(grid, Materials(), dtype=torch.float64)
        dt = grid.time_step
        c = (torch.arange(N, dtype=torch.float64) + 0.5 - npad) * dx  # Hz positions (cell centres) in the unit frame
        X, Y = torch.meshgrid(c, c, indexing="ij")
        gauss = torch.exp(-((X - p.x0) ** 2 + (Y - p.y0) ** 2) / (2 * p.width**2)) / (2 * math.pi * p.width**2)
        src = DistributedSource((-(dt / MU0) * gauss)[..., None], lambda t: p.pulse(C0 * t), "hz")
        targets = [int(round(t / (C0 * dt))) for t in self.times]
        s = init_state(co, torch.float64)
        frames = {}
        for k in range(1, max(targets) + 2):
            s_new = step(s, co, [src])
            if k - 1 in targets:  # s holds E at step k−1; H at k−3/2 (prev) and k−1/2 (s_new)
                frames[k - 1] = (
                    s.fields["ex"][..., 0],
                    s.fields["ey"][..., 0],
                    0.5 * (s.fields["hz"][..., 0] + s_new.fields["hz"][..., 0]),
                )
            s = s_new
        pts, sol = [], []
        sl = slice(npad, npad + n, self.stride)
        for k in targets:
            ex, ey, hz = frames[k]
            ex_c = 0.5 * (ex + torch.roll(ex, -1, 1))  # Ex (i+½, j) → (i+½, j+½)
            ey_c = 0.5 * (ey + torch.roll(ey, -1, 0))  # Ey (i, j+½) → (i+½, j+½)
            xs, ys = X[sl, sl], Y[sl, sl]
            pts.append(torch.stack([xs.ravel(), ys.ravel(), torch.full_like(xs.ravel(), k * dt * C0)], 1))
            sol.append(torch.stack([ex_c[sl, sl].ravel(), ey_c[sl, sl].ravel(), ETA0 * hz[sl, sl].ravel()], 1))
        self._data = (torch.cat(pts).numpy(), torch.cat(sol).numpy())

    def points(self) -> np.ndarray:
        """Space-time points ``[P, 3]`` (the FDTD is run on first use)."""
        if self._data is None:
            self._run()
        return self._data[0]

    def solution(self, points: np.ndarray) -> np.ndarray:
        """``(Ex, Ey, Hz)`` ``[P, 3]`` at :meth:`points` (tabulated: pass them unchanged)."""
        if self._data is None:
            self._run()
        if points.shape != self._data[0].shape:
            raise ValueError("MaxwellFDTDReference.solution is tabulated on its own points; pass points() unchanged.")
        return self._data[1]

    def metrics(self, predict) -> dict[str, float]:
        """Relative L2 error per component (MindElec reports Ex, Ey and Hz separately): ``rel_l2_*`` against this
        FDTD solution, ``exact_rel_l2_*`` against the exact open-domain solution
        (:mod:`.maxwell_point_source_exact`), and ``fdtd_rel_l2_*``, the FDTD solution's own error."""
        from solvers.reference.maxwell_point_source_exact import point_source_fields

        pts, ref = self.points(), self._data[1]
        pred, exact = predict(pts), point_source_fields(self.p, pts)
        rel = lambda a, b, k: float(np.linalg.norm(a[:, k] - b[:, k]) / np.linalg.norm(b[:, k]))
        out = {}
        for k, n in enumerate(("Ex", "Ey", "Hz")):
            out[f"rel_l2_{n}"] = rel(pred, ref, k)
            out[f"exact_rel_l2_{n}"] = rel(pred, exact, k)
            out[f"fdtd_rel_l2_{n}"] = rel(ref, exact, k)
        return out
