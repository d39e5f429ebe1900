"""Total-field/scattered-field (TFSF) plane-wave source in 2-D (Taflove & Hagness, 3rd ed., ch. 5).

Inside a box the grid holds the total field, outside it only the scattered field; a plane wave
``f(t − k̂·(r − r₀)/c)`` enters through the box faces and nothing but scattered light leaves them.
With no scatterer the scattered-field region stays dark.

The incident wave is propagated on its own 1-D auxiliary grid along ``k̂`` (same Δt and Δx, hard
source at its start, a graded matched absorber at its end) and read at every node's projected
distance ``d = k̂·(r − r₀)`` by linear interpolation (Taflove's incident-field array). Along an axis
(``angle_deg`` = 0, 90, …) the auxiliary nodes coincide with the grid's and the field outside the box
cancels to round-off; at other angles the 1-D and 2-D numerical dispersions differ slightly and some
of the wave leaks (measured in the tests).

The corrections follow from one identity. With ``M`` = 1 on total-field nodes (per component position),
each curl needs, at a node ``p``, neighbours ``q`` in ``p``'s own field convention:
``F(q) + (M_p − M_q) F_inc(q)``. Summed over the difference stencil this is

    curl F  +  M · curl F_inc  −  curl(M F_inc)

so the step adds ``M·curl F_inc − curl(M·F_inc)`` (non-zero only next to the faces) to the H and E
updates, with ``E_inc`` at step ``n`` and ``H_inc`` at ``n + ½``. Polarisation ``"tm"`` is ``E ∥ ẑ``
(Ez, Hx, Hy) and ``"te"`` is ``H ∥ ẑ`` (Hz, Ex, Ey).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from physics.maxwell import EPS0, MU0

# node positions of each component in cells (x, y), Yee 1966
OFFSET = {"ex": (0.5, 0.0), "ey": (0.0, 0.5), "ez": (0.0, 0.0), "hx": (0.0, 0.5), "hy": (0.5, 0.0), "hz": (0.5, 0.5)}


@dataclass(frozen=True)
class TFSFPlaneWave:
    """A plane wave entering the total-field box ``box = ((i0, i1), (j0, j1))`` (cells, inclusive) of a 2-D grid.

    Build with :func:`tfsf_plane_wave`. ``profile(t)`` is |E| (V/m) at the wave's reference point; |H| = |E|/η.
    """

    box: tuple
    angle_deg: float
    profile: Any
    polarization: str
    eps_r: float
    name: str
    masks: dict  # component -> [nx, ny, 1] 0/1 total-field mask
    weights: dict  # component -> (index [nx, ny, 1] long, fraction [nx, ny, 1], amplitude along the component)
    aux: dict  # coefficients of the 1-D grid: ce, cc_e, ch, cc_h [L] tensors
    length: int


def matched_aux_eps(grid, frequency: float, angle_deg: float, eps_r: float = 1.0) -> float:
    """Relative permittivity of the 1-D grid that gives it the 2-D grid's numerical phase velocity at
    ``frequency`` and ``angle_deg`` (Taflove & Hagness §5.9: matched numerical dispersion).

    2-D Yee: ``[sin(ωΔt/2)/(vΔt)]² = [sin(k cosφ Δx/2)/Δx]² + [sin(k sinφ Δx/2)/Δx]²`` solved for ``k``; the
    1-D grid then needs ``v₁ = Δx sin(ωΔt/2) / (Δt sin(kΔx/2))``."""
    from physics.maxwell import C0

    dt, dx = grid.time_step, grid.dx
    v = C0 / math.sqrt(eps_r)
    w = 2 * math.pi * frequency
    lhs = (math.sin(w * dt / 2) / (v * dt)) ** 2
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    k = w / v
    for _ in range(50):  # Newton on g(k) = Σ sin²(k·cos/sin·Δx/2)/Δx² − lhs
        g = (math.sin(k * c * dx / 2) ** 2 + math.sin(k * s * dx / 2) ** 2) / dx**2 - lhs
        dg = (c * math.sin(k * c * dx) + s * math.sin(k * s * dx)) / (2 * dx)
        k -= g / dg
    v1 = dx * math.sin(w * dt / 2) / (dt * math.sin(k * dx / 2))
    return (C0 / v1) ** 2


def tfsf_plane_wave(
    grid,
    box,
    angle_deg: float,
    profile,
    polarization: str = "tm",
    eps_r: float = 1.0,
    name: str = "tfsf",
    dtype=torch.float32,
    device="cpu",
    match_frequency: float | None = None,
) -> TFSFPlaneWave:
    """Prepare a TFSF plane wave travelling at ``angle_deg`` from +x towards +y, for ``grid`` (2-D, nz = 1).

    ``eps_r`` is the (uniform, lossless) background around the box faces. The 1-D grid's permittivity is
    tuned so its numerical phase velocity equals the 2-D grid's along ``angle_deg`` at ``match_frequency``
    (default: ``profile.frequency`` when the profile has one, e.g. :class:`ModulatedGaussian`).
    """
    nx, ny, nz = grid.shape
    if nz != 1 or nx < 2 or ny < 2:
        raise ValueError(f"the TFSF source is 2-D (grid nx × ny × 1), got grid shape {grid.shape}.")
    if polarization not in ("tm", "te"):
        raise ValueError(f"polarization must be 'tm' (Ez, Hx, Hy) or 'te' (Hz, Ex, Ey), got {polarization!r}.")
    (i0, i1), (j0, j1) = box
    margin = [grid.pml_cells if b == "pml" else 0 for b in grid.boundaries[:2]]
    if not (margin[0] < i0 < i1 < nx - 1 - margin[0] and margin[1] < j0 < j1 < ny - 1 - margin[1]):
        raise ValueError(
            f"TFSF box {box} must lie strictly inside the grid {grid.shape[:2]} and outside the "
            f"CPML ({grid.pml_cells} cells): need {margin[0]} < i0 < i1 < {nx - 1 - margin[0]} and "
            f"{margin[1]} < j0 < j1 < {ny - 1 - margin[1]}."
        )
    if not eps_r > 0:
        raise ValueError(f"eps_r must be positive, got {eps_r}.")
    phi = math.radians(angle_deg)
    k = (math.cos(phi), math.sin(phi))
    comps = ("ez", "hx", "hy") if polarization == "tm" else ("hz", "ex", "ey")
    # unit vectors: E = ê e(d), H = ĥ h(d) with ĥ = k̂ × ê (tm: ê = ẑ; te: ĥ = ẑ, ê = ĥ × k̂)
    if polarization == "tm":
        amp = {"ez": 1.0, "hx": k[1], "hy": -k[0]}
    else:
        amp = {"hz": 1.0, "ex": -k[1], "ey": k[0]}
    # reference point r0: the box corner the wave reaches first, moved 3 cells back along k̂
    corners = [(x, y) for x in (i0 - 1, i1 + 1) for y in (j0 - 1, j1 + 1)]
    first = min(corners, key=lambda c: c[0] * k[0] + c[1] * k[1])
    r0 = (first[0] - 3 * k[0], first[1] - 3 * k[1])
    ii, jj = torch.meshgrid(torch.arange(nx, dtype=torch.float64), torch.arange(ny, dtype=torch.float64), indexing="ij")
    masks, weights, dmax = {}, {}, 0.0
    for c in comps:
        ox, oy = OFFSET[c]
        x, y = ii + ox, jj + oy
        inside = (x >= i0) & (x <= i1) & (y >= j0) & (y <= j1)
        masks[c] = inside.to(dtype).unsqueeze(-1).to(device)
        d = (x - r0[0]) * k[0] + (y - r0[1]) * k[1]  # cells; E samples sit at integers, H at half-integers
        u = d - (0.5 if c[0] == "h" else 0.0)
        u = u.clamp(min=1.0)  # the 4-point stencil needs a sample behind
        base = torch.floor(u)
        weights[c] = (base.long().unsqueeze(-1).to(device), (u - base).to(dtype).unsqueeze(-1).to(device), amp[c])
        dmax = max(dmax, float(d.max()))
    length = int(dmax) + 80  # the last 40 cells absorb
    dt, dx = grid.time_step, grid.dx
    f_match = match_frequency if match_frequency is not None else getattr(profile, "frequency", None)
    eps_aux = matched_aux_eps(grid, float(f_match), angle_deg, eps_r) if f_match else eps_r
    eps, mu = EPS0 * eps_aux, MU0
    m = torch.arange(length, dtype=torch.float64)
    ramp = ((m - (length - 40)).clamp(min=0) / 40) ** 3
    sig_e = ramp * 0.8 * 4 * math.sqrt(eps / mu) / dx  # matched graded loss: σ_m/μ = σ_e/ε (no reflection)
    loss = sig_e * dt / (2 * eps)
    aux = {
        "ce": ((1 - loss) / (1 + loss)).to(dtype).to(device),
        "cc_e": (dt / (eps * dx) / (1 + loss)).to(dtype).to(device),
        "ch": ((1 - loss) / (1 + loss)).to(dtype).to(device),
        "cc_h": (dt / (mu * dx) / (1 + loss)).to(dtype).to(device),
    }
    return TFSFPlaneWave(
        tuple(map(tuple, box)), float(angle_deg), profile, polarization, float(eps_r), name, masks, weights, aux, length
    )


def incident(src: TFSFPlaneWave, aux_field: Tensor, comp: str) -> Tensor:
    """The incident ``comp`` on the whole grid ``[nx, ny, 1]`` from the 1-D grid's E (or H) samples
    (4-point Lagrange interpolation: its error is O((kΔx)⁴), below the dispersion mismatch)."""
    idx, t, amp = src.weights[comp]
    top = src.length - 1
    p = [aux_field[(idx + o).clamp(0, top)] for o in (-1, 0, 1, 2)]
    w = (
        -t * (t - 1) * (t - 2) / 6,
        (t + 1) * (t - 1) * (t - 2) / 2,
        -(t + 1) * t * (t - 2) / 2,
        (t + 1) * t * (t - 1) / 6,
    )
    return amp * (w[0] * p[0] + w[1] * p[1] + w[2] * p[2] + w[3] * p[3])


def advance_h(src: TFSFPlaneWave, e: Tensor, h: Tensor) -> Tensor:
    """``h^{n+½}`` on the 1-D grid from ``h^{n−½}`` and ``e^n``: ∂h/∂t = −(1/μ) ∂e/∂d."""
    a = src.aux
    de = torch.cat([e[1:] - e[:-1], -e[-1:]])
    return a["ch"] * h - a["cc_h"] * de


def advance_e(src: TFSFPlaneWave, e: Tensor, h: Tensor, t: Tensor) -> Tensor:
    """``e^{n+1}`` from ``e^n`` and ``h^{n+½}``, with the hard source ``e[0] = profile(t)``."""
    a = src.aux
    dh = torch.cat([h[:1], h[1:] - h[:-1]])
    new = a["ce"] * e - a["cc_e"] * dh
    value = torch.as_tensor(src.profile(t), dtype=e.dtype, device=e.device).reshape(1)
    return torch.cat([value, new[1:]])


def incident_fields(src: TFSFPlaneWave, aux_e: Tensor, aux_h: Tensor) -> dict:
    """Incident grid fields ``[nx, ny, 1]`` per component: E components from the 1-D grid's ``e`` (V/m, step n),
    H components from its ``h`` (A/m, step n + ½), each times its direction cosine."""
    return {c: incident(src, aux_e if c[0] == "e" else aux_h, c) for c in src.masks}
