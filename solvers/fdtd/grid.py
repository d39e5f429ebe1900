"""The Yee grid: shape, cell size, time step and boundaries.

Fields live on a uniform grid of ``nx × ny × nz`` cells of size ``dx`` (metres). A 2-D problem uses
``nz = 1`` and a 1-D problem ``ny = nz = 1``; derivatives along a singleton axis vanish, so TE and TM
decouple on their own. Component positions (Yee 1966), in cells:
``Ex (i+½, j, k)``, ``Ey (i, j+½, k)``, ``Ez (i, j, k+½)``, ``Hx (i, j+½, k+½)``, ``Hy (i+½, j, k+½)``,
``Hz (i+½, j+½, k)``.

Boundaries per axis: ``"pec"`` (tangential E = 0 on both walls, the cavity is ``n·dx`` long),
``"periodic"``, or ``"pml"`` (a CPML of ``pml_cells`` inside the grid, backed by PEC).
The Courant limit for a uniform grid is ``dt ≤ dx / (c √D)`` with ``D`` the number of non-singleton axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from physics.maxwell import C0

BOUNDARIES = ("pec", "periodic", "pml")


@dataclass(frozen=True)
class YeeGrid:
    """A Yee grid: ``shape`` cells of size ``dx`` (m), boundaries per axis (``pml``, ``pec``, ``periodic``),
    ``pml_cells`` layers and the time step (``dt``, or ``courant`` × the 3-D limit)."""

    shape: tuple[int, int, int]
    dx: float
    boundaries: tuple[str, str, str] = ("pml", "pml", "pml")
    pml_cells: int = 10
    courant: float = 0.99  # dt as a fraction of the Courant limit
    dt: float | None = None  # overrides ``courant`` when given (checked)

    def __post_init__(self):
        shape = tuple(int(n) for n in self.shape)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(
                f"grid shape must be three positive cell counts (nx, ny, nz), got {self.shape!r}; "
                "use 1 for the unused axes of 1-D and 2-D problems."
            )
        object.__setattr__(self, "shape", shape)
        if not self.dx > 0:
            raise ValueError(f"cell size dx must be positive (metres), got {self.dx}.")
        b = tuple(self.boundaries)
        if len(b) != 3 or any(x not in BOUNDARIES for x in b):
            raise ValueError(f"boundaries must be three of {BOUNDARIES}, got {self.boundaries!r}.")
        b = tuple("periodic" if n == 1 else x for n, x in zip(shape, b))  # singleton axes carry no derivative
        object.__setattr__(self, "boundaries", b)
        for n, x, ax in zip(shape, b, "xyz"):
            if x == "pml" and 2 * self.pml_cells >= n:
                raise ValueError(
                    f"the CPML ({self.pml_cells} cells per side) is thicker than the domain along {ax} "
                    f"({n} cells): use at least {2 * self.pml_cells + 1} cells or fewer PML cells."
                )
        if not 0 < self.courant <= 1:
            raise ValueError(f"courant must be in (0, 1], got {self.courant}.")
        if self.dt is not None and self.dt > self.max_dt * (1 + 1e-12):
            raise ValueError(
                f"dt = {self.dt:.4g} s exceeds the Courant limit {self.max_dt:.4g} s "
                f"(dx/(c·sqrt({self.ndim}))); the scheme would blow up. Use dt <= {self.max_dt:.4g} "
                "or leave dt unset to get courant·limit."
            )

    @property
    def ndim(self) -> int:
        """Number of axes with more than one cell."""
        return sum(n > 1 for n in self.shape)

    @property
    def max_dt(self) -> float:
        """The largest stable step, ``dx / (c √D)`` (seconds)."""
        return self.dx / (C0 * math.sqrt(max(self.ndim, 1)))

    @property
    def time_step(self) -> float:
        """The time step in seconds."""
        return float(self.dt) if self.dt is not None else self.courant * self.max_dt

    @property
    def cells(self) -> int:
        """Total number of cells."""
        return self.shape[0] * self.shape[1] * self.shape[2]
