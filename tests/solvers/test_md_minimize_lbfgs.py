"""L-BFGS minimisation against OpenMM's LocalEnergyMinimizer (same start, same tolerance), with and without
constraints, and recovery from a non-finite line-search point."""

import pytest
import torch

from solvers.md.constraints import DistanceConstraints
from solvers.md.minimize_lbfgs import minimize_lbfgs


@pytest.mark.parametrize("hbonds", [False, True])
def test_alanine_dipeptide_reaches_openmms_minimum(hbonds):
    mm = pytest.importorskip("openmm")
    app = pytest.importorskip("openmm.app")
    unit = pytest.importorskip("openmm.unit")
    from physics.forcefields.biomolecular import data_file, load_amber, molecular_energy_fn

    try:
        prmtop = data_file("openmmtools", "alanine-dipeptide-gbsa/alanine-dipeptide.prmtop")
    except FileNotFoundError as err:
        pytest.skip(str(err))
    crd = prmtop.with_suffix(".crd")
    cons = app.HBonds if hbonds else None
    system, R = load_amber(prmtop, crd, constraints=cons)
    energy = molecular_energy_fn(system)
    c = DistanceConstraints(system.constraints.index, system.constraints.distance) if hbonds else None
    result = minimize_lbfgs(energy, R, force_tolerance=1.0, constraints=c, mass=system.masses)

    omm = app.AmberPrmtopFile(str(prmtop)).createSystem(nonbondedMethod=app.NoCutoff, constraints=cons)
    ctx = mm.Context(omm, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("Reference"))
    ctx.setPositions(app.AmberInpcrdFile(str(crd)).getPositions())
    mm.LocalEnergyMinimizer.minimize(ctx, 1.0, 0)
    reference = ctx.getState(getEnergy=True).getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)

    assert result.converged and result.max_force <= 1.0
    assert result.energy < float(energy(R)) - 25  # it went somewhere: the start is 30 kJ/mol higher
    assert result.energy == pytest.approx(reference, abs=0.05)  # the same minimum, to 0.05 kJ/mol
    if hbonds:
        d = torch.linalg.norm(result.R[c.index[:, 0]] - result.R[c.index[:, 1]], dim=-1)
        assert torch.allclose(d, c.distance, rtol=1e-8)


def test_a_non_finite_trial_point_is_recovered_from():
    """The energy is NaN on its fourth evaluation (a clash met by the line search): the minimiser restores the
    last good point, warns, and still reaches the minimum of Σ (x − 1)²."""
    calls = {"n": 0}

    def energy(x):
        calls["n"] += 1
        e = ((x - 1.0) ** 2).sum() + 0.1 * (x**4).sum()
        return e * float("nan") if calls["n"] == 4 else e

    x0 = torch.full((5, 3), 4.0, dtype=torch.float64)
    with pytest.warns(UserWarning, match="non-finite energy; restored the last good positions"):
        result = minimize_lbfgs(energy, x0, force_tolerance=1e-6)
    assert result.restarts == 1 and result.converged
    # stationary point of (x − 1)² + 0.1 x⁴: 2(x − 1) + 0.4 x³ = 0
    x = result.R
    assert torch.allclose(2 * (x - 1) + 0.4 * x**3, torch.zeros_like(x), atol=1e-6)
