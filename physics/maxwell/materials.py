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

_NEGATIVE = {  # what a negative value of a map would mean, for its error
    "sigma": " It is a non-negative conductivity (S/m): a negative one is a gain medium, whose fields grow instead of "
    "ringing down.",
}


@dataclass(frozen=True)
class Materials:
    """``eps_r`` (≥ 1 for passive dielectrics, > 0 required; ε∞ in a dispersive medium; or a dict
    ``{"ex", "ey", "ez"} → map`` of the diagonal permittivity each E component sees at its Yee position, as
    :func:`solvers.fdtd.rasterize` returns), ``mu_r`` (> 0),
    ``sigma`` (S/m, ≥ 0), ``pec`` and ``pmc`` (bool masks: tangential E, respectively H, held at zero), and two
    dispersions, each solved with an auxiliary differential equation (Taflove & Hagness, ch. 9):

    - Drude ``ε(ω) = ε∞ − ωp²/(ω² + iγω)``: maps ``drude_omega_p`` (rad/s, 0 outside) and ``drude_gamma`` (1/s);
    - Lorentz ``ε(ω) = ε∞ + Δε ω0²/(ω0² − ω² − iγω)``: maps ``lorentz_delta_eps`` (0 outside), ``lorentz_omega0``
      (rad/s) and ``lorentz_gamma`` (1/s).
    """

    eps_r: Any = 1.0
    mu_r: Any = 1.0
    sigma: Any = 0.0
    pec: Any = None
    drude_omega_p: Any = 0.0
    drude_gamma: Any = 0.0
    lorentz_delta_eps: Any = 0.0
    lorentz_omega0: Any = 0.0
    lorentz_gamma: Any = 0.0
    pmc: Any = None

    def tensors(self, shape, dtype, device) -> dict[str, Tensor]:
        """Each map as a tensor of ``shape`` (validated: positive, finite)."""
        out = {}
        if isinstance(self.eps_r, dict):
            missing = {"ex", "ey", "ez"} - set(self.eps_r)
            if missing:
                raise ValueError(
                    f"eps_r given per component lacks {sorted(missing)}; give maps for all of ex, ey, ez "
                    "(solvers.fdtd.rasterize returns them) or a single map."
                )
            for c in ("ex", "ey", "ez"):
                out[f"eps_r_{c}"] = Materials(eps_r=self.eps_r[c]).tensors(shape, dtype, device)["eps_r"]
            out["eps_r"] = (out["eps_r_ex"] + out["eps_r_ey"] + out["eps_r_ez"]) / 3  # for isotropic uses
        for name in (
            "eps_r",
            "mu_r",
            "sigma",
            "drude_omega_p",
            "drude_gamma",
            "lorentz_delta_eps",
            "lorentz_omega0",
            "lorentz_gamma",
        ):
            if name in out:
                continue
            val = getattr(self, name)
            t = val if isinstance(val, Tensor) else torch.as_tensor(val, dtype=dtype)
            t = t.to(device=device, dtype=dtype)
            try:
                t = torch.broadcast_to(t, shape)
            except RuntimeError as err:
                raise ValueError(
                    f"material map {name} has shape {tuple(t.shape)}, which does not broadcast to the "
                    f"grid {tuple(shape)}."
                ) from err
            v = t.detach()
            if not bool(torch.isfinite(v).all()):
                raise ValueError(f"material map {name} contains NaN or Inf; every cell needs a finite value.")
            low = v.min().item()
            if name not in ("eps_r", "mu_r") and low < 0:
                why = _NEGATIVE.get(name, "")
                raise ValueError(f"{name} must be >= 0 everywhere, found {low:g}.{why}")
            if name in ("eps_r", "mu_r") and low <= 0:
                raise ValueError(
                    f"{name} must be > 0 everywhere, found {low:g}. A negative permittivity at some "
                    "frequencies is a dispersive medium: give ε∞ > 0 here and the dispersion as "
                    "drude_omega_p/drude_gamma or lorentz_delta_eps/lorentz_omega0/lorentz_gamma."
                )
            out[name] = t
        lorentz = out["lorentz_delta_eps"].detach() > 0
        if bool(lorentz.any()) and float(out["lorentz_omega0"].detach()[lorentz].min()) <= 0:
            raise ValueError(
                "lorentz_omega0 must be > 0 wherever lorentz_delta_eps > 0 (a resonance at zero "
                "frequency is a Drude term: use drude_omega_p instead)."
            )
        for name in ("pec", "pmc"):
            mask = getattr(self, name)
            if mask is not None:
                out[name] = torch.broadcast_to(torch.as_tensor(mask, device=device).bool(), shape)
        return out


def disk_mask(shape, dx: float, centre, radius: float, device=None) -> Tensor:
    """Cells of a grid ``shape = (nx, ny, nz)`` whose centres lie within ``radius`` of ``centre``
    (metres; 2 coordinates for a cylinder along z, 3 for a ball): bool ``shape``."""
    axes = [(torch.arange(n, device=device, dtype=torch.float64) + 0.5) * dx for n in shape]
    grids = torch.meshgrid(*axes, indexing="ij")
    r2 = sum((g - c) ** 2 for g, c in zip(grids, centre))
    return r2 <= radius**2
