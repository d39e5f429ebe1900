"""Quantities from an energy function: forces, the virial stress, pressure, kinetic energy, temperature.

``energy_fn(R, *args, box=..., strain=...)`` is any energy from :mod:`physics.forcefields.pair` (or a
function with the same keywords). Forces are ``F = −∂U/∂R`` by autograd; the virial stress is
``σ_ab = (1/V) ∂U/∂ε_ab`` at zero strain ``ε`` (ASE's sign: negative under compression... i.e.
``P = −tr σ / 3 + N k T / V``). Units: energy and length units of the inputs, ``k_B = 1`` unless given.
"""

from __future__ import annotations

import torch
from torch import Tensor


def forces(energy_fn, R: Tensor, *args, create_graph: bool = False, **kw) -> Tensor:
    """``−∂U/∂R`` ``[N, 3]`` (``create_graph=True`` to differentiate through the forces)."""
    Rg = R if R.requires_grad else R.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(energy_fn(Rg, *args, **kw), Rg, create_graph=create_graph)
    return -g


def energy_and_forces(energy_fn, R: Tensor, *args, create_graph: bool = False, **kw) -> tuple[Tensor, Tensor]:
    """``(U, −∂U/∂R)``; ``U`` detached unless ``create_graph``."""
    Rg = R if R.requires_grad else R.detach().requires_grad_(True)
    e = energy_fn(Rg, *args, **kw)
    (g,) = torch.autograd.grad(e, Rg, create_graph=create_graph)
    return e.detach() if not create_graph else e, -g


def virial_stress(energy_fn, R: Tensor, box: Tensor, *args, **kw) -> Tensor:
    """``σ = (1/V) ∂U/∂ε`` ``[3, 3]`` at zero strain (configurational part only)."""
    eps = torch.zeros(3, 3, dtype=R.dtype, device=R.device, requires_grad=True)
    (g,) = torch.autograd.grad(energy_fn(R, *args, box=box, strain=eps, **kw), eps)
    return g / box.prod()


def degrees_of_freedom(n_atoms: int, dof: int | None = None) -> int:
    """``N_dof = 3N − 3`` (total momentum conserved), or ``dof`` when given (e.g. with constraints)."""
    return 3 * n_atoms - 3 if dof is None else int(dof)


def kinetic_energy(V: Tensor, mass=1.0) -> Tensor:
    """``½ Σ m v²`` of velocities ``[N, 3]`` (``mass`` a scalar or ``[N]``)."""
    m = torch.as_tensor(mass, dtype=V.dtype, device=V.device)
    m = m.reshape(-1, 1) if m.ndim else m
    return 0.5 * (m * V * V).sum()


def temperature(V: Tensor, mass=1.0, dof: int | None = None, kB: float = 1.0) -> Tensor:
    """``2 KE / (N_dof k_B)``; ``N_dof`` defaults to ``3N − 3`` (momentum conserved)."""
    return 2 * kinetic_energy(V, mass) / (degrees_of_freedom(V.shape[0], dof) * kB)


def pressure(energy_fn, R: Tensor, box: Tensor, V: Tensor | None = None, mass=1.0, *args, **kw) -> Tensor:
    """``P = (2 KE − tr(∂U/∂ε)) / (3 V)``: kinetic plus virial pressure (virial only if ``V`` is None)."""
    vol = box.prod()
    w = -torch.trace(virial_stress(energy_fn, R, box, *args, **kw)) * vol
    ke = kinetic_energy(V, mass) if V is not None else 0.0
    return (2 * ke + w) / (3 * vol)
