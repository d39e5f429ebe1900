"""Collective variables as differentiable functions of positions, and a harmonic restraint on one.

    distance(R, i, j, box)           |r_i − r_j| (minimum image), nm
    angle(R, i, j, k, box)           θ at j, radians
    dihedral(R, i, j, k, l, box)     IUPAC φ in (−π, π], radians (φ, ψ of a peptide)
    rmsd(R, reference, atoms)        RMSD after optimal superposition (Kabsch 1976), nm

Each returns a 0-d tensor; autograd gives the CV's gradient, so a bias on a CV gives forces. A CV can be
periodic (a dihedral): :func:`cv_difference` takes the shortest signed difference with a period.
"""

from __future__ import annotations

import torch
from torch import Tensor

from physics.forcefields.bonded import bond_angles, bond_lengths, dihedral_angles


def distance(R: Tensor, i: int, j: int, box: Tensor | None = None) -> Tensor:
    """``|r_i − r_j|`` with the minimum image."""
    return bond_lengths(R, torch.tensor([[i, j]], device=R.device), box)[0]


def angle(R: Tensor, i: int, j: int, k: int, box: Tensor | None = None) -> Tensor:
    """The angle ``i-j-k`` at ``j`` (radians)."""
    return bond_angles(R, torch.tensor([[i, j, k]], device=R.device), box)[0]


def dihedral(R: Tensor, i: int, j: int, k: int, l: int, box: Tensor | None = None) -> Tensor:  # noqa: E741
    """The IUPAC dihedral ``i-j-k-l`` (radians, in (−π, π])."""
    return dihedral_angles(R, torch.tensor([[i, j, k, l]], device=R.device), box)[0]


def rmsd(R: Tensor, reference: Tensor, atoms: Tensor | None = None) -> Tensor:
    """RMSD of ``R[atoms]`` to ``reference[atoms]`` after removing translation and the optimal rotation.

    The rotation comes from the SVD of the covariance (Kabsch, Acta Cryst. A32, 922, 1976), with the sign
    fixed so it is a proper rotation; differentiable while the covariance's singular values are distinct.
    """
    X = R if atoms is None else R[atoms]
    Y = reference.to(R) if atoms is None else reference.to(R)[atoms]
    X = X - X.mean(0)
    Y = Y - Y.mean(0)
    U, S, Vh = torch.linalg.svd(X.T @ Y)
    d = torch.sign(torch.linalg.det(U @ Vh))
    S = torch.cat([S[:2], S[2:] * d])
    msd = ((X * X).sum() + (Y * Y).sum() - 2 * S.sum()) / X.shape[0]
    return torch.sqrt(msd.clamp_min(0))


def cv_difference(a: Tensor, b: Tensor, period: float | None = None) -> Tensor:
    """``a − b``, wrapped into ``[−period/2, period/2)`` for a periodic CV (``2π`` for a dihedral)."""
    d = a - b
    if period is None:
        return d
    return d - period * torch.round(d / period)


def harmonic_restraint(cv_value: Tensor, target: float, k: float, period: float | None = None) -> Tensor:
    """``½ k (s − s₀)²`` (``k`` in energy per CV unit²), periodic when ``period`` is given."""
    return 0.5 * k * cv_difference(cv_value, torch.as_tensor(target, dtype=cv_value.dtype), period) ** 2
