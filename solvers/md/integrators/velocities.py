"""Initial velocities: Maxwell–Boltzmann at exactly ``kT`` with zero total momentum."""

from __future__ import annotations

import torch
from torch import Tensor

from physics.forcefields.quantities import degrees_of_freedom, kinetic_energy


def maxwell_boltzmann(n: int, kT: float, mass=1.0, seed: int = 0, dtype=torch.float64, device=None) -> Tensor:
    """Velocities ``[n, 3]`` at exactly ``kT`` (``N_dof = 3n − 3``) with zero total momentum."""
    g = torch.Generator().manual_seed(seed)  # drawn on the CPU (the same numbers on every device), then moved
    if device is None and isinstance(mass, Tensor):
        device = mass.device
    m = torch.as_tensor(mass, dtype=dtype).cpu()
    m = m.reshape(-1, 1) if m.ndim else m
    V = torch.randn(n, 3, generator=g, dtype=dtype) / torch.sqrt(m)
    V = V - (m * V).sum(0) / (m * torch.ones(n, 1, dtype=dtype)).sum(0)
    T = 2 * kinetic_energy(V, m) / degrees_of_freedom(n)
    return (V * torch.sqrt(kT / T)).to(device=device)
