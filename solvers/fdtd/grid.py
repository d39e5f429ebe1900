"""The Yee grid: shape, cell size, time step and boundaries.

Fields live on a uniform grid of ``nx × ny × nz`` cells of size ``dx`` (metres). A 2-D problem uses
``nz = 1`` and a 1-D problem ``ny = nz = 1``; derivatives along a singleton axis vanish, so TE and TM
decouple on their own. Component positions (Yee 1966), in cells:
``Ex (i+½, j, k)``, ``Ey (i, j+½, k)``, ``Ez (i, j, k+½)``, ``Hx (i, j+½, k+½)``, ``Hy (i+½, j, k+½)``,
``Hz (i+½, j+½, k)``.

Boundaries per axis: ``"pec"`` (tangential E = 0 on both walls, the cavity is ``n·dx`` long),
``"periodic"``, or ``"pml"`` (a CPML of ``pml_cells`` inside the grid, backed by PEC).
A periodic axis may carry a Bloch wavevector ``bloch[a] = k_a`` (rad/m): the fields then obey
``F(x + L_a) = F(x) e^{i k_a L_a}`` (``L_a = n_a·dx``), are complex, and a run finds the modes of that ``k``
(band structures of periodic structures; Taflove & Hagness ch. 13, "periodic structures", the direct field method).
A non-periodic axis may instead put a mirror plane at its low wall (``mirror[a] = ±1``; Meep's ``Mirror`` with
that phase): the grid is then half of a domain symmetric about node 0 of that axis, with no CPML on that side.
``+1``: tangential E even and tangential H odd across the plane (a PMC wall, ``H_t(−½) = −H_t(½)``); ``−1``:
tangential E odd (a PEC wall, ``E_t = 0`` on the plane). Each mirror halves the cells and the work; fields,
fluxes and DFTs are those of the half domain.
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
    bloch: tuple[float, float, float] = (0.0, 0.0, 0.0)  # Bloch wavevector (rad/m) on periodic axes
    mirror: tuple[int, int, int] = (0, 0, 0)  # a mirror plane at the low wall: +1 even E_t (PMC), −1 odd (PEC)

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
        k = tuple(float(v) for v in self.bloch)
        if len(k) != 3 or not all(math.isfinite(v) for v in k):
            raise ValueError(f"bloch must be three finite wavevector components (rad/m), got {self.bloch!r}.")
        object.__setattr__(self, "bloch", k)
        for ax in range(3):
            if k[ax] != 0 and (shape[ax] == 1 or b[ax] != "periodic"):
                raise ValueError(
                    f"a Bloch wavevector along {'xyz'[ax]} needs a periodic axis with more than one cell; that axis "
                    f"has {shape[ax]} cell(s) and boundary {b[ax]!r}. Set boundaries[{ax}]='periodic', "
                    f"or bloch[{ax}]=0."
                )
        mirror = tuple(int(v) for v in self.mirror) if len(tuple(self.mirror)) == 3 else None
        if mirror is None or any(v not in (-1, 0, 1) for v in mirror) or mirror != tuple(self.mirror):
            raise ValueError(f"mirror must be three of -1, 0, +1 (one per axis), got {self.mirror!r}.")
        object.__setattr__(self, "mirror", mirror)
        for ax in range(3):
            if mirror[ax] and (shape[ax] == 1 or b[ax] == "periodic"):
                raise ValueError(
                    f"a mirror plane along {'xyz'[ax]} needs a non-periodic axis with more than one cell (it sits at "
                    f"the low wall); that axis has {shape[ax]} cell(s) and boundary {b[ax]!r}. Use 'pml' or 'pec'."
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
    def is_bloch(self) -> bool:
        """True when a Bloch wavevector is set: the fields are complex."""
        return any(v != 0 for v in self.bloch)

    def bloch_phase(self, axis: int) -> complex | None:
        """``e^{i k_a L_a}`` across the periodic ``axis``, or ``None`` without a Bloch wavevector along it."""
        k = self.bloch[axis]
        if k == 0:
            return None
        kl = k * self.shape[axis] * self.dx
        return complex(math.cos(kl), math.sin(kl))

    def absorber_cells(self, axis: int) -> tuple[int, int]:
        """CPML cells at the low and high wall of ``axis``: none on a periodic or PEC axis, none at a mirror plane."""
        if self.boundaries[axis] != "pml":
            return 0, 0
        return (0 if self.mirror[axis] else self.pml_cells), self.pml_cells

    @property
    def cells(self) -> int:
        """Total number of cells."""
        return self.shape[0] * self.shape[1] * self.shape[2]
