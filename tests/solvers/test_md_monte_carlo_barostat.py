"""The Monte Carlo barostat samples p(V) ∝ V^N exp(−PV/kT) exactly for an ideal gas of molecules, and moves
molecules rigidly."""

import math

import numpy as np
import torch

from solvers.md.monte_carlo_barostat import (
    BAR_TO_KJ_MOL_NM3,
    BarostatSettings,
    BarostatState,
    barostat_move,
    molecule_index,
    scale_molecules,
)


def _diatomics(n_mol: int, box: float):
    g = torch.Generator().manual_seed(0)
    centres = torch.rand(n_mol, 3, generator=g, dtype=torch.float64) * box
    R = torch.cat([centres, centres + torch.tensor([0.1, 0.0, 0.0], dtype=torch.float64)])
    bonds = torch.stack([torch.arange(n_mol), torch.arange(n_mol) + n_mol], 1)
    masses = torch.cat([torch.full((n_mol,), 16.0), torch.full((n_mol,), 1.0)]).double()
    return R, bonds, masses


def test_ideal_gas_volume_matches_the_analytic_npt_mean():
    """⟨V⟩ = (N_mol + 1) k_B T / P for an ideal gas under volume moves with the N ln(V'/V) term."""
    n_mol, kT, pressure = 50, 2.494, 1000.0
    R, bonds, masses = _diatomics(n_mol, 1.3)
    molecules = molecule_index(len(R), bonds)
    assert int(molecules.max()) + 1 == n_mol
    settings = BarostatSettings(pressure_bar=pressure, kT=kT)
    state = BarostatState(torch.full((3,), 1.3, dtype=torch.float64), max_delta=0.2, seed=7)
    volumes, energy = [], 0.0
    for k in range(20000):
        state, R, energy = barostat_move(settings, state, R, energy, lambda X, b: 0.0, masses, molecules)
        if k >= 2000:
            volumes.append(float(state.box.prod()))
    exact = (n_mol + 1) * kT / (pressure * BAR_TO_KJ_MOL_NM3)
    blocks = [b.mean() for b in np.array_split(np.asarray(volumes), 20)]
    err = np.std(blocks, ddof=1) / math.sqrt(len(blocks))
    assert err < 0.02 * exact
    print(f"<V> = {np.mean(blocks):.4f} ± {err:.4f} nm³, exact {exact:.4f}")
    assert abs(np.mean(blocks) - exact) < 4 * err, (np.mean(blocks), exact, err)


def test_molecules_move_rigidly_with_their_centre_of_mass():
    R, bonds, masses = _diatomics(10, 2.0)
    molecules = molecule_index(len(R), bonds)
    moved = scale_molecules(R, masses, molecules, 1.1)
    before = torch.linalg.norm(R[bonds[:, 0]] - R[bonds[:, 1]], dim=-1)
    after = torch.linalg.norm(moved[bonds[:, 0]] - moved[bonds[:, 1]], dim=-1)
    assert torch.allclose(before, after, atol=1e-14)
    com = (masses[:10, None] * R[:10] + masses[10:, None] * R[10:]) / (masses[:10] + masses[10:])[:, None]
    com_moved = (masses[:10, None] * moved[:10] + masses[10:, None] * moved[10:]) / (masses[:10] + masses[10:])[:, None]
    assert torch.allclose(com_moved, 1.1 * com, atol=1e-14)
