"""NPT for molecular systems: a TIP3P box under the Monte Carlo barostat, against OpenMM's own
``MonteCarloBarostat`` + ``LangevinMiddleIntegrator`` run with the same settings in the same test.

The box (217 rigid TIP3P waters, 1.9 nm, OpenMM's Modeller fills it; ``amber14/tip3p.xml``) uses a 0.6 nm
reaction-field cutoff so that the long comparison stays affordable; both engines see exactly that model.
"""

import math

import numpy as np
import pytest
import torch

from solvers.md.biomolecular import BiomolecularSettings, MolecularDynamics
from solvers.md.molecular_npt import advance_npt, density, start_npt

mm = pytest.importorskip("openmm")
app = pytest.importorskip("openmm.app")
unit = pytest.importorskip("openmm.unit")

from physics.forcefields.biomolecular import from_openmm  # noqa: E402

CUTOFF_NM = 0.6


def _water_box(edge_nm=1.9):
    ff = app.ForceField("amber14/tip3p.xml")
    model = app.Modeller(app.Topology(), [])
    model.addSolvent(ff, model="tip3p", boxSize=mm.Vec3(edge_nm, edge_nm, edge_nm) * unit.nanometer)
    omm = ff.createSystem(
        model.topology, nonbondedMethod=app.CutoffPeriodic, nonbondedCutoff=CUTOFF_NM * unit.nanometer, rigidWater=True
    )
    ctx = mm.Context(omm, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("Reference"))
    ctx.setPositions(model.positions)
    mm.LocalEnergyMinimizer.minimize(ctx, 10.0, 500)
    positions = ctx.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    return omm, model.topology, np.asarray(positions)


def _block_error(x, blocks=10):
    means = np.array([b.mean() for b in np.array_split(np.asarray(x), blocks)])
    return means.std(ddof=1) / math.sqrt(blocks)


def test_npt_moves_keep_constraints_and_forces_consistent_with_the_new_box():
    omm, topology, R = _water_box()
    system = from_openmm(omm, topology)
    md = MolecularDynamics.build(system, BiomolecularSettings(pressure_bar=1000.0, skin_nm=0.1, barostat_frequency=5))
    npt = start_npt(md, torch.tensor(R), seed=3)
    start_box = npt.box.clone()
    npt = advance_npt(npt, 100)
    assert not torch.equal(npt.box, start_box)  # 20 moves at 1000 bar: the box changed
    assert npt.md.system.box is npt.box or torch.equal(npt.md.system.box, npt.box)
    c, box, Rn = npt.md.constraints, npt.box, npt.state.R
    d = Rn[c.index[:, 0]] - Rn[c.index[:, 1]]
    d = torch.linalg.norm(d - box * torch.round(d / box), dim=-1)
    assert float(((d - c.distance) / c.distance).abs().max()) < 1e-8
    # the forces carried in the state are those of the current box
    X = Rn.clone().requires_grad_(True)
    pairs = npt.md.neighbors.allocate(Rn)
    from solvers.md.biomolecular import PairList

    e = npt.md.energy(X, box=box, pairs=PairList.of(pairs).pairs)
    (g,) = torch.autograd.grad(e, X)
    assert torch.allclose(npt.state.F, -g, rtol=1e-9, atol=1e-8)


def test_a_pressure_without_a_box_or_thermostat_is_refused():
    with pytest.raises(ValueError, match="needs a finite pressure and a thermostat"):
        BiomolecularSettings(pressure_bar=1.0, friction_per_ps=0.0)


@pytest.mark.slow
def test_tip3p_density_and_temperature_match_openmm_under_the_monte_carlo_barostat():
    """Density within 0.5 % of OpenMM's with the same settings (300 K, 1 bar, 2 fs, friction 1/ps, a volume
    move every 25 steps); OpenMM runs 2 ns so its error is small, ours 100 ps after 10 ps (about 12 min on 2 cores).
    The printed block errors say how far apart the two means may be by chance."""
    omm, topology, R = _water_box()
    T, P, dt = 300.0, 1.0, 0.002
    ref = mm.XmlSerializer.deserialize(mm.XmlSerializer.serialize(omm))
    ref.addForce(mm.MonteCarloBarostat(P * unit.bar, T * unit.kelvin, 25))
    integrator = mm.LangevinMiddleIntegrator(T * unit.kelvin, 1.0 / unit.picosecond, dt * unit.picosecond)
    integrator.setRandomNumberSeed(7)
    ctx = mm.Context(ref, integrator, mm.Platform.getPlatformByName("CPU"), {"Threads": "2"})
    ctx.setPositions(R)
    ctx.setVelocitiesToTemperature(T * unit.kelvin, 7)
    integrator.step(10_000)  # 20 ps
    mass = sum(omm.getParticleMass(i).value_in_unit(unit.dalton) for i in range(omm.getNumParticles()))
    theirs = []
    for _ in range(20_000):  # 2 ns, a sample every 0.1 ps
        integrator.step(50)
        v = ctx.getState().getPeriodicBoxVolume().value_in_unit(unit.nanometer**3)
        theirs.append(mass * 1.66053907e-3 / v)

    system = from_openmm(omm, topology, dtype=torch.float32)
    md = MolecularDynamics.build(system, BiomolecularSettings(pressure_bar=P, temperature_K=T, skin_nm=0.1))
    npt = advance_npt(start_npt(md, torch.tensor(R, dtype=torch.float32), seed=7), 5_000)
    ours, temps = [], []
    for _ in range(1_000):  # 100 ps
        npt = advance_npt(npt, 50)
        ours.append(density(npt))
        temps.append(npt.md.temperature(npt.state))
    rho, rho_ref = float(np.mean(ours)), float(np.mean(theirs))
    err, err_ref = _block_error(ours), _block_error(theirs)
    print(f"density ours {rho:.5f} ± {err:.5f}, OpenMM {rho_ref:.5f} ± {err_ref:.5f} g/cm³; ⟨T⟩ {np.mean(temps):.2f} K")
    assert abs(rho / rho_ref - 1) <= 0.005
    assert abs(np.mean(temps) - T) <= 3 * _block_error(temps) + 0.5
