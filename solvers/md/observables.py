"""Structural and transport observables: radial distribution function, mean-square displacement, diffusion.

``rdf(frames, box, r_max, bins)``: ``g(r) = ⟨n(r)⟩ / (ρ 4π r² Δr)`` averaged over frames and atoms
(minimum image; ``r_max ≤ L/2``). ``soft_rdf(R, box, atoms, r, width)``: the same with every pair spread
over a Gaussian of ``width`` instead of a histogram bin, so g(r) is differentiable in the positions (and
through a simulation in the force field; DiffTRe-style fits, Thaler & Zavadlav 2021).
``msd(unwrapped)`` ``[T]`` from unwrapped positions ``[T, N, 3]``;
``diffusion_coefficient(t, msd)`` fits ``MSD = 6 D t`` over the later half (Einstein relation).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from physics.forcefields.space import displacement


def rdf(frames, box, r_max: float, bins: int = 100, select=None) -> tuple[np.ndarray, np.ndarray]:
    """``(r, g(r))`` at bin centres. ``select = (mask_a, mask_b)`` (bool ``[N]``) gives the partial
    ``g_ab(r) = ⟨n_b(r) around a⟩ / (ρ_b 4π r² Δr)`` (e.g. Na–Cl), so ``∫ ρ_b g_ab 4π r² dr`` counts b
    neighbours of an a."""
    box = torch.as_tensor(box)
    if r_max > float(box.min()) / 2 + 1e-12:
        raise ValueError(f"r_max={r_max} exceeds half the smallest box edge ({float(box.min()) / 2}).")
    edges = np.linspace(0, r_max, bins + 1)
    hist = np.zeros(bins)
    n_a = n_b = None
    for R in frames:
        R = torch.as_tensor(R)
        n = R.shape[0]
        a = torch.ones(n, dtype=torch.bool) if select is None else torch.as_tensor(select[0], dtype=torch.bool)
        b = torch.ones(n, dtype=torch.bool) if select is None else torch.as_tensor(select[1], dtype=torch.bool)
        ia, ib = torch.nonzero(a).flatten(), torch.nonzero(b).flatten()
        n_a, n_b = len(ia), len(ib)
        i, j = ia.repeat_interleave(n_b), ib.repeat(n_a)
        keep = i != j
        d = displacement(R[i[keep]], R[j[keep]], box.to(R))
        hist += np.histogram(torch.linalg.norm(d, dim=-1).numpy(), edges)[0]
    rho_b = n_b / float(box.prod())
    shell = 4 / 3 * math.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    return 0.5 * (edges[1:] + edges[:-1]), hist / (len(frames) * n_a * rho_b * shell)


def soft_rdf(R: torch.Tensor, box, atoms: torch.Tensor, r: torch.Tensor, width: float) -> torch.Tensor:
    """Differentiable ``g(r)`` ``[K]`` of the atoms ``atoms`` ``[n]`` (indices) among themselves in one frame
    ``R`` ``[N, 3]``, at radii ``r`` ``[K]``:

        g(r) = Σ_{i≠j} exp(−(r − r_ij)² / 2w²) / (√(2π) w) / (n ρ 4π r²),     ρ = n / V

    which tends to :func:`rdf` as ``w → 0`` (pairs beyond ``max(r) + 5w`` are dropped; minimum image)."""
    X = R[atoms]
    n = X.shape[0]
    i, j = torch.triu_indices(n, n, 1, device=R.device)
    box_t = torch.as_tensor(box).to(R)
    d = torch.linalg.norm(displacement(X[i], X[j], box_t), dim=-1)
    d = d[d.detach() < float(r.max()) + 5 * width]
    kernel = torch.exp(-0.5 * ((r[:, None] - d[None, :]) / width) ** 2).sum(-1) / (math.sqrt(2 * math.pi) * width)
    rho = n / box_t.prod()
    return 2 * kernel / (n * rho * 4 * math.pi * r * r)  # each i < j pair counts for i and for j


def coordination_number(r: np.ndarray, g: np.ndarray, density_b: float, r_cut: float) -> float:
    """``∫₀^{r_cut} ρ_b g(r) 4π r² dr``: mean number of b atoms within ``r_cut`` of an a atom (summed over
    the bins of :func:`rdf` with their exact shell volumes, so lattice shells count exactly)."""
    dr = r[1] - r[0]
    inside = r < r_cut
    shell = 4 / 3 * math.pi * ((r + dr / 2) ** 3 - (r - dr / 2) ** 3)
    return float((density_b * g[inside] * shell[inside]).sum())


def msd(unwrapped) -> np.ndarray:
    """Mean-square displacement ``[T]`` of unwrapped positions ``[T, N, 3]``."""
    X = np.asarray(unwrapped, float)
    return ((X - X[0]) ** 2).sum(-1).mean(-1)


def diffusion_coefficient(t, m) -> float:
    """``D`` from the slope of the MSD's second half: ``MSD = 6 D t``."""
    t, m = np.asarray(t, float), np.asarray(m, float)
    half = len(t) // 2
    slope = np.polyfit(t[half:], m[half:], 1)[0]
    return float(slope / 6)
