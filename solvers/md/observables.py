"""Structural and transport observables: radial distribution function, mean-square displacement, diffusion.

``rdf(frames, box, r_max, bins)``: ``g(r) = ⟨n(r)⟩ / (ρ 4π r² Δr)`` averaged over frames and atoms
(minimum image; ``r_max ≤ L/2``). ``msd(unwrapped)`` ``[T]`` from unwrapped positions ``[T, N, 3]``;
``diffusion_coefficient(t, msd)`` fits ``MSD = 6 D t`` over the later half (Einstein relation).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from physics.forcefields.space import displacement


def rdf(frames, box, r_max: float, bins: int = 100) -> tuple[np.ndarray, np.ndarray]:
    box = torch.as_tensor(box)
    if r_max > float(box.min()) / 2 + 1e-12:
        raise ValueError(f"r_max={r_max} exceeds half the smallest box edge ({float(box.min()) / 2}).")
    edges = np.linspace(0, r_max, bins + 1)
    hist = np.zeros(bins)
    n = None
    for R in frames:
        R = torch.as_tensor(R)
        n = R.shape[0]
        i, j = torch.triu_indices(n, n, 1)
        d = displacement(R[i], R[j], box.to(R))
        r = torch.linalg.norm(d, dim=-1).numpy()
        hist += 2 * np.histogram(r, edges)[0]
    rho = n / float(box.prod())
    shell = 4 / 3 * math.pi * (edges[1:] ** 3 - edges[:-1] ** 3)
    return 0.5 * (edges[1:] + edges[:-1]), hist / (len(frames) * n * rho * shell)


def msd(unwrapped) -> np.ndarray:
    X = np.asarray(unwrapped, float)
    return ((X - X[0]) ** 2).sum(-1).mean(-1)


def diffusion_coefficient(t, m) -> float:
    t, m = np.asarray(t, float), np.asarray(m, float)
    half = len(t) // 2
    slope = np.polyfit(t[half:], m[half:], 1)[0]
    return float(slope / 6)
