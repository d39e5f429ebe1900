"""Material maps for FDTD: relative permittivity and permeability, electric conductivity, PEC objects.

All maps are tensors broadcastable to the grid shape ``[nx, ny, nz]`` (a Python number means a uniform
medium). ``eps_r`` may require grad (inverse design and inverse scattering differentiate through it).
A PEC object is a boolean mask: the electric field is held at zero on its cells.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor


@dataclass(frozen=True)
class Materials:
    """``eps_r`` (≥ 1 for passive dielectrics, > 0 required; ε∞ in a Drude medium), ``mu_r`` (> 0),
    ``sigma`` (S/m, ≥ 0), ``pec`` (bool), and a Drude dispersion ``ε(ω) = ε∞ − ωp²/(ω² + iγω)`` given by the maps
    ``drude_omega_p`` (rad/s, 0 outside the medium) and ``drude_gamma`` (1/s)."""

    eps_r: Any = 1.0
    mu_r: Any = 1.0
    sigma: Any = 0.0
    pec: Any = None
    drude_omega_p: Any = 0.0
    drude_gamma: Any = 0.0

    def tensors(self, shape, dtype, device) -> dict[str, Tensor]:
        """Each map as a tensor of ``shape`` (validated: positive, finite)."""
        out = {}
        for name in ("eps_r", "mu_r", "sigma", "drude_omega_p", "drude_gamma"):
            val = getattr(self, name)
            t = val if isinstance(val, Tensor) else torch.as_tensor(val, dtype=dtype)
            t = t.to(device=device, dtype=dtype)
            try:
                t = torch.broadcast_to(t, shape)
            except RuntimeError as err:
                raise ValueError(f"material map {name} has shape {tuple(t.shape)}, which does not broadcast to the "
                                 f"grid {tuple(shape)}.") from err
            v = t.detach()
            if not bool(torch.isfinite(v).all()):
                raise ValueError(f"material map {name} contains NaN or Inf; every cell needs a finite value.")
            low = v.min().item()
            if name in ("sigma", "drude_omega_p", "drude_gamma") and low < 0:
                raise ValueError(f"{name} must be >= 0 everywhere, found {low:g}.")
            if name in ("eps_r", "mu_r") and low <= 0:
                raise ValueError(f"{name} must be > 0 everywhere, found {low:g}. Negative permittivity needs a "
                                 "dispersive (Drude/Lorentz) model, which this solver does not have yet.")
            out[name] = t
        if self.pec is not None:
            pec = torch.as_tensor(self.pec, device=device).bool()
            out["pec"] = torch.broadcast_to(pec, shape)
        return out


def disk_mask(shape, dx: float, centre, radius: float, device=None) -> "Tensor":
    """Cells of a grid ``shape = (nx, ny, nz)`` whose centres lie within ``radius`` of ``centre``
    (metres; 2 coordinates for a cylinder along z, 3 for a ball): bool ``shape``."""
    axes = [(torch.arange(n, device=device, dtype=torch.float64) + 0.5) * dx for n in shape]
    grids = torch.meshgrid(*axes, indexing="ij")
    r2 = sum((g - c) ** 2 for g, c in zip(grids, centre))
    return r2 <= radius**2
