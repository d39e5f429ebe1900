"""Electrostatics: cut-off Coulomb with a reaction field, and Ewald summation for periodic systems.

Energies in units where ``E = k_e Σ q_i q_j / r_ij`` (``k_e = 1`` by default; 332.0637 kcal·Å/(mol·e²)
or 14.399645 eV·Å/e² for real units). Forces come from autograd.

Ewald (Ewald 1921; Frenkel & Smit, *Understanding Molecular Simulation*, §12.1), splitting parameter α:

    E = Σ_{i<j} q_i q_j erfc(α r_ij)/r_ij                               (real space, minimum image, r < r_c)
      + (2π/V) Σ_{k≠0} exp(−k²/4α²)/k² |Σ_j q_j e^{i k·r_j}|²          (reciprocal space, |n| ≤ k_max)
      − (α/√π) Σ_i q_i²                                                 (self energy)

Validated against the NaCl Madelung constant 1.747565 (test). Reaction field (Tironi et al. 1995):
``φ(r) = q_i q_j [1/r + k_rf r² − c_rf]``, ``k_rf = (ε_rf − 1)/((2ε_rf + 1) r_c³)``, ``c_rf = 1/r_c + k_rf r_c²``.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor

from physics.forcefields.space import check_box, displacement


def _pairs(n: int, device):
    i, j = torch.triu_indices(n, n, 1, device=device)
    return i, j


def coulomb_reaction_field(charges: Tensor, box=None, cutoff: float = 1.0, eps_rf: float = math.inf, ke: float = 1.0):
    """``U(R)``: cut-off Coulomb with a reaction field (``eps_rf = inf``: conducting boundary)."""
    b = check_box(box)
    k_rf = 0.5 / cutoff**3 if math.isinf(eps_rf) else (eps_rf - 1) / ((2 * eps_rf + 1) * cutoff**3)
    c_rf = 1 / cutoff + k_rf * cutoff**2

    def energy(R: Tensor, box=None, strain=None) -> Tensor:
        bb = b if box is None else box
        bb = bb.to(R) if bb is not None else None
        i, j = _pairs(R.shape[0], R.device)
        d = displacement(R[i], R[j], bb)
        if strain is not None:
            d = d + d @ strain.T
        r = torch.linalg.norm(d, dim=-1)
        q = charges.to(R)
        e = q[i] * q[j] * (1 / r + k_rf * r * r - c_rf)
        return ke * torch.where(r < cutoff, e, torch.zeros_like(e)).sum()

    return energy


def ewald(charges: Tensor, box, alpha: float, cutoff: float, kmax: int, ke: float = 1.0):
    """``U(R)``: Ewald energy of point charges in the periodic ``box`` (see the module docstring)."""
    b = check_box(box)
    if b is None:
        raise ValueError("Ewald summation needs a periodic box.")
    if cutoff > float(b.min()) / 2:
        raise ValueError(f"real-space cutoff {cutoff} exceeds half the smallest box edge {float(b.min()) / 2}.")
    if abs(float(charges.sum())) > 1e-8 * float(charges.abs().sum()):
        raise ValueError(f"the system carries a net charge {float(charges.sum()):.3g}; Ewald needs a neutral cell.")
    n_vec = torch.tensor(
        [v for v in itertools.product(range(-kmax, kmax + 1), repeat=3) if any(v)], dtype=torch.float64
    )

    def energy(R: Tensor, box=None) -> Tensor:
        bb = (b if box is None else box).to(R)
        q = charges.to(R)
        i, j = _pairs(R.shape[0], R.device)
        r = torch.linalg.norm(displacement(R[i], R[j], bb), dim=-1)
        real = q[i] * q[j] * torch.erfc(alpha * r) / r
        real = torch.where(r < cutoff, real, torch.zeros_like(real)).sum()
        k = 2 * math.pi * n_vec.to(R) / bb
        k2 = (k * k).sum(-1)
        phase = R @ k.T  # [N, K]
        s_re, s_im = (q[:, None] * torch.cos(phase)).sum(0), (q[:, None] * torch.sin(phase)).sum(0)
        recip = (2 * math.pi / bb.prod()) * (torch.exp(-k2 / (4 * alpha * alpha)) / k2 * (s_re**2 + s_im**2)).sum()
        self_e = -alpha / math.sqrt(math.pi) * (q * q).sum()
        return ke * (real + recip + self_e)

    return energy


def rock_salt(cells: int, a: float = 1.0, dtype=torch.float64) -> tuple[Tensor, Tensor, Tensor]:
    """NaCl structure: ``(R [8 cells³, 3], charges ±1, box)`` with lattice constant ``a`` (nearest neighbours a/2)."""
    fcc_basis = torch.tensor([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]], dtype=dtype)
    na, cl = fcc_basis, fcc_basis + torch.tensor([0.5, 0, 0], dtype=dtype)
    g = torch.stack(torch.meshgrid(*[torch.arange(cells, dtype=dtype)] * 3, indexing="ij"), -1).reshape(-1, 1, 3)
    R = torch.cat([(g + na).reshape(-1, 3), (g + cl).reshape(-1, 3)]) * a
    q = torch.cat([torch.ones(4 * cells**3, dtype=dtype), -torch.ones(4 * cells**3, dtype=dtype)])
    return torch.remainder(R, cells * a), q, torch.full((3,), cells * a, dtype=dtype)
