"""Oblique-incidence reflectance and transmittance of a layered stack, computed by FDTD.

The fixed-k_x method (as in Meep's oblique-incidence examples, with a real source pattern): x is periodic with
period ``P`` and a line source ``∝ cos(2πx/P)`` launches, at each frequency, the two plane waves with
``k_x = ±2π/P``; their angle of incidence is ``sin θ = λ/P`` (λ in vacuum), so one run covers a band of angles.
The ±k_x pair reflects alike, so the fluxes give ``R`` and ``T`` of one of them:

- an incident-only run (vacuum everywhere) gives the incident flux at the reflection line;
- the run with the stack gives the total field there; reflected = total − incident;
- ``R = −Φ_reflected / Φ_incident`` and ``T = Φ_transmitted / Φ_incident`` (the transmission line is in the
  substrate, beyond the stack).

Polarisation ``"s"`` (TE, E out of the plane of incidence: ``Ez``) or ``"p"`` (TM: ``Hz``). Compare with
:func:`physics.maxwell.thin_films.thin_film_rt`; errors are ``O(Δx²)`` (about 1 % at 33 cells per wavelength in
the densest layer, 0.3 % at 67).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from physics.maxwell import C0, Block, DistributedSource, Materials, ModulatedGaussian
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.monitors import DFTMonitor, poynting_flux
from solvers.fdtd.rasterize import rasterize
from solvers.fdtd.simulation import run
from solvers.fdtd.yee import coefficients

PML, GAP = 20, 30  # cells: absorbing layers, and clearance around each line


def oblique_stack_response(
    indices,
    thicknesses,
    wavelengths,
    period: float,
    dx: float,
    polarization: str = "s",
    n_out: float = 1.0,
    steps: int | None = None,
    dtype=torch.float64,
) -> dict[str, np.ndarray]:
    """``R``, ``T`` and the incidence ``angle`` (rad) at each vacuum ``wavelength`` (m) for layers of refractive
    ``indices`` and ``thicknesses`` (m) on a substrate ``n_out``, lit from vacuum; ``period`` (m) sets the angles.
    """
    lams = np.atleast_1d(np.asarray(wavelengths, dtype=np.float64))
    if polarization not in ("s", "p"):
        raise ValueError(f"polarization must be 's' (E out of the plane of incidence) or 'p', got {polarization!r}.")
    if np.any(lams >= 0.95 * period):
        raise ValueError(
            f"wavelengths up to {lams.max():.4g} m reach the period {period:.4g} m: sin θ = λ/P must stay below "
            "0.95 (grazing waves ring for ever). Use a longer period or shorter wavelengths."
        )
    nx = int(round(period / dx))
    layer_cells = [int(math.ceil(d / dx)) for d in thicknesses]
    src_y = PML + GAP
    refl_y = src_y + 2 * GAP
    stack_y = refl_y + 2 * GAP
    trans_y = stack_y + sum(layer_cells) + 2 * GAP
    ny = trans_y + GAP + PML
    grid = YeeGrid((nx, ny, 1), dx, ("periodic", "pml", "periodic"), pml_cells=PML)
    i = torch.arange(nx, dtype=torch.float64)
    comp, comps = ("ez", ("ez", "hx")) if polarization == "s" else ("hz", ("ex", "hz"))
    x = i if comp == "ez" else i + 0.5  # Ez at x = iΔx, Hz at (i + ½)Δx
    pattern = torch.zeros(nx, ny, 1, dtype=dtype)
    pattern[:, src_y, 0] = torch.cos(2 * math.pi * x * dx / period).to(dtype)
    freqs = C0 / lams
    f0 = 0.5 * (freqs.min() + freqs.max())
    source = DistributedSource(pattern, ModulatedGaussian(f0, max(0.15 * f0, freqs.max() - freqs.min())), comp)
    monitors = [
        DFTMonitor(tuple(freqs), comps, (slice(None), refl_y, slice(None)), "reflection"),
        DFTMonitor(tuple(freqs), comps, (slice(None), trans_y, slice(None)), "transmission"),
    ]
    y0 = stack_y * dx  # the stack's first face; layers follow, then the substrate to the far PML
    top = ny * dx
    substrate_from = y0 + sum(thicknesses)
    objects = [Block((period / 2, top, 0), (math.inf, 2 * (top - substrate_from), math.inf), n_out**2)]
    for n, d in zip(indices, thicknesses):
        objects.append(Block((period / 2, y0 + d / 2, 0), (math.inf, d, math.inf), n * n))
        y0 += d
    steps = steps or 10 * ny
    records = []
    for objs in ([], objects):
        eps = rasterize(grid, objs, dtype=dtype)
        co = coefficients(grid, Materials(eps_r=eps), dtype=dtype)
        records.append(run(co, steps, [source], monitors).dft)
    incident, total = records
    reflected = {c: total["reflection"][c] - incident["reflection"][c] for c in comps}
    phi_in = poynting_flux(incident["reflection"], 1, dx, 2)
    reflectance = -(poynting_flux(reflected, 1, dx, 2) / phi_in).numpy()
    transmittance = (poynting_flux(total["transmission"], 1, dx, 2) / phi_in).numpy()
    return {"R": reflectance, "T": transmittance, "angle": np.arcsin(lams / period), "wavelength": lams}


__all__ = ["oblique_stack_response"]
