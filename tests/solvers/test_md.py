"""MD engine: neighbour lists equal dense sums, NVE conservation and reversibility, thermostat statistics,
differentiability through a trajectory."""

import math

import numpy as np
import pytest
import torch

from physics.forcefields import energy_and_forces, fcc, kinetic_energy, lennard_jones_neighbor_list, lennard_jones_pair
from solvers.md import (
    NeighborListOverflow,
    berendsen,
    csvr,
    fire,
    langevin,
    maxwell_boltzmann,
    minimize,
    neighbor_list,
    nhc_conserved,
    nose_hoover_chain,
    nve,
)


def _liquid(cells=3, density=0.8442, seed=0):
    R, box = fcc(cells, density=density)
    return R + 0.05 * torch.randn(R.shape, generator=torch.Generator().manual_seed(seed), dtype=R.dtype), box


@pytest.mark.parametrize("cells,cutoff,skin", [(4, 2.5, 0.3), (6, 2.5, 0.5), (4, 3.2, 0.15)])
def test_verlet_and_cell_lists_equal_dense(float64, cells, cutoff, skin):
    R, box = _liquid(cells, 0.8442)
    R = R + box * (torch.rand(R.shape, generator=torch.Generator().manual_seed(3)) > 0.9)  # some atoms an image away
    dense = lennard_jones_pair(box=box, cutoff=cutoff)
    nl = lennard_jones_neighbor_list(box=box, cutoff=cutoff)
    nbrs = neighbor_list(box, cutoff, skin).allocate(R)
    e0, f0 = energy_and_forces(dense, R)
    e1, f1 = energy_and_forces(nl, R, pairs=nbrs.pairs)
    assert float(abs(e0 - e1)) < 1e-10 * abs(float(e0))
    assert float((f0 - f1).abs().max()) < 1e-10


def test_neighbor_list_rebuilds_and_refuses_overflow(float64):
    R, box = _liquid(4)
    fn = neighbor_list(box, 2.5, 0.3, capacity_multiplier=1.0)
    nbrs = fn.allocate(R)
    assert fn.update(R + 0.01, nbrs) is nbrs  # below skin/2: no rebuild
    squeezed = R * 0.6  # every atom crowded into a corner: far more pairs than the capacity
    with pytest.raises(NeighborListOverflow, match="allocate"):
        fn.update(squeezed, nbrs)


def test_nve_conserves_energy_and_is_time_reversible(float64):
    R, box = _liquid(3)
    U = lennard_jones_pair(box=box, cutoff=2.5, switch=(2.0,))
    init, step = nve(U, 0.005, box=box)
    s = init(R, maxwell_boltzmann(len(R), 1.44, seed=1))
    e = []
    for _ in range(10000):
        s = step(s)
        e.append(float(s.energy + kinetic_energy(s.V)))
    e = np.array(e)
    drift = abs(e[-1000:].mean() - e[:1000].mean()) / abs(e[0])
    assert drift < 1e-4
    start = s
    for _ in range(300):
        s = step(s)
    s = init(s.R, -s.V)
    for _ in range(300):
        s = step(s)
    d = s.R - start.R
    d = d - box * torch.round(d / box)
    assert float(d.abs().max()) < 1e-8


@pytest.mark.parametrize("method", ["langevin", "nose_hoover"])
def test_thermostats_sample_the_canonical_kinetic_energy(float64, method):
    R, box = _liquid(3, density=0.7, seed=4)
    n = len(R)
    kT, dof = 1.2, 3 * len(R) - 3
    U = lennard_jones_pair(box=box, cutoff=2.5, switch=(2.0,))
    if method == "langevin":
        init, step = langevin(U, 0.005, kT, gamma=2.0, box=box, seed=7)
    else:
        init, step = nose_hoover_chain(U, 0.005, kT, tau=0.2, box=box)
    s = init(R, maxwell_boltzmann(n, kT, seed=2))
    conserved = []
    for _ in range(1000):  # equilibrate
        s = step(s)
    ke = []
    for k in range(12000):
        s = step(s)
        if k % 5 == 0:
            ke.append(float(kinetic_energy(s.V)))
            if method == "nose_hoover":
                conserved.append(float(nhc_conserved(s, kT)))
    ke = np.array(ke)
    # Langevin thermalises all 3N momenta (N_dof = 3N); NHC conserves total momentum (3N - 3)
    nd = 3 * n if method == "langevin" else dof
    mean, std = 0.5 * nd * kT, math.sqrt(nd / 2) * kT
    # correlated samples: allow 4 standard errors with an effective sample size of ~1/20 of the samples
    se = std / math.sqrt(len(ke) / 20)
    assert abs(ke.mean() - mean) < 4 * se, (ke.mean(), mean, se)
    assert abs(ke.std() - std) / std < 0.15, (ke.std(), std)
    if conserved:
        c = np.array(conserved)
        assert np.abs(c - c[0]).max() / abs(c[0]) < 2e-3


def test_weak_coupling_thermostats_reach_the_target(float64):
    R, box = _liquid(3, density=0.7)
    U = lennard_jones_pair(box=box, cutoff=2.5, switch=(2.0,))
    for make in (berendsen, csvr):
        init, step = make(U, 0.005, 0.8, tau=0.05, box=box)
        s = init(R, maxwell_boltzmann(len(R), 2.0, seed=3))
        T = []
        for k in range(3000):
            s = step(s)
            if k > 1000:
                T.append(float(2 * kinetic_energy(s.V) / (3 * len(R) - 3)))
        assert abs(np.mean(T) - 0.8) < 0.05, make.__name__


def test_fire_finds_the_lj_dimer_and_fcc_minimum(float64):
    U = lennard_jones_pair()
    init, step = fire(U)
    s, k = minimize(init, step, torch.tensor([[0.0, 0, 0], [1.5, 0, 0]]), ftol=1e-8)
    assert float(torch.linalg.norm(s.R[1] - s.R[0])) == pytest.approx(2 ** (1 / 6), abs=1e-6)


def test_gradient_of_mean_potential_energy_wrt_sigma_and_epsilon_matches_finite_differences(float64):
    R, box = _liquid(3, seed=5)
    V0 = maxwell_boltzmann(len(R), 1.0, seed=6)

    def mean_pe(sigma, epsilon):
        U = lennard_jones_pair(box=box, cutoff=2.5, switch=(2.0,), sigma=sigma, epsilon=epsilon)
        init, step = nve(U, 0.004, box=box, differentiable=True)
        s = init(R.clone(), V0)
        total = s.energy
        for _ in range(20):
            s = step(s)
            total = total + s.energy
        return total / 21

    p = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    g = torch.autograd.grad(mean_pe(p[0], p[1]), p)[0]
    h = 1e-6
    for k in range(2):
        e = torch.zeros(2, dtype=torch.float64)
        e[k] = h
        with torch.enable_grad():
            fd = (float(mean_pe(*(p.detach() + e))) - float(mean_pe(*(p.detach() - e)))) / (2 * h)
        assert abs(float(g[k]) - fd) < 1e-5 * max(1.0, abs(fd)), (k, float(g[k]), fd)


def test_trajectories_open_in_ase_and_h5md_layout(float64, tmp_path):
    ase_io = pytest.importorskip("ase.io")
    import h5py

    from solvers.md.trajectory_io import ExtXYZWriter, H5MDWriter

    R, box = _liquid(2)
    U = lennard_jones_pair(box=box, cutoff=1.5)
    init, step = nve(U, 0.005, box=box)
    s = init(R, maxwell_boltzmann(len(R), 1.0, seed=0))
    syms = ["Ar"] * len(R)
    with ExtXYZWriter(tmp_path / "t.xyz", syms, box) as x, H5MDWriter(tmp_path / "t.h5", syms, box) as h:
        for k in range(3):
            s = step(s)
            x.append(s.R, s.V, s.energy, step=k + 1, time=0.005 * (k + 1))
            h.append(s.R, s.V, s.energy, step=k + 1, time=0.005 * (k + 1))
    frames = ase_io.read(tmp_path / "t.xyz", index=":")
    assert len(frames) == 3 and np.allclose(frames[-1].get_positions(), s.R.numpy(), atol=1e-9)
    assert np.allclose(frames[-1].cell.lengths(), box.numpy())
    with h5py.File(tmp_path / "t.h5") as f:
        assert list(f["h5md"].attrs["version"]) == [1, 1]
        assert f["particles/all/position/value"].shape == (3, len(R), 3)
        assert np.allclose(f["particles/all/box/edges"][()], box.numpy())
    assert not (tmp_path / "t.h5.partial").exists()


def test_ase_interop_both_ways(float64):
    ase = pytest.importorskip("ase")
    from ase.calculators.lj import LennardJones

    from solvers.md.trajectory_io import ase_calculator, from_ase

    rng = np.random.default_rng(1)
    atoms = ase.Atoms("Ar" * 40, positions=rng.uniform(0, 6.5, (40, 3)), cell=[6.5] * 3, pbc=True)
    R, box, masses, syms = from_ase(atoms)
    assert syms == ["Ar"] * 40 and box.tolist() == [6.5] * 3 and float(masses[0]) == pytest.approx(39.948)
    U = lennard_jones_pair(box=box, cutoff=3.0, shift=True)
    ours = atoms.copy()
    ours.calc = ase_calculator(U)
    atoms.calc = LennardJones(rc=3.0, smooth=False)
    assert ours.get_potential_energy() == pytest.approx(atoms.get_potential_energy(), rel=1e-10)
    assert np.allclose(ours.get_forces(), atoms.get_forces(), atol=1e-8)
    assert np.allclose(ours.get_stress(), atoms.get_stress(), atol=1e-8)


def test_bad_md_input_is_named(float64, tmp_path):
    from solvers.md import NonFiniteState

    R, box = _liquid(3)
    U = lennard_jones_pair(box=box, cutoff=2.5)
    init, step = nve(U, 0.005, box=box)
    bad = R.clone()
    bad[7] = bad[3]
    with pytest.raises(ValueError, match="atoms 3 and 7"):
        init(bad)
    shifted = R.clone()
    shifted[5] += box
    with pytest.warns(UserWarning, match="wrapped"):
        s = init(shifted)
    assert bool(((s.R >= 0) & (s.R < box)).all())
    from dataclasses import replace

    from solvers.md import check_state

    s = init(R, maxwell_boltzmann(len(R), 1.0))
    for _ in range(3):
        s = check_state(step(s))
    V = s.V.clone()
    V[4, 1] = float("nan")  # a corrupted state mid-run: the error names the atom and the step
    with pytest.raises(NonFiniteState, match="atom 4 at step 4"):
        check_state(step(replace(s, V=V)))


def test_berendsen_barostat_relaxes_to_the_target_pressure(float64):
    from solvers.md import berendsen_npt

    R, box = _liquid(3, density=0.75)
    U = lennard_jones_pair(box=None, cutoff=2.5, switch=(2.0,))  # the box comes from the state at every call
    init, step = berendsen_npt(
        U, 0.004, kT=1.5, target_pressure=2.0, box=box, tau_T=0.1, tau_P=0.5, compressibility=0.05
    )
    s = init(R, maxwell_boltzmann(len(R), 1.5, seed=1))
    p, L = [], []
    for k in range(1600):
        s = step(s)
        if k >= 600:
            p.append(s.thermostat["pressure"])
            L.append(float(s.thermostat["box"][0]))
    assert abs(np.mean(p) - 2.0) < 0.25, np.mean(p)
    assert abs(L[-1] - float(box[0])) > 1e-3  # the box moved
