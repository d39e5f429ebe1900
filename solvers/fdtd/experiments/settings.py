"""Settings shared by the FDTD experiments: the ``fdtd`` config node (grid, PML, steps, precision).

``n`` counts the physical cells per side; the PML (``pml_cells`` on each side) comes on top, so
the grid has ``n + 2·pml_cells`` cells per side in every FDTD experiment.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sciml.config import check_choice, check_range


@dataclass(frozen=True)
class FDTDDomainSettings:
    """A square 2-D domain of ``n × n`` cells of size ``cell_size`` (m), wrapped in a ``pml_cells`` CPML, stepped
    ``steps`` times in ``dtype``."""

    n: int = 64
    pml_cells: int = 10
    cell_size: float = 1.0e-3
    steps: int = 350
    dtype: str = "float32"

    def __post_init__(self):
        check_range("n", self.n, low=8, integer=True, meaning="physical cells per side, PML excluded")
        check_range(
            "pml_cells",
            self.pml_cells,
            low=4,
            integer=True,
            meaning="CPML layers per side; 10 keeps reflections below -40 dB",
        )
        check_range("cell_size", self.cell_size, low=0, low_open=True, meaning="metres")
        check_range("steps", self.steps, low=1, integer=True)
        check_choice("dtype", self.dtype, ("float32", "float64"))

    @property
    def cells(self) -> int:
        """Cells per side including the PML."""
        return self.n + 2 * self.pml_cells

    @property
    def torch_dtype(self) -> torch.dtype:
        """The torch dtype named by ``dtype``."""
        return {"float32": torch.float32, "float64": torch.float64}[self.dtype]


__all__ = ["FDTDDomainSettings"]
