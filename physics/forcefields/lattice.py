"""Crystal lattices for initial configurations."""

from __future__ import annotations

import torch
from torch import Tensor


def fcc(
    cells: int | tuple[int, int, int], density: float | None = None, a: float | None = None, dtype=torch.float64
) -> tuple[Tensor, Tensor]:
    """Face-centred cubic lattice of ``cells`` unit cells per axis (4 atoms each): ``(R [4·n³, 3], box [3])``.

    Give either the number ``density`` (atoms per unit volume; LAMMPS's ``lattice fcc 0.8442`` in LJ
    units) or the lattice constant ``a``.
    """
    c = (cells,) * 3 if isinstance(cells, int) else tuple(cells)
    if (density is None) == (a is None):
        raise ValueError("give exactly one of density or a (lattice constant).")
    if a is None:
        if not density > 0:
            raise ValueError(f"density must be positive, got {density}.")
        a = (4.0 / density) ** (1 / 3)
    basis = torch.tensor([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]], dtype=dtype)
    grid = torch.stack(torch.meshgrid(*[torch.arange(n, dtype=dtype) for n in c], indexing="ij"), -1).reshape(-1, 1, 3)
    R = ((grid + basis) * a).reshape(-1, 3)
    return R, torch.tensor(c, dtype=dtype) * a
