"""CHARMM36 (CMAP, harmonic impropers, Urey–Bradley, the LJ type table and 1-4 pairs) term by term against
OpenMM's Reference platform in the same process, and the CMAP interpolation against analytic surfaces.

Systems ship inside the ``openmm`` wheel: the 582-atom protein of ``app/data/test.pdb`` (water and ions
removed) in vacuum, and the 2685-atom ``tip3p.pdb`` box with CHARMM's TIP3P under a periodic cutoff.
"""

import math
import warnings

import numpy as np
import pytest
import torch

from physics.forcefields.biomolecular.cmap import cmap_coefficients, cmap_energy

mm = pytest.importorskip("openmm")
app = pytest.importorskip("openmm.app")
unit = pytest.importorskip("openmm.unit")

from physics.forcefields.biomolecular import data_file, from_openmm, molecular_energy_fn  # noqa: E402
from tests.physics.test_biomolecular_vs_openmm import openmm_terms  # noqa: E402

# OpenMM force -> our terms (CHARMM's Urey–Bradley 1-3 terms are in the HarmonicBondForce)
OUR_TERMS = {
    "HarmonicBondForce": ("bonds",),
    "HarmonicAngleForce": ("angles",),
    "PeriodicTorsionForce": ("torsions",),
    "CustomTorsionForce": ("impropers",),
    "CMAPTorsionForce": ("cmap",),
    "NonbondedForce": ("coulomb",),
    ("CustomNonbondedForce", "CustomBondForce"): ("lennard_jones",),
}


def _protein():
    pdb = app.PDBFile(str(data_file("openmm", "app/data/test.pdb")))
    model = app.Modeller(pdb.topology, pdb.positions)
    model.deleteWater()
    model.delete([a for a in model.topology.atoms() if a.residue.name == "Cl"])
    return model.topology, model.positions


def _compare(omm, topology, positions, rtol):
    reference = openmm_terms(omm, positions)
    system = from_openmm(omm, topology)
    R = torch.tensor(positions.value_in_unit(unit.nanometer), dtype=torch.float64, requires_grad=True)
    terms = molecular_energy_fn(system).terms(R)
    worst = {}
    for forces, ours in OUR_TERMS.items():
        forces = forces if isinstance(forces, tuple) else (forces,)
        if not all(f in reference for f in forces):
            continue
        e_ref = sum(reference[f][0] for f in forces)
        f_ref = sum(reference[f][1] for f in forces)
        e = sum(terms[t] for t in ours)
        g = torch.autograd.grad(e, R, retain_graph=True)[0] if e.requires_grad else torch.zeros_like(R)
        e_err = abs(float(e.detach()) - e_ref) / max(abs(e_ref), 1.0)
        f_err = np.abs(-g.numpy() - f_ref).max() / max(np.abs(f_ref).max(), 1.0)  # water bonds sit at rest
        worst[forces] = (e_err, f_err)
        assert e_err <= rtol and f_err <= rtol, (forces, e_err, f_err)
    return worst


def test_charmm36_protein_in_vacuum_matches_openmm_term_by_term_in_float64():
    topology, positions = _protein()
    omm = app.ForceField("charmm36.xml").createSystem(topology, nonbondedMethod=app.NoCutoff)
    worst = _compare(omm, topology, positions, rtol=1e-6)
    # measured: every term ≤ 1e-9 relative in energy, CMAP and LJ forces ~3e-15 (Coulomb's 7e-10 is the
    # same summation-order floor as with AMBER)
    assert {"CMAPTorsionForce", "CustomTorsionForce"} <= {f for k in worst for f in k}


@pytest.mark.parametrize("switch", [None, 0.7])
def test_charmm_tip3p_box_with_periodic_cutoff_and_tail_correction_matches_openmm(switch):
    pdb = app.PDBFile(str(data_file("openmm", "app/data/tip3p.pdb")))
    kw = {"switchDistance": switch * unit.nanometer} if switch else {}
    with pytest.warns(UserWarning, match="Conflicting settings for useDispersionCorrection"):
        omm = app.ForceField("charmm36.xml", "charmm36/water.xml").createSystem(
            pdb.topology,
            nonbondedMethod=app.CutoffPeriodic,
            nonbondedCutoff=0.9 * unit.nanometer,
            useDispersionCorrection=True,
            **kw,
        )
    # OpenMM integrates the table's tail numerically (2e-8 relative off the closed form without a switch)
    _compare(omm, pdb.topology, pdb.positions, rtol=1e-6)


def _with_nbfix(omm, scale_a: float = 1.1, scale_b: float = 0.9):
    """``omm`` with an O–H pair override in CHARMM's LJ table that the combining rules cannot give (NBFIX)."""
    table = next(f for f in omm.getForces() if isinstance(f, mm.CustomNonbondedForce))
    types = sorted({int(table.getParticleParameters(i)[0]) for i in range(table.getNumParticles())})
    for name, scale in (("acoef", scale_a), ("bcoef", scale_b)):
        f = next(table.getTabulatedFunction(t) for t in range(table.getNumTabulatedFunctions())
                 if table.getTabulatedFunctionName(t) == name)  # fmt: skip
        nx, ny, values = f.getFunctionParameters()
        values = list(values)
        values[types[0] + nx * types[1]] *= scale
        values[types[1] + nx * types[0]] *= scale
        f.setFunctionParameters(nx, ny, values)
    return omm


@pytest.mark.parametrize("periodic", [False, True])
def test_an_nbfix_pair_table_matches_openmm_term_by_term(periodic):
    """CHARMM's NBFIX: a pair override the Lorentz–Berthelot rules cannot give is kept as a pair table; TIP3P
    box, in vacuum and with a periodic cutoff, switch and tail correction, every term against the Reference
    platform; the native step path (pairs by autograd, the rest native) gives the same forces."""
    from physics.forcefields.biomolecular import molecular_energy_fn

    pdb = app.PDBFile(str(data_file("openmm", "app/data/tip3p.pdb")))
    kw = dict(nonbondedMethod=app.NoCutoff)
    if periodic:
        kw = dict(nonbondedMethod=app.CutoffPeriodic, nonbondedCutoff=0.9 * unit.nanometer)
        kw.update(switchDistance=0.7 * unit.nanometer, useDispersionCorrection=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CHARMM water's dispersion-correction note
        omm = _with_nbfix(app.ForceField("charmm36.xml", "charmm36/water.xml").createSystem(pdb.topology, **kw))
    system = from_openmm(omm, pdb.topology)
    assert system.lennard_jones_table is not None and system.lennard_jones_table.a.shape == (2, 2)
    _compare(omm, pdb.topology, pdb.positions, rtol=1e-6)
    R = torch.tensor(pdb.positions.value_in_unit(unit.nanometer), dtype=torch.float64)
    energy = molecular_energy_fn(system)
    Rg = R.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(energy(Rg), Rg)
    e, f = energy.energy_and_forces(R)
    assert float(e) == pytest.approx(float(energy(R)), rel=1e-12)
    assert float((f + g).abs().max() / g.abs().max()) < 1e-11


def test_an_unknown_custom_torsion_is_refused_with_the_expression():
    topology, _ = _protein()
    omm = app.ForceField("charmm36.xml").createSystem(topology, nonbondedMethod=app.NoCutoff)
    torsion = next(f for f in omm.getForces() if isinstance(f, mm.CustomTorsionForce))
    torsion.setEnergyFunction("k*(1-cos(theta-theta0))")
    with pytest.raises(ValueError, match=r"k\*\(1-cos\(theta-theta0\)\).*only CHARMM's harmonic improper"):
        from_openmm(omm, topology)


def _surface(phi, psi):
    return np.cos(phi) + 0.5 * np.sin(2 * psi) + 0.3 * np.cos(phi - psi) * np.sin(psi)


def _cmap_error(n: int) -> float:
    grid = np.arange(n) * 2 * math.pi / n
    c = torch.tensor(cmap_coefficients(_surface(grid[:, None], grid[None, :])))[None]
    rng = np.random.default_rng(0)
    phi, psi = rng.uniform(-math.pi, math.pi, (2, 200))
    # four atoms whose IUPAC dihedral is a given angle: (1,0,0), (0,0,0), (0,0,1), (cos, sin, 1)
    R, index = [], []
    for k, (a, b) in enumerate(zip(phi, psi, strict=True)):
        for angle in (a, b):
            R += [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [math.cos(angle), math.sin(angle), 1.0]]
        index.append(list(range(8 * k, 8 * k + 8)))
    R = torch.tensor(R, dtype=torch.float64)
    index = torch.tensor(index)
    ours = np.array([float(cmap_energy(R, index[k : k + 1], torch.tensor([0]), c)) for k in range(len(phi))])
    return float(np.abs(ours - _surface(phi, psi)).max())


def test_cmap_patches_reproduce_a_smooth_periodic_surface_with_fourth_order_convergence():
    errors = [_cmap_error(n) for n in (12, 24, 48)]
    order = np.polyfit(np.log([12, 24, 48]), np.log(errors), 1)[0]
    # measured order 4.2 (2.7e-3, 1.3e-4, 7.7e-6 at n = 12, 24, 48): bicubic Hermite patches are O(h⁴)
    assert -order > 3.7, (errors, order)
    assert errors[-1] < 1e-5


def test_cmap_matches_the_grid_at_the_nodes_and_is_continuous_across_cells():
    n = 24
    rng = np.random.default_rng(1)
    E = rng.normal(size=(n, n))
    c = cmap_coefficients(E)
    # at t = u = 0 a patch gives its own corner; at t = 1 the next cell's corner (value and slope)
    assert np.allclose(c[:, :, 0, 0], E, atol=1e-12)
    value_end = c.sum(axis=(2, 3))  # t = u = 1
    assert np.allclose(value_end, np.roll(E, (-1, -1), axis=(0, 1)), atol=1e-10)
    slope_t_end = (np.arange(4)[:, None] * c).sum(axis=(2, 3))  # dE/dt at t = 1, u = 1
    slope_t_next = c[:, :, 1, :].sum(-1)  # dE/dt at t = 0, u = 1
    assert np.allclose(slope_t_end, np.roll(slope_t_next, -1, axis=0), atol=1e-9)
