"""Well-tempered metadynamics recovers a known free energy; collective variables agree with mdtraj."""

import numpy as np
import pytest
import torch

from physics.forcefields.biomolecular.collective_variables import (
    cv_difference,
    dihedral,
    distance,
    harmonic_restraint,
    rmsd,
)
from solvers.md.integrators import langevin
from solvers.md.metadynamics import (
    MetadynamicsSettings,
    bias_potential,
    deposit,
    empty_bias,
    free_energy,
)


def test_well_tempered_metadynamics_recovers_a_double_well_free_energy():
    """U(x, y, z) = a (x² − 1)² + ½ k (y² + z²) with a = 4 kT: the free energy along s = x is exactly
    a (x² − 1)² (the harmonic directions integrate out). 32 walkers sharing one bias (γ = 8) for 100 τ each
    must reproduce it within 0.5 kT wherever F ≤ 5 kT, and cross the 4 kT barrier."""
    a, k, kT = 4.0, 10.0, 1.0
    cfg = MetadynamicsSettings(height=0.3, sigma=(0.15,), bias_factor=8.0, kT=kT, stride=50)

    def energy(R, bias):
        x = R[:, 0]
        e = (a * (x * x - 1) ** 2 + 0.5 * k * (R[:, 1] ** 2 + R[:, 2] ** 2)).sum()
        return e + bias_potential(cfg, bias, R[:, :1]).sum()

    init, step = langevin(energy, 0.01, kT, gamma=1.0, seed=3)
    R0 = torch.zeros(32, 3, dtype=torch.float64)
    R0[:, 0] = -1.0  # every walker starts in the left well
    bias = empty_bias(1)
    state = init(R0, None, mass=1.0, bias=bias)
    crossed = torch.zeros(32, dtype=torch.bool)
    for n in range(1, 10001):
        state = step(state, bias=bias)
        crossed |= state.R[:, 0] > 0.5
        if n % cfg.stride == 0:
            bias = deposit(cfg, bias, state.R[:, :1])
    assert bool(crossed.all())
    x = torch.linspace(-1.5, 1.5, 61, dtype=torch.float64)[:, None]
    F = free_energy(cfg, bias, x).numpy()
    exact = (a * (x[:, 0] ** 2 - 1) ** 2).numpy()
    sampled = exact <= 5 * kT
    assert np.abs(F - exact)[sampled].max() < 0.5 * kT


def test_deposited_heights_follow_the_well_tempered_rule():
    cfg = MetadynamicsSettings(height=1.0, sigma=(0.2,), bias_factor=5.0, kT=2.0)
    s = torch.tensor([[0.3]], dtype=torch.float64)
    first = deposit(cfg, empty_bias(1), s)
    second = deposit(cfg, first, s)
    assert float(first.heights[0]) == 1.0
    assert float(second.heights[1]) == pytest.approx(np.exp(-1.0 / ((5.0 - 1) * 2.0)))  # w₀ exp(−V/kΔT)
    with pytest.raises(ValueError, match="bias_factor"):
        MetadynamicsSettings(height=1.0, sigma=(0.2,), bias_factor=1.0, kT=1.0)


def test_periodic_cv_bias_wraps_around():
    cfg = MetadynamicsSettings(height=1.0, sigma=(0.3,), bias_factor=5.0, kT=1.0, periods=(2 * np.pi,))
    state = deposit(cfg, empty_bias(1), torch.tensor([[np.pi - 0.05]], dtype=torch.float64))
    near = bias_potential(cfg, state, torch.tensor([[-np.pi + 0.05]], dtype=torch.float64))
    assert float(near) == pytest.approx(np.exp(-0.5 * (0.1 / 0.3) ** 2))
    wrapped = cv_difference(torch.tensor(3.1, dtype=torch.float64), torch.tensor(-3.1, dtype=torch.float64), 2 * np.pi)
    assert float(wrapped) == pytest.approx(6.2 - 2 * np.pi)


def test_collective_variables_match_mdtraj_and_give_restraint_forces():
    mdtraj = pytest.importorskip("mdtraj")
    pytest.importorskip("openmm")
    from physics.forcefields.biomolecular import data_file

    try:
        pdb = data_file("openmmtools", "alanine-dipeptide-gbsa/alanine-dipeptide.pdb")
    except FileNotFoundError as err:
        pytest.skip(str(err))
    traj = mdtraj.load(str(pdb))
    R = torch.tensor(traj.xyz[0], dtype=torch.float64)
    phi_atoms, phi = mdtraj.compute_phi(traj)
    assert float(dihedral(R, *phi_atoms[0].tolist())) == pytest.approx(float(phi[0, 0]), abs=1e-5)
    assert float(distance(R, 4, 6)) == pytest.approx(float(mdtraj.compute_distances(traj, [[4, 6]])[0, 0]), abs=1e-6)
    g = torch.Generator().manual_seed(0)
    moved = R + 0.02 * torch.randn(R.shape, generator=g, dtype=R.dtype)
    other = mdtraj.Trajectory(moved.numpy()[None], traj.topology)
    assert float(rmsd(moved, R)) == pytest.approx(float(mdtraj.rmsd(other, traj)[0]), abs=1e-5)
    # a harmonic restraint on φ pulls φ toward its target: the force is −k (φ − φ₀) ∂φ/∂R
    Rg = R.clone().requires_grad_(True)
    e = harmonic_restraint(dihedral(Rg, *phi_atoms[0].tolist()), target=-1.0, k=100.0, period=2 * np.pi)
    (grad,) = torch.autograd.grad(e, Rg)
    step = R - 1e-4 * grad
    before = float(cv_difference(dihedral(R, *phi_atoms[0].tolist()), torch.tensor(-1.0), 2 * np.pi).abs())
    after = float(cv_difference(dihedral(step, *phi_atoms[0].tolist()), torch.tensor(-1.0), 2 * np.pi).abs())
    assert after < before


def test_reweighting_recovers_the_free_energy_of_a_cv_that_was_never_biased():
    """U = a (x² − 1)² + c (y − x)² + ½ k z², bias on x only. Tiwary–Parrinello weights turn the biased frames
    into F(y), checked against the exact F(y) = −kT ln ∫ exp(−U/kT) dx by quadrature (within 0.5 kT where
    F ≤ 3 kT); the unweighted histogram of the same frames is visibly wrong (the bias flattened x)."""
    from solvers.md.metadynamics import log_weights, reweighting_offset

    a, c, k, kT = 4.0, 2.0, 10.0, 1.0
    cfg = MetadynamicsSettings(height=0.5, sigma=(0.15,), bias_factor=8.0, kT=kT, stride=100)

    def energy(R, bias):
        x, y, z = R.unbind(-1)
        e = (a * (x * x - 1) ** 2 + c * (y - x) ** 2 + 0.5 * k * z * z).sum()
        return e + bias_potential(cfg, bias, R[:, :1]).sum()

    init, step = langevin(energy, 0.01, kT, gamma=1.0, seed=5)
    R0 = torch.zeros(32, 3, dtype=torch.float64)
    R0[:, :2] = -1.0
    bias, grid = empty_bias(1), torch.linspace(-2.5, 2.5, 201, dtype=torch.float64)[:, None]
    state = init(R0, None, mass=1.0, bias=bias)
    ys, lv, offsets = [], [], []
    offset = 0.0
    for n in range(1, 10001):
        state = step(state, bias=bias)
        if n > 2500 and n % 10 == 0:  # frames once the bias has grown past the barrier, with their bias
            ys.append(state.R[:, 1].clone())
            lv.append(bias_potential(cfg, bias, state.R[:, :1]))
            offsets.append(torch.full((32,), offset))
        if n % cfg.stride == 0:
            bias = deposit(cfg, bias, state.R[:, :1])
            offset = reweighting_offset(cfg, bias, grid)  # c(t) changes only when the bias does
    y = torch.cat(ys).numpy()
    lw = log_weights(torch.cat(lv), torch.cat(offsets), kT).numpy()
    edges = np.linspace(-2.0, 2.0, 41)
    centres = 0.5 * (edges[1:] + edges[:-1])
    hist = np.histogram(y, edges, weights=np.exp(lw))[0]
    F = -kT * np.log(hist / hist.sum())
    xq = np.linspace(-3, 3, 3001)
    exact = np.array(
        [-kT * np.log(np.trapezoid(np.exp(-(a * (xq**2 - 1) ** 2 + c * (yy - xq) ** 2) / kT), xq)) for yy in centres]
    )
    F, exact = F - F.min(), exact - exact.min()
    near = exact <= 3 * kT
    err = np.abs(F - exact)[near]
    print(f"reweighted F(y): max error {err.max():.3f} kT where F ≤ 3 kT")
    assert err.max() < 0.5 * kT, err.max()
    plain = np.histogram(y, edges)[0]
    F_plain = -kT * np.log(np.maximum(plain, 1) / plain.sum())
    plain_err = np.abs(F_plain - F_plain.min() - exact)[near].max()
    print(f"unweighted histogram: max error {plain_err:.3f} kT")
    assert plain_err > 0.5 * kT  # the same frames without weights fail the bar: the bias flattened x, and y with it
