"""SHAKE/RATTLE: exact geometry on small cases, and alanine dipeptide with bonds to hydrogen constrained at
2 fs against OpenMM's own constrained Verlet integrator (same start, same step, same tolerance)."""

import math

import numpy as np
import pytest
import torch

from physics.forcefields import MD, kinetic_energy
from solvers.md.constraints import ConstraintFailure, DistanceConstraints, constrained_dof, rattle, shake
from solvers.md.integrators import langevin, nve


def _water_like(seed=0):
    """A bent triatomic with all three distances constrained (rigid, like SETTLE's water), random drift."""
    g = torch.Generator().manual_seed(seed)
    R = torch.tensor([[0.0, 0.0, 0.0], [0.09572, 0.0, 0.0], [-0.02399, 0.09266, 0.0]], dtype=torch.float64)
    idx = torch.tensor([[0, 1], [0, 2], [1, 2]])
    d = torch.linalg.norm(R[idx[:, 0]] - R[idx[:, 1]], dim=-1)
    mass = torch.tensor([15.999, 1.008, 1.008], dtype=torch.float64)
    return R, idx, d, mass, g


def test_shake_restores_every_distance_and_conserves_the_centre_of_mass():
    R, idx, d, mass, g = _water_like()
    c = DistanceConstraints(idx, d)
    moved = R + 0.003 * torch.randn(R.shape, generator=g, dtype=R.dtype)
    out = shake(c, moved, R, mass)
    got = torch.linalg.norm(out[idx[:, 0]] - out[idx[:, 1]], dim=-1)
    assert torch.allclose(got, d, rtol=1e-10, atol=0)
    centre = (mass[:, None] * out).sum(0) / mass.sum()  # internal forces move no centre of mass
    assert torch.allclose(centre, (mass[:, None] * moved).sum(0) / mass.sum(), atol=1e-14)


def test_rattle_leaves_no_velocity_along_a_constrained_bond_and_keeps_momentum():
    R, idx, d, mass, g = _water_like(1)
    V = torch.randn(R.shape, generator=g, dtype=R.dtype)
    out = rattle(DistanceConstraints(idx, d), R, V, mass)
    r = R[idx[:, 0]] - R[idx[:, 1]]
    along = (r * (out[idx[:, 0]] - out[idx[:, 1]])).sum(-1)
    assert along.abs().max() < 1e-9
    assert torch.allclose((mass[:, None] * out).sum(0), (mass[:, None] * V).sum(0), atol=1e-12)


def test_an_impossible_step_names_the_atoms_and_the_fix():
    R, idx, d, mass, _ = _water_like()
    labels = ("chain A HOH1 atom O", "chain A HOH1 atom H1", "chain A HOH1 atom H2")
    c = DistanceConstraints(idx, d, max_iterations=1, labels=labels)
    with pytest.raises(ConstraintFailure, match=r"HOH1 atom .* step is probably too large"):
        shake(c, R + torch.tensor([[0.0, 0, 0], [0.5, 0.3, 0], [0, 0, 0]], dtype=R.dtype), R, mass)


def test_constrained_dof():
    assert constrained_dof(22, 12) == 66 - 12 - 3
    assert constrained_dof(3, 3, remove_com=False) == 6


def _alanine_with_hbonds():
    app = pytest.importorskip("openmm.app")
    from physics.forcefields.biomolecular import data_file, load_amber

    try:
        prmtop = data_file("openmmtools", "alanine-dipeptide-gbsa/alanine-dipeptide.prmtop")
    except FileNotFoundError as err:
        pytest.skip(str(err))
    system, _ = load_amber(prmtop, prmtop.with_suffix(".crd"), constraints=app.HBonds)
    return prmtop, system


def _openmm_start(prmtop, dt, **create):
    """OpenMM minimises, draws 300 K velocities and constrains them; both engines start from there.
    ``create`` adds options to ``createSystem`` (e.g. ``hydrogenMass``)."""
    mm = pytest.importorskip("openmm")
    app = pytest.importorskip("openmm.app")
    u = pytest.importorskip("openmm.unit")
    omm = app.AmberPrmtopFile(str(prmtop)).createSystem(nonbondedMethod=app.NoCutoff, constraints=app.HBonds, **create)
    integ = mm.VerletIntegrator(dt)
    integ.setConstraintTolerance(1e-10)
    ctx = mm.Context(omm, integ, mm.Platform.getPlatformByName("Reference"))
    ctx.setPositions(app.AmberInpcrdFile(str(prmtop.with_suffix(".crd"))).getPositions())
    mm.LocalEnergyMinimizer.minimize(ctx, 1.0)
    ctx.setVelocitiesToTemperature(300 * u.kelvin, 1)
    ctx.applyConstraints(1e-10)
    ctx.applyVelocityConstraints(1e-10)
    st = ctx.getState(getPositions=True, getVelocities=True)
    R = torch.tensor(st.getPositions(asNumpy=True).value_in_unit(u.nanometer))
    V = torch.tensor(st.getVelocities(asNumpy=True).value_in_unit(u.nanometer / u.picosecond))
    return ctx, integ, R, V


def _side_by_side_nve(system, ctx, integ, R, V, dt, steps):
    """Total energies of our RATTLE NVE and OpenMM's Verlet from the same start, and our worst relative
    constraint error over the run: ``(ours, theirs, worst)``."""
    from physics.forcefields.biomolecular import molecular_energy_fn

    u = pytest.importorskip("openmm.unit")
    c = DistanceConstraints(system.constraints.index, system.constraints.distance)
    init, step = nve(molecular_energy_fn(system), dt, constraints=c)
    s = init(R, V, mass=system.masses)
    ours, worst = [], 0.0
    for _ in range(steps):
        s = step(s)
        d = torch.linalg.norm(s.R[c.index[:, 0]] - s.R[c.index[:, 1]], dim=-1)
        worst = max(worst, float(((d - c.distance) / c.distance).abs().max()))
        ours.append(float(s.energy + kinetic_energy(s.V, s.mass)))
    theirs = []
    for _ in range(steps):
        integ.step(1)
        st = ctx.getState(getEnergy=True)
        theirs.append((st.getPotentialEnergy() + st.getKineticEnergy()).value_in_unit(u.kilojoule_per_mole))
    return ours, theirs, worst


def test_rattle_nve_at_2fs_holds_constraints_and_conserves_energy_like_openmm():
    prmtop, system = _alanine_with_hbonds()
    assert len(system.constraints.index) == 12  # every bond to hydrogen
    dt, steps = 0.002, 1000
    ctx, integ, R, V = _openmm_start(prmtop, dt)
    ours, theirs, worst = _side_by_side_nve(system, ctx, integ, R, V, dt, steps)
    assert worst < 1e-8  # the bar: constrained distances to 1e-8 relative after every step
    ours_spread, theirs_spread = np.std(ours), np.std(theirs)
    assert 0.5 < ours_spread / theirs_spread < 2.0, (ours_spread, theirs_spread)  # same order as OpenMM
    assert abs(ours[-1] - ours[0]) < 5 * max(abs(theirs[-1] - theirs[0]), theirs_spread)


def test_constrained_langevin_samples_the_target_temperature_with_constrained_dof():
    """200 rigid triatomics (3 constraints each, like rigid water) in a soft harmonic trap: ⟨T⟩ = 300 K when
    the temperature counts 3N − N_c degrees of freedom; a count ignoring the constraints reads 200 K. The trap
    is soft (ω dt ≈ 0.05), so BAOAB's O(ω²dt²) bias of on-step velocities is negligible here."""
    R1, idx1, d1, m1, _ = _water_like()
    n_mol = 200
    offsets = torch.arange(n_mol, dtype=torch.float64)[:, None, None] * torch.tensor([1.0, 0.0, 0.0])
    R = (R1[None] + offsets).reshape(-1, 3)
    idx = (idx1[None] + 3 * torch.arange(n_mol)[:, None, None]).reshape(-1, 2)
    c = DistanceConstraints(idx, d1.repeat(n_mol))
    mass = m1.repeat(n_mol)
    k_trap, dt, kT = 10.0, 0.002, MD.kT(300.0)  # kJ/mol/nm²: ω = √(k/m) ≈ 3/ps for hydrogen

    def trap(X, **_):
        return 0.5 * k_trap * ((X - R) ** 2).sum()

    init, step = langevin(trap, dt, kT, gamma=20.0, seed=1, constraints=c)
    s = init(R, None, mass=mass)
    dof = constrained_dof(len(R), len(idx), remove_com=False)
    temps = []
    for k in range(1500):
        s = step(s)
        if k >= 300:
            temps.append(float(2 * kinetic_energy(s.V, s.mass) / (dof * MD.kB)))
    blocks = [b.mean() for b in np.array_split(np.asarray(temps), 10)]
    mean, err = np.mean(blocks), np.std(blocks, ddof=1) / math.sqrt(len(blocks))
    d = torch.linalg.norm(s.R[idx[:, 0]] - s.R[idx[:, 1]], dim=-1)
    assert float(((d - c.distance) / c.distance).abs().max()) < 1e-8
    assert err < 3.0, err
    assert abs(mean - 300) < max(4 * err, 3.0), (mean, err)


def test_hydrogen_mass_repartitioning_allows_4fs_like_openmm():
    """OpenMM's createSystem(hydrogenMass=4 amu) moves mass from heavy atoms to their hydrogens; our RATTLE NVE at
    4 fs then conserves energy like OpenMM's on the same start; without HMR a 4 fs step warns."""
    app = pytest.importorskip("openmm.app")
    u = pytest.importorskip("openmm.unit")
    from physics.forcefields.biomolecular import data_file, load_amber
    from solvers.md.biomolecular import BiomolecularSettings, MolecularDynamics, TimeStepWarning

    prmtop = data_file("openmmtools", "alanine-dipeptide-gbsa/alanine-dipeptide.prmtop")
    crd = prmtop.with_suffix(".crd")
    kw = dict(nonbondedMethod=app.NoCutoff, constraints=app.HBonds, hydrogenMass=4 * u.amu)
    system, _ = load_amber(prmtop, crd, **kw)
    hydrogen = torch.tensor([a.element == "H" for a in system.atoms])
    assert torch.allclose(system.masses[hydrogen], torch.tensor(4.0, dtype=torch.float64))
    dt = 0.004
    ctx, integ, R, V = _openmm_start(prmtop, dt, hydrogenMass=4 * u.amu)
    ours, theirs, _ = _side_by_side_nve(system, ctx, integ, R, V, dt, 500)
    assert 0.5 < np.std(ours) / np.std(theirs) < 2.0, (np.std(ours), np.std(theirs))
    plain, _ = load_amber(prmtop, crd, constraints=app.HBonds)
    with pytest.warns(TimeStepWarning, match="repartition hydrogen mass"):
        MolecularDynamics.build(plain, BiomolecularSettings(dt_ps=0.004))
