"""Solvated alanine dipeptide (PME, bonds to hydrogen and rigid water constrained, 2 fs) with our engine:
NVE energy conservation of the same order as OpenMM's own constrained Verlet on the same start, constraints
held, and a blow-up that names the step and the atom."""

import numpy as np
import pytest
import torch

mm = pytest.importorskip("openmm")
app = pytest.importorskip("openmm.app")
unit = pytest.importorskip("openmm.unit")

from physics.forcefields import kinetic_energy  # noqa: E402
from physics.forcefields.biomolecular import data_file, load_amber  # noqa: E402
from solvers.md.biomolecular import BiomolecularSettings, MolecularDynamics  # noqa: E402
from solvers.md.stability import SimulationBlowUp  # noqa: E402

KW = dict(nonbondedMethod=app.PME, nonbondedCutoff=0.9 * unit.nanometer, constraints=app.HBonds, rigidWater=True)


def _files():
    try:
        prmtop = data_file("openmmtools", "alanine-dipeptide-explicit/alanine-dipeptide.prmtop")
    except FileNotFoundError as err:
        pytest.skip(str(err))
    return prmtop, prmtop.parent / "alanine-dipeptide.crd"


def _openmm_start(prmtop, crd, dt):
    inpcrd = app.AmberInpcrdFile(str(crd))
    system = app.AmberPrmtopFile(str(prmtop)).createSystem(**KW)
    system.setDefaultPeriodicBoxVectors(*inpcrd.boxVectors)
    integrator = mm.VerletIntegrator(dt)
    integrator.setConstraintTolerance(1e-8)
    ctx = mm.Context(system, integrator, mm.Platform.getPlatformByName("CPU"), {"Threads": "2"})
    ctx.setPositions(inpcrd.getPositions())
    mm.LocalEnergyMinimizer.minimize(ctx, 10.0, 200)
    ctx.setVelocitiesToTemperature(300 * unit.kelvin, 2)
    ctx.applyConstraints(1e-8)
    ctx.applyVelocityConstraints(1e-8)
    st = ctx.getState(getPositions=True, getVelocities=True)
    R = torch.tensor(st.getPositions(asNumpy=True).value_in_unit(unit.nanometer))
    V = torch.tensor(st.getVelocities(asNumpy=True).value_in_unit(unit.nanometer / unit.picosecond))
    return ctx, integrator, R, V


def test_solvated_nve_at_2fs_conserves_energy_like_openmm():
    prmtop, crd = _files()
    dt, steps = 0.002, 100
    ctx, integrator, R, V = _openmm_start(prmtop, crd, dt)
    system, _ = load_amber(prmtop, crd, **KW)
    md = MolecularDynamics.build(system, BiomolecularSettings(dt_ps=dt, friction_per_ps=0.0))
    state, pairs = md.start(R, V)
    ours = []
    for _ in range(steps // 10):
        state, pairs = md.advance(state, pairs, 10)
        ours.append(float(state.energy + kinetic_energy(state.V, state.mass)))
    c = md.constraints
    d = torch.linalg.norm(
        torch.remainder(state.R[c.index[:, 0]] - state.R[c.index[:, 1]] + system.box / 2, system.box) - system.box / 2,
        dim=-1,
    )
    assert float(((d - c.distance) / c.distance).abs().max()) < 1e-8  # rigid water and X–H bonds held
    theirs = []
    for _ in range(steps // 10):
        integrator.step(10)
        st = ctx.getState(getEnergy=True)
        theirs.append((st.getPotentialEnergy() + st.getKineticEnergy()).value_in_unit(unit.kilojoule_per_mole))
    spread_ours, spread_theirs = np.ptp(ours), np.ptp(theirs)
    print(f"total-energy spread over {steps} steps: ours {spread_ours:.3g}, OpenMM {spread_theirs:.3g} kJ/mol")
    # same order as OpenMM (whose CPU platform is mixed precision): within a factor of 5 either way, and small
    # against the kinetic energy (~8,500 kJ/mol here)
    assert spread_ours < 5 * max(spread_theirs, 1.0), (spread_ours, spread_theirs)
    assert spread_ours < 0.005 * float(kinetic_energy(state.V, state.mass))
    assert 100 < md.temperature(state) < 400  # from a minimum, half the kinetic energy flows into the potential


def test_a_blow_up_names_the_step_and_the_hottest_atom():
    prmtop, crd = _files()
    system, R = load_amber(prmtop, crd, **KW)
    md = MolecularDynamics.build(system, BiomolecularSettings(dt_ps=0.002, temperature_K=300.0))
    state, pairs = md.start(R, seed=1)
    state = type(state)(**{**state.__dict__, "V": state.V * 10})  # a 30,000 K kick
    with pytest.raises(SimulationBlowUp, match=r"blew up at step 10: T = .* hottest atom is atom \d+ \(chain"):
        md.advance(state, pairs, 10)


def test_a_list_built_without_the_exceptions_gives_the_same_forces_and_a_foreign_one_is_filtered_again():
    """The engine's half list leaves the exceptions out when built with the energy's own exception rows
    (``ExceptionFreePairs``); the energy then skips its filter. Rows that are not the energy's own (a copy) must not
    be trusted: the energy filters again, and a list that still holds the exceptions gives the same energy."""
    from physics.forcefields.biomolecular import ExceptionFreePairs, molecular_energy_fn
    from solvers.md.neighbor_lists import neighbor_list

    prmtop, crd = _files()
    system, R = load_amber(prmtop, crd, nonbondedMethod=app.PME, nonbondedCutoff=0.9 * unit.nanometer)
    energy = molecular_energy_fn(system)
    rows = energy.exception_rows()
    plain = neighbor_list(system.box, 0.9, skin=0.1, format="half").allocate(R)
    built = neighbor_list(system.box, 0.9, skin=0.1, format="half", excluded=rows).allocate(R)
    assert built.excluded is rows and len(built.pairs) < len(plain.pairs)
    e_ref, f_ref = energy.energy_and_forces(R, pairs=plain.pairs)
    e, f = energy.energy_and_forces(R, pairs=ExceptionFreePairs(built.pairs, rows))
    assert float(e) == pytest.approx(float(e_ref), rel=1e-12)
    assert float((f - f_ref).abs().max() / f_ref.abs().max()) < 1e-11
    foreign = tuple(t.clone() for t in rows)  # equal, but not the energy's own tuple
    e_foreign, _ = molecular_energy_fn(system).energy_and_forces(R, pairs=ExceptionFreePairs(plain.pairs, foreign))
    assert float(e_foreign) == pytest.approx(float(e_ref), rel=1e-12)
