"""Lennard-Jones plus Coulomb between atoms, with a force field's exclusions and scaled 1-4 exceptions.

For every pair ``i < j`` that is not an exception (``k_e`` = 138.935 kJ nm/mol/e², :data:`MD` units):

    E_LJ   = 4 ε_ij [(σ_ij/r)¹² − (σ_ij/r)⁶] · S(r)      σ_ij = (σ_i + σ_j)/2,  ε_ij = √(ε_i ε_j)
    E_coul = k_e q_i q_j / r                             method "none" (vacuum, every pair)
    E_coul = k_e q_i q_j (1/r + k_rf r² − c_rf)          method "cutoff", r < r_c (reaction field)
             k_rf = (ε_rf − 1) / ((2 ε_rf + 1) r_c³),   c_rf = 3 ε_rf / ((2 ε_rf + 1) r_c)

``S(r) = 1 − 10x³ + 15x⁴ − 6x⁵``, ``x = (r − r_s)/(r_c − r_s)``, is OpenMM's switch (``S = 1`` below the
switching distance ``r_s`` or without one). Exceptions use their own ``(q_i q_j, σ, ε)`` with plain Coulomb
and no cutoff; an exception with all three zero is an exclusion and contributes nothing. With a periodic
cutoff, ``dispersion_correction`` adds the homogeneous tail beyond ``r_c`` (Allen & Tildesley §2.8):

    E_tail = 8π N² / V · (⟨ε σ¹²⟩ / (9 r_c⁹) − ⟨ε σ⁶⟩ / (3 r_c³))

averaged over every pair of atoms (OpenMM's convention); with a switch, what the switch removes inside
the cutoff is added too. References: the reaction field
of Tironi et al., J. Chem. Phys. 102, 5451 (1995); OpenMM's user guide, "NonbondedForce".

The pair list is every non-excepted pair (``O(N²)`` memory in blocks): right for molecules in vacuum and
for systems of a few thousand atoms; neighbour lists for solvated proteins are not implemented yet.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from physics.forcefields.biomolecular.system import MolecularSystem
from physics.forcefields.space import displacement
from physics.forcefields.units import MD

_PAIR_BLOCK = 4_000_000  # pairs evaluated at once: bounds memory for a few thousand atoms


def non_excepted_pairs(n_atoms: int, exceptions: Tensor) -> Tensor:
    """Every pair ``i < j`` ``[P, 2]`` that is not listed in ``exceptions`` ``[Ne, 2]`` (either order)."""
    i, j = torch.triu_indices(n_atoms, n_atoms, 1)
    keys = i * n_atoms + j
    if exceptions.numel():
        a, b = exceptions.min(1).values, exceptions.max(1).values
        keep = ~torch.isin(keys, a * n_atoms + b)
        i, j = i[keep], j[keep]
    return torch.stack([i, j], 1)


def _switch(r: Tensor, r_switch: float | None, cutoff: float | None) -> Tensor | None:
    if r_switch is None or cutoff is None:
        return None
    x = ((r - r_switch) / (cutoff - r_switch)).clamp(0, 1)
    return 1 - x**3 * (10 - 15 * x + 6 * x * x)


def _lj(r: Tensor, sigma: Tensor, epsilon: Tensor) -> Tensor:
    s6 = (sigma / r) ** 6
    return 4 * epsilon * (s6 * s6 - s6)


def dispersion_correction(system: MolecularSystem, box: Tensor) -> Tensor:
    """The LJ tail beyond the cutoff for a periodic box (see the module docstring), in kJ/mol.

    With a switching function the part the switch removes, ``∫_{r_s}^{r_c} U(r) (1 − S(r)) r² dr``, is added
    by 48-point Gauss–Legendre quadrature, as OpenMM integrates it.
    """
    p = system.particles
    classes, counts = torch.unique(torch.stack([p.sigma, p.epsilon], 1), dim=0, return_counts=True)
    sig = 0.5 * (classes[:, None, 0] + classes[None, :, 0])
    eps = torch.sqrt(classes[:, None, 1] * classes[None, :, 1])
    c = counts.to(sig.dtype)
    # over all N(N+1)/2 pairs: a class with itself n(n+1)/2 times, two classes n_a n_b times
    count = torch.triu(c[:, None] * c[None, :], 1) + torch.diag(c * (c + 1) / 2)
    n = float(system.n_atoms)
    pairs = n * (n + 1) / 2
    s6 = sig**6
    rc = system.nonbonded.cutoff
    tail = (count * eps * (s6 * s6 / (9 * rc**9) - s6 / (3 * rc**3))).sum() / pairs
    rs = system.nonbonded.switch_distance
    if rs is not None:
        x, w = (torch.as_tensor(a, dtype=sig.dtype) for a in np.polynomial.legendre.leggauss(48))
        r = 0.5 * (rc - rs) * x + 0.5 * (rc + rs)
        lost = _lj(r, sig[..., None], eps[..., None]) * (1 - _switch(r, rs, rc)) * r * r
        tail = tail + (count * (0.5 * (rc - rs) * (lost * w).sum(-1))).sum() / pairs / 4
    return 8 * math.pi * n * n / box.prod() * tail


def nonbonded_energy_fn(system: MolecularSystem):
    """``U(R, box=None, strain=None) -> (E_LJ, E_coulomb)`` in kJ/mol for positions ``R`` ``[N, 3]`` nm."""
    s = system.nonbonded
    pairs = non_excepted_pairs(system.n_atoms, system.exceptions.index)
    exc = system.exceptions
    active = (exc.charge_product != 0) | (exc.epsilon != 0)
    e_index, e_qq, e_sig, e_eps = exc.index[active], exc.charge_product[active], exc.sigma[active], exc.epsilon[active]
    cutoff = s.cutoff if s.method == "cutoff" else None
    if cutoff is not None:
        eps_rf = s.reaction_field_dielectric
        k_rf = (eps_rf - 1) / ((2 * eps_rf + 1) * cutoff**3)
        c_rf = 3 * eps_rf / ((2 * eps_rf + 1) * cutoff)
    if s.dispersion_correction and (cutoff is None or system.box is None):
        raise ValueError("dispersion_correction needs a periodic box and method 'cutoff'; turn it off for vacuum.")

    def energy(R: Tensor, box: Tensor | None = None, strain: Tensor | None = None) -> tuple[Tensor, Tensor]:
        b = system.box if box is None else box
        b = b.to(R) if b is not None and cutoff is not None else None
        p = system.particles
        q, sig, eps = p.charge.to(R), p.sigma.to(R), p.epsilon.to(R)
        e_lj, e_coul = R.new_zeros(()), R.new_zeros(())
        for start in range(0, len(pairs), _PAIR_BLOCK):
            i, j = pairs[start : start + _PAIR_BLOCK].to(R.device).unbind(1)
            d = displacement(R[i], R[j], b)
            if strain is not None:
                d = d + d @ strain.T
            r = torch.linalg.norm(d, dim=-1)
            lj = _lj(r, 0.5 * (sig[i] + sig[j]), torch.sqrt(eps[i] * eps[j]))
            if cutoff is None:
                coul = q[i] * q[j] / r
            else:
                inside = r < cutoff
                sw = _switch(r, s.switch_distance, cutoff)
                lj = torch.where(inside, lj if sw is None else lj * sw, torch.zeros_like(lj))
                coul = torch.where(inside, q[i] * q[j] * (1 / r + k_rf * r * r - c_rf), torch.zeros_like(r))
            e_lj, e_coul = e_lj + lj.sum(), e_coul + coul.sum()
        if len(e_index):
            i, j = e_index.to(R.device).unbind(1)
            d = displacement(R[i], R[j], b)
            if strain is not None:
                d = d + d @ strain.T
            r = torch.linalg.norm(d, dim=-1)
            e_lj = e_lj + _lj(r, e_sig.to(R), e_eps.to(R)).sum()
            e_coul = e_coul + (e_qq.to(R) / r).sum()
        if s.dispersion_correction:
            bb = b if strain is None else b * (1 + torch.diagonal(strain))
            e_lj = e_lj + dispersion_correction(system, bb.to(R)).to(R)
        return e_lj, MD.ke * e_coul

    return energy
