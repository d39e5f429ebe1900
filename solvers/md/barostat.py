"""Berendsen barostat (NPT, weak coupling; Berendsen et al. 1984, *J. Chem. Phys.* 81:3684).

Each step: velocity Verlet in the current box, Berendsen velocity rescaling towards ``kT``, then an isotropic
rescaling of positions and box by ``μ = [1 − (β Δt/τ_P)(P₀ − P)]^{1/3}`` with the instantaneous pressure ``P``
(kinetic + virial, :func:`physics.forcefields.pressure`). The box lives in the state (``state.thermostat["box"]``)
and is passed to ``energy_fn(R, box=...)``. Like its thermostat, it relaxes the mean correctly but does not sample
the NPT ensemble's fluctuations. Dense energies only (no neighbour list) in this version.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from physics.forcefields.quantities import degrees_of_freedom, kinetic_energy, pressure
from physics.forcefields.space import wrap
from solvers.md.integrators.state import MDState, energy_and_forces, positive_mass


def berendsen_npt(
    energy_fn,
    dt: float,
    kT: float,
    target_pressure: float,
    box,
    tau_T: float = 0.1,
    tau_P: float = 1.0,
    compressibility: float = 1.0,
    dof: int | None = None,
):
    """``(init, step)`` for Berendsen NPT; ``compressibility`` β in inverse pressure units."""

    def init(R, V=None, mass=1.0):
        b = torch.as_tensor(box, dtype=R.dtype, device=R.device).clone()
        V = torch.zeros_like(R) if V is None else V
        e, f = energy_and_forces(energy_fn, R, False, {"box": b})
        return MDState(R, V, f, e, positive_mass(mass, R), 0, {"box": b, "pressure": float("nan")})

    def step(s: MDState) -> MDState:
        b = s.thermostat["box"]
        V = s.V + 0.5 * dt * s.F / s.mass
        R = wrap(s.R + dt * V, b)
        e, f = energy_and_forces(energy_fn, R, False, {"box": b})
        V = V + 0.5 * dt * f / s.mass
        nd = degrees_of_freedom(R.shape[0], dof)
        T = 2 * kinetic_energy(V, s.mass) / nd
        V = V * torch.sqrt(torch.clamp(1 + dt / tau_T * (kT / T - 1), min=0.0))
        P = pressure(energy_fn, R, b, V, s.mass)
        mu = (1 - compressibility * dt / tau_P * (target_pressure - P)) ** (1 / 3)
        R, b = R * mu, b * mu
        e, f = energy_and_forces(energy_fn, R, False, {"box": b})
        return replace(s, R=R, V=V, F=f, energy=e, step=s.step + 1, thermostat={"box": b, "pressure": float(P)})

    return init, step
