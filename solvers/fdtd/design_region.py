"""A topology-optimisation design region on a Yee grid: density → filter → projection → permittivity (a 2-D
pattern; on a 3-D grid it is extruded through ``z_span``, a slab).

The usual pipeline (Sigmund 2007; Wang, Lazarov & Sigmund 2011; Hammond et al., Opt. Express 29, 23916 (2021)):

1. design variables ``x ∈ [0, 1]^{ni × nj}``, one per cell of the region;
2. a conic filter of radius ``R`` (cells), ``ρ̃ = Σ w x / Σ w`` with ``w = max(0, 1 − r/R)``: features narrower than
   about ``R`` cells are smoothed away, which sets the minimum length scale;
3. a tanh projection ``ρ̂ = [tanh(βη) + tanh(β(ρ̃ − η))] / [tanh(βη) + tanh(β(1 − η))]`` that pushes ``ρ̃`` to 0 or 1
   as ``β`` grows (anneal ``β`` over the optimisation);
4. ``ε = ε_min + ρ̂ (ε_max − ε_min)`` painted onto every E component's map inside the region.

Annealing ``β`` alone can leave cells whose filtered density sits at ``η``: gray at every finite ``β``, and then
thresholding the final design loses transmission the optimiser was counting on. :func:`gray_indicator` (Sigmund
2007's measure of non-discreteness) is the penalty that pushes them to 0 or 1 in the sharp stages.

All steps are differentiable, so ``∂objective/∂x`` comes from autograd through :func:`solvers.fdtd.run`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from solvers.fdtd.grid import YeeGrid


def conic_filter(x: Tensor, radius: float) -> Tensor:
    """``x`` ``[ni, nj]`` convolved with the normalised cone ``max(0, 1 − r/radius)`` (radius in cells; ≤ 1: none),
    edges replicated."""
    if radius <= 1:
        return x
    r = int(math.ceil(radius))
    offsets = torch.arange(-r, r + 1, dtype=x.dtype, device=x.device)
    dist = torch.sqrt(offsets[:, None] ** 2 + offsets[None, :] ** 2)
    w = (1 - dist / radius).clamp(min=0)
    w = w / w.sum()
    padded = F.pad(x[None, None], (r, r, r, r), mode="replicate")
    return F.conv2d(padded, w[None, None])[0, 0]


def tanh_projection(x: Tensor, beta: float, eta: float = 0.5) -> Tensor:
    """The smoothed Heaviside ``[tanh(βη) + tanh(β(x − η))] / [tanh(βη) + tanh(β(1 − η))]``; ``β = ∞`` thresholds."""
    if math.isinf(beta):
        return (x > eta).to(x.dtype)
    a = math.tanh(beta * eta)
    return (a + torch.tanh(beta * (x - eta))) / (a + math.tanh(beta * (1 - eta)))


def gray_indicator(rho: Tensor) -> Tensor:
    """Sigmund's measure of non-discreteness ``M = mean 4 ρ (1 − ρ)`` of a density ``rho`` in [0, 1] (any shape):
    0 for a black-and-white design, 1 when every cell is 0.5 (O. Sigmund, Struct. Multidisc. Optim. 33, 401 (2007)).
    Its gradient ``4 (1 − 2ρ) / n`` pushes each cell toward the bound it is nearer, so subtracting ``γ M`` from an
    objective to maximise binarises the design."""
    return (4 * rho * (1 - rho)).mean()


@dataclass(frozen=True)
class DesignRegion:
    """Cells ``lo = (i0, j0)`` to ``lo + shape`` of a 2-D grid, permittivity between ``eps_min`` and ``eps_max``,
    conic filter ``filter_radius`` (cells) and projection threshold ``eta``."""

    lo: tuple
    shape: tuple
    eps_min: float
    eps_max: float
    filter_radius: float = 0.0
    eta: float = 0.5
    z_span: tuple | None = None  # (k0, k1): on a 3-D grid, the cells along z the design is extruded over

    def check(self, grid: YeeGrid) -> None:
        """Clear errors for a region outside the grid or inside the CPML, or an empty permittivity range."""
        (i0, j0), (ni, nj) = self.lo, self.shape
        if ni < 1 or nj < 1:
            raise ValueError(f"design region shape must be positive cell counts, got {self.shape}.")
        for ax, lo, n in ((0, i0, ni), (1, j0, nj)):
            low, high = grid.absorber_cells(ax)
            if not (low <= lo and lo + n <= grid.shape[ax] - high):
                raise ValueError(
                    f"the design region covers cells {lo}..{lo + n - 1} along {'xy'[ax]}, outside the grid's "
                    f"interior {low}..{grid.shape[ax] - high - 1} (grid {grid.shape}, CPML {grid.pml_cells} cells): "
                    "move or shrink it."
                )
        if self.z_span is not None and not (0 <= self.z_span[0] < self.z_span[1] <= grid.shape[2]):
            raise ValueError(
                f"the design region's z_span {self.z_span} must lie within the grid's {grid.shape[2]} cells along z "
                "(0 <= k0 < k1 <= nz); it is the slab the 2-D design is extruded through."
            )
        if not 0 < self.eps_min < self.eps_max:
            raise ValueError(f"need 0 < eps_min < eps_max, got {self.eps_min} and {self.eps_max}.")
        if not 0 < self.eta < 1:
            raise ValueError(f"the projection threshold eta must lie in (0, 1), got {self.eta}.")

    def density(self, x: Tensor, beta: float) -> Tensor:
        """The filtered, projected density ``ρ̂`` ``[ni, nj]`` of design variables ``x`` at sharpness ``beta``."""
        if tuple(x.shape) != tuple(self.shape):
            raise ValueError(f"design variables have shape {tuple(x.shape)}; the region is {tuple(self.shape)}.")
        return tanh_projection(conic_filter(x, self.filter_radius), beta, self.eta)

    def paint(self, eps: dict, rho: Tensor) -> dict:
        """Component maps ``eps`` (``{"ex", "ey", "ez"}`` → ``[nx, ny, nz]``) with the region set to
        ``ε_min + ρ (ε_max − ε_min)`` (out of place, differentiable in ``rho``): through every z cell, or the
        ``z_span`` cells on a 3-D grid (a planar design etched through a slab)."""
        (i0, j0), (ni, nj) = self.lo, self.shape
        value = (self.eps_min + rho * (self.eps_max - self.eps_min))[..., None]
        z = slice(None) if self.z_span is None else slice(*self.z_span)
        out = {}
        for c, m in eps.items():
            m = m.to(value.dtype)
            mask = torch.zeros_like(m, dtype=torch.bool)
            mask[i0 : i0 + ni, j0 : j0 + nj, z] = True
            full = F.pad(value, (0, 0, j0, m.shape[1] - j0 - nj, i0, m.shape[0] - i0 - ni))
            out[c] = torch.where(mask, full, m)
        return out


__all__ = ["DesignRegion", "conic_filter", "tanh_projection"]
