"""Bonded terms: geometry against ASE and hand-built IUPAC cases, forces against finite differences,
conservation of energy and momenta, the torsion distribution against Boltzmann's law."""

import math

import numpy as np
import pytest
import torch

from physics.forcefields import (
    BondedParameters,
    Topology,
    bond_angles,
    bond_lengths,
    bonded_energy_fn,
    dihedral_angles,
    kinetic_energy,
)

BUTANE = Topology.from_bonds(["CH3", "CH2", "CH2", "CH3"], [(0, 1), (1, 2), (2, 3)])
# TraPPE-UA-like butane in reduced units (k_B T ~ 1): bonds, angles, and a three-term torsion
PARAMS = BondedParameters(
    bonds={("CH3", "CH2"): (400.0, 1.0), ("CH2", "CH2"): (400.0, 1.0)},
    angles={("CH3", "CH2", "CH2"): (80.0, 114.0)},
    dihedrals={("X", "CH2", "CH2", "X"): [(0.71, 1, 0.0), (-0.136, 2, 180.0), (1.58, 3, 0.0)]},
)


def _chain(phi_deg):
    p = math.radians(phi_deg)
    return torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [math.cos(p), math.sin(p), 1.0]])


def test_topology_from_bonds_and_exclusions():
    assert BUTANE.angles.tolist() == [[0, 1, 2], [1, 2, 3]]
    assert BUTANE.dihedrals.tolist() == [[0, 1, 2, 3]]
    assert BUTANE.exclusions(3).tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
    assert BUTANE.exclusions(2).tolist() == [[0, 1], [0, 2], [1, 2], [1, 3], [2, 3]]


@pytest.mark.parametrize("phi", [180.0, 60.0, -60.0, 0.0, 120.0, -179.0])
def test_dihedral_follows_iupac(float64, phi):
    # looking along j→k (+z), the far bond k-l turned clockwise from the near bond i-j is positive
    got = math.degrees(float(dihedral_angles(_chain(phi), BUTANE.dihedrals)[0]))
    assert got == pytest.approx(phi, abs=1e-10) or abs(abs(got) - 180.0) < 1e-10 and abs(phi) == 180.0


def test_geometry_matches_ase(float64):
    ase = pytest.importorskip("ase")
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.normal(size=(4, 3))
        atoms = ase.Atoms("C4", positions=x)
        R = torch.tensor(x)
        assert float(bond_lengths(R, BUTANE.bonds)[1]) == pytest.approx(atoms.get_distance(1, 2), abs=1e-12)
        assert math.degrees(float(bond_angles(R, BUTANE.angles)[0])) == pytest.approx(
            atoms.get_angle(0, 1, 2), abs=1e-9
        )
        ours = math.degrees(float(dihedral_angles(R, BUTANE.dihedrals)[0])) % 360.0
        assert ours == pytest.approx(atoms.get_dihedral(0, 1, 2, 3), abs=1e-9)


def test_energy_values_and_finite_difference_forces(float64):
    U = bonded_energy_fn(BUTANE, PARAMS)
    R = _chain(60.0)  # bonds 1, 1 and sqrt(1 + 0) ... built by hand: angles 90°, φ = 60°
    e_bond = 0.5 * 400.0 * 0.0
    e_angle = 2 * 0.5 * 80.0 * math.radians(90.0 - 114.0) ** 2
    e_tors = (
        0.71 * (1 + math.cos(math.radians(60)))
        - 0.136 * (1 + math.cos(math.radians(120 - 180)))
        + 1.58 * (1 + math.cos(math.radians(180)))
    )
    assert float(U(R)) == pytest.approx(e_bond + e_angle + e_tors, rel=1e-12)
    Rr = (R + 0.1 * torch.randn(4, 3, generator=torch.Generator().manual_seed(1), dtype=R.dtype)).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: U(x), (Rr,), eps=1e-6, atol=1e-7)


def test_periodic_images_and_strain(float64):
    box = torch.tensor([5.0, 5.0, 5.0])
    U = bonded_energy_fn(BUTANE, PARAMS, box=box)
    R = _chain(75.0) + torch.tensor([4.6, 2.0, 2.0])
    wrapped = torch.remainder(R, box)  # the molecule straddles the x boundary
    assert float(U(wrapped)) == pytest.approx(float(bonded_energy_fn(BUTANE, PARAMS)(R)), rel=1e-12)
    eps = torch.zeros(3, 3, requires_grad=True)
    (g,) = torch.autograd.grad(U(wrapped, strain=eps), eps)
    h = 1e-6
    for a, b in ((0, 0), (1, 2)):
        e = torch.zeros(3, 3)
        e[a, b] = h
        fd = (float(U(wrapped, strain=e)) - float(U(wrapped, strain=-e))) / (2 * h)
        assert float(g[a, b]) == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_missing_parameter_is_named():
    params = BondedParameters(bonds=PARAMS.bonds, angles={}, dihedrals=PARAMS.dihedrals)
    with pytest.raises(
        ValueError, match=r"no angle parameters for types \('CH3', 'CH2', 'CH2'\) \(angle 0, atoms \[0, 1, 2\]\)"
    ):
        bonded_energy_fn(BUTANE, params)
    with pytest.raises(ValueError, match="outside"):
        Topology.from_bonds(["A", "B"], [(0, 2)])


def _molecules(m, seed=0):
    g = torch.Generator().manual_seed(seed)
    phis = torch.rand(m, generator=g) * 360 - 180
    R = torch.cat([_chain(float(p)) + 10.0 * torch.tensor([k, 0.0, 0.0]) for k, p in enumerate(phis)])
    bonds = [(4 * k + a, 4 * k + a + 1) for k in range(m) for a in range(3)]
    return R, Topology.from_bonds(["CH3", "CH2", "CH2", "CH3"] * m, bonds)


def test_nve_conserves_energy_and_both_momenta(float64):
    from solvers.md import maxwell_boltzmann, nve

    R, top = _molecules(3)
    U = bonded_energy_fn(top, PARAMS)
    init, step = nve(U, 0.002)
    mass = torch.tensor([15.0, 14.0, 14.0, 15.0] * 3) / 14.0
    s = init(R, maxwell_boltzmann(len(R), 1.0, mass=mass, seed=3), mass=mass)

    def totals(s):
        return (
            float(s.energy + kinetic_energy(s.V, s.mass)),
            (s.mass * s.V).sum(0),
            torch.cross(s.R, s.mass * s.V, dim=-1).sum(0),
        )

    e0, p0, l0 = totals(s)
    for _ in range(5000):
        s = step(s)
    e1, p1, l1 = totals(s)
    assert abs(e1 - e0) < 1e-4 * abs(e0)
    assert float((p1 - p0).abs().max()) < 1e-10 and float((l1 - l0).abs().max()) < 1e-8


def test_langevin_torsions_follow_boltzmann(float64):
    from solvers.md import langevin

    m, kT = 200, 1.0
    R, top = _molecules(m, seed=1)
    U = bonded_energy_fn(top, PARAMS)
    init, step = langevin(U, 0.005, kT, gamma=2.0, seed=4)
    s = init(R)
    samples = []
    for k in range(6000):
        s = step(s)
        if k >= 1000 and k % 20 == 0:
            samples.append(dihedral_angles(s.R, top.dihedrals))
    phi = torch.cat(samples).numpy()
    edges = np.linspace(-np.pi, np.pi, 19)
    hist, _ = np.histogram(phi, edges)
    centres = 0.5 * (edges[1:] + edges[:-1])
    grid = np.linspace(-np.pi, np.pi, 3601)
    u = sum(k * (1 + np.cos(n * grid - np.radians(p0))) for k, n, p0 in PARAMS.dihedrals[("X", "CH2", "CH2", "X")])
    w = np.exp(-u / kT)
    expected = np.array([w[(grid >= a) & (grid < b)].mean() for a, b in zip(edges[:-1], edges[1:])])
    expected = expected / expected.sum() * hist.sum()
    # trans and gauche populations and the whole histogram within sampling error (correlated samples: 3σ + 5 %)
    assert np.all(np.abs(hist - expected) < 3 * np.sqrt(expected) * 2 + 0.05 * expected), (centres, hist, expected)
    trans = np.abs(phi) > np.radians(120)
    p_trans = (w[np.abs(grid) > np.radians(120)].sum()) / w.sum()
    assert trans.mean() == pytest.approx(p_trans, abs=0.03)
