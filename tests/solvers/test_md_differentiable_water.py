"""What OpenMM cannot do: the gradient of a trajectory average with respect to a force-field parameter.

A cluster of 11 rigid TIP3P waters (OpenMM's Modeller builds it, ``amber14/tip3p.xml`` parameterises it) runs
40 steps of constrained NVE (RATTLE, 1 fs) from fixed positions and velocities. The observable, the mean
potential energy along the trajectory, is differentiated through every step, SHAKE and RATTLE included,
with respect to the oxygen LJ ε, and checked against central differences of the whole simulation.
"""

import dataclasses

import pytest
import torch

mm = pytest.importorskip("openmm")
app = pytest.importorskip("openmm.app")
unit = pytest.importorskip("openmm.unit")

from physics.forcefields.biomolecular import from_openmm, molecular_energy_fn  # noqa: E402
from solvers.md.constraints import DistanceConstraints, rattle  # noqa: E402
from solvers.md.integrators import maxwell_boltzmann, nve  # noqa: E402
from solvers.md.integrators.state import positive_mass  # noqa: E402


def test_gradient_of_a_trajectory_average_in_a_water_parameter_matches_finite_differences():
    ff = app.ForceField("amber14/tip3p.xml")
    modeller = app.Modeller(app.Topology(), [])
    modeller.addSolvent(ff, model="tip3p", boxSize=mm.Vec3(0.75, 0.75, 0.75) * unit.nanometer)
    topology = modeller.topology
    topology.setPeriodicBoxVectors(None)  # a cluster in vacuum
    system = from_openmm(ff.createSystem(topology, nonbondedMethod=app.NoCutoff, rigidWater=True), topology)
    assert len(system.constraints.index) == system.n_atoms  # three distances per rigid water
    R0 = torch.tensor(modeller.positions.value_in_unit(unit.nanometer), dtype=torch.float64)
    c = DistanceConstraints(system.constraints.index, system.constraints.distance)
    V0 = rattle(
        c, R0, maxwell_boltzmann(system.n_atoms, 2.494, mass=system.masses, seed=1), positive_mass(system.masses, R0)
    )
    oxygen = torch.tensor([a.element == "O" for a in system.atoms])

    def mean_potential(eps_o, differentiable):
        eps = torch.where(oxygen, eps_o, system.particles.epsilon)
        varied = dataclasses.replace(system, particles=dataclasses.replace(system.particles, epsilon=eps))
        init, step = nve(molecular_energy_fn(varied), 0.001, constraints=c, differentiable=differentiable)
        s = init(R0, V0, mass=system.masses)
        total = 0.0
        for _ in range(40):
            s = step(s)
            total = total + s.energy
        return total / 40

    eps0 = system.particles.epsilon[oxygen][0].clone()
    x = eps0.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(mean_potential(x, True), x)
    h = 1e-4 * float(eps0)
    fd = (mean_potential(eps0 + h, False) - mean_potential(eps0 - h, False)) / (2 * h)
    assert abs(float(grad)) > 1.0  # the parameter matters
    assert float(grad) == pytest.approx(float(fd), rel=1e-6)
