"""Force fields against LAMMPS's bench/in.lj step 0 and ASE's Lennard-Jones calculator."""

import math

import numpy as np
import pytest
import torch

from physics.forcefields import (
    energy_and_forces,
    fcc,
    forces,
    lennard_jones,
    lennard_jones_pair,
    morse_pair,
    pressure,
    switching,
    virial_stress,
    wca,
)


def test_lammps_bench_lj_step0_energy_and_pressure(float64):
    # LAMMPS bench/in.lj: fcc 0.8442, rc = 2.5 unshifted, T = 1.44 (32000 atoms). A 4x4x4-cell box has the
    # same per-atom energy; the kinetic pressure is rho*T*(N-1)/N for N = 32000 (dof 3N-3).
    R, box = fcc(4, density=0.8442)
    U = lennard_jones_pair(box=box, cutoff=2.5)
    e = float(U(R)) / len(R)
    assert e == pytest.approx(-6.7733681, rel=1e-6)
    p_virial = float(pressure(U, R, box))
    n_lammps = 32000
    p = p_virial + 0.8442 * 1.44 * (n_lammps - 1) / n_lammps
    assert p == pytest.approx(-5.0197073, rel=1e-6)


def test_forces_and_stress_match_ase_lennard_jones(float64):
    ase = pytest.importorskip("ase")
    from ase.calculators.lj import LennardJones

    rng = np.random.default_rng(0)
    L, n, rc = 7.0, 60, 3.0
    pos = rng.uniform(0, L, (n, 3))
    # push apart overlapping atoms so the energies stay moderate
    atoms = ase.Atoms("Ar" * n, positions=pos, cell=[L, L, L], pbc=True)
    atoms.calc = LennardJones(sigma=1.0, epsilon=1.0, rc=rc, smooth=False)
    R = torch.tensor(pos)
    box = torch.tensor([L, L, L])
    U = lennard_jones_pair(box=box, cutoff=rc, shift=True)  # ASE shifts the energy to zero at rc
    e, f = energy_and_forces(U, R)
    ref_e, ref_f = atoms.get_potential_energy(), atoms.get_forces()
    assert abs(float(e) - ref_e) <= 1e-8 * max(1.0, abs(ref_e))
    assert np.abs(f.numpy() - ref_f).max() <= 1e-8 * max(1.0, np.abs(ref_f).max())
    s = virial_stress(U, R, box).numpy()
    ref_s = atoms.get_stress(voigt=False)
    assert np.abs(s - ref_s).max() <= 1e-8 * max(1.0, np.abs(ref_s).max())


def test_forces_are_minus_gradient_by_finite_differences(float64):
    R, box = fcc(3, density=0.8)
    R = R + 0.05 * torch.randn(R.shape, generator=torch.Generator().manual_seed(2))
    for U in (
        lennard_jones_pair(box=box, cutoff=2.4, switch=(2.0,)),
        morse_pair(box=box, cutoff=2.4, shift=True, a=2.0),
    ):
        f = forces(U, R)
        h = 1e-6
        for i, k in ((0, 0), (5, 2), (40, 1)):
            dR = torch.zeros_like(R)
            dR[i, k] = h
            fd = -(float(U(R + dR)) - float(U(R - dR))) / (2 * h)
            assert abs(fd - float(f[i, k])) < 1e-6 * max(1.0, abs(fd))


def test_potential_shapes():
    r = torch.tensor([2 ** (1 / 6), 1.0, 3.0], dtype=torch.float64)
    assert float(lennard_jones(r)[0]) == pytest.approx(-1.0)
    assert float(lennard_jones(r)[1]) == pytest.approx(0.0)
    assert float(wca(r)[0]) == pytest.approx(0.0) and float(wca(r)[2]) == 0.0
    s = switching(torch.tensor([1.0, 2.0, 2.25, 2.5, 3.0]), 2.0, 2.5)
    assert s[0] == 1 and s[1] == 1 and 0 < s[2] < 1 and s[3] == 0 and s[4] == 0


def test_bad_input():
    with pytest.raises(ValueError, match="half the smallest box edge"):
        lennard_jones_pair(box=torch.tensor([4.0, 4.0, 4.0]), cutoff=2.5)
    with pytest.raises(ValueError, match="positive"):
        lennard_jones_pair(box=torch.tensor([4.0, -1.0, 4.0]))
    with pytest.raises(ValueError, match="exactly one"):
        fcc(2)
    assert math.isfinite(1.0)


def test_ewald_reproduces_the_nacl_madelung_constant(float64):
    from physics.forcefields.electrostatics import ewald, rock_salt

    R, q, box = rock_salt(2, a=1.0)
    U = ewald(q, box, alpha=3.6, cutoff=0.99, kmax=9)
    e = float(U(R))
    madelung = -e * 0.5 / (len(R) / 2)  # E per ion pair = -M q^2 / r0 with r0 = a/2
    assert madelung == pytest.approx(1.747565, rel=1e-5)
    # forces vanish by symmetry on the perfect lattice; off it, they are minus the energy's gradient
    e2, f = energy_and_forces(U, R)
    assert float(f.abs().max()) < 1e-6
    Rd = R.clone()
    Rd[0, 0] += 0.05
    _, fd = energy_and_forces(U, Rd)
    h = 1e-6
    plus, minus = Rd.clone(), Rd.clone()
    plus[0, 0] += h
    minus[0, 0] -= h
    assert float(fd[0, 0]) == pytest.approx(-(float(U(plus)) - float(U(minus))) / (2 * h), rel=1e-6)
    assert float(fd[0, 0]) > 0  # Earnshaw: point charges alone have no stable equilibrium


def test_reaction_field_energy_is_zero_at_the_cutoff(float64):
    from physics.forcefields.electrostatics import coulomb_reaction_field

    U = coulomb_reaction_field(torch.tensor([1.0, -1.0]), cutoff=1.2, eps_rf=78.0)
    for r, sign in ((1.1999999, 0.0), (0.5, -1.0)):
        e = float(U(torch.tensor([[0.0, 0, 0], [r, 0, 0]])))
        assert (abs(e) < 1e-5) if sign == 0 else e < 0
