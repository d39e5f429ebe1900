"""Dynamics of a :class:`~physics.forcefields.biomolecular.MolecularSystem`: Langevin (constrained BAOAB) or
velocity Verlet (RATTLE), with its constraints, a Verlet neighbour list for cut-off and PME systems, and the
checks that stop a blown-up run.

    dynamics = MolecularDynamics.build(system, BiomolecularSettings(dt_ps=0.002, temperature_K=300))
    state, pairs = dynamics.start(R, seed=1)                 # Maxwell–Boltzmann velocities, constrained
    state, pairs = dynamics.advance(state, pairs, steps=500)

Units are OpenMM's (nm, ps, kJ/mol, g/mol). The temperature counts ``3N − N_c`` degrees of freedom (Langevin
conserves no momentum). BAOAB's on-step velocities read the temperature low by ``O(ω²dt²)`` for the fastest
unconstrained vibrations (about 4 % for alanine dipeptide at 2 fs with bonds to hydrogen constrained; 0.5 %
at 0.5 fs); configurational averages are unaffected (Leimkuhler & Matthews 2013).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from physics.forcefields import MD, kinetic_energy, wrap
from physics.forcefields.biomolecular import (
    ExceptionFreePairs,
    MolecularEnergy,
    MolecularSystem,
    NeighborRows,
    molecular_energy_fn,
    native_pairs_available,
)
from sciml.config import check_range
from solvers.md.constraints import DistanceConstraints, constrained_dof, rattle
from solvers.md.half_pair_neighbors import HalfPairList
from solvers.md.integrators import MDState, check_state, langevin, maxwell_boltzmann, nve
from solvers.md.integrators.state import positive_mass
from solvers.md.neighbor_lists import neighbor_list
from solvers.md.skin import update_or_reallocate
from solvers.md.stability import SimulationBlowUp


@dataclass(frozen=True)
class BiomolecularSettings:
    """Step ``dt_ps`` (ps), ``temperature_K``, Langevin ``friction_per_ps`` (0 → NVE with RATTLE), neighbour
    list ``skin_nm``, the blow-up limit ``max_temperature_factor`` × the target temperature, and for NPT the
    ``pressure_bar`` of a Monte Carlo barostat tried every ``barostat_frequency`` steps (None: constant volume)."""

    dt_ps: float = 0.002
    temperature_K: float = 300.0
    friction_per_ps: float = 1.0
    skin_nm: float = 0.15
    max_temperature_factor: float = 5.0
    pressure_bar: float | None = None
    barostat_frequency: int = 25

    def __post_init__(self):
        check_range("dt_ps", self.dt_ps, low=0, high=0.01, low_open=True, meaning="ps; 0.002 with HBonds")
        check_range("temperature_K", self.temperature_K, low=0, low_open=True)
        check_range("friction_per_ps", self.friction_per_ps, low=0)
        check_range("skin_nm", self.skin_nm, low=0)
        check_range("max_temperature_factor", self.max_temperature_factor, low=1, low_open=True)
        check_range("barostat_frequency", self.barostat_frequency, low=1, integer=True, meaning="steps")
        if self.pressure_bar is not None and (self.friction_per_ps == 0 or not math.isfinite(self.pressure_bar)):
            raise ValueError(
                f"pressure_bar = {self.pressure_bar} needs a finite pressure and a thermostat (friction_per_ps > 0): "
                "the Monte Carlo barostat samples NPT at the Langevin temperature."
            )


@dataclass(frozen=True)
class PairList:
    """A Verlet list and what the energy takes from it, made once per rebuild: a half list's ``i < j`` pairs
    (:class:`~solvers.md.half_pair_neighbors.HalfPairList`; as
    :class:`~physics.forcefields.biomolecular.ExceptionFreePairs` when the native kernel left the energy's
    exceptions out), or a dense list's rows (:class:`~physics.forcefields.biomolecular.NeighborRows`, turned into
    filtered pairs by one native pass inside the energy) on CPU, else their ``i < j`` pairs ``[P, 2]``."""

    neighbors: object
    pairs: object

    @staticmethod
    def of(neighbors) -> PairList:
        """The energy's view of a :class:`~solvers.md.half_pair_neighbors.HalfPairList` or a
        :class:`~solvers.md.dense_neighbors.DenseNeighborList`."""
        if isinstance(neighbors, HalfPairList):
            if neighbors.excluded is not None:
                return PairList(neighbors, ExceptionFreePairs(neighbors.pairs, neighbors.excluded))
            return PairList(neighbors, neighbors.pairs)
        rows = NeighborRows(neighbors.idx)
        if neighbors.idx.device.type == "cpu" and native_pairs_available():
            return PairList(neighbors, rows)
        return PairList(neighbors, rows.half_pairs())


class TimeStepWarning(UserWarning):
    """The step is larger than the fastest motion left unconstrained allows."""


def _check_time_step(system: MolecularSystem, dt_ps: float) -> None:
    """Warn above 1 fs without constraints, and above 2 fs with them unless hydrogens are heavy (HMR)."""
    hydrogen = torch.tensor([a.element == "H" for a in system.atoms])
    light = bool(hydrogen.any()) and float(system.masses[hydrogen].min()) < 2.0
    constrained = system.constraints.index.numel() > 0
    if not constrained and light and dt_ps > 0.001:
        warnings.warn(
            f"dt = {dt_ps * 1000:g} fs without constraints: bonds to hydrogen vibrate with a ~10 fs period, so 0.5-1 "
            "fs is the stable step; constrain HBonds (constraints=app.HBonds) for 2 fs.",
            TimeStepWarning,
            stacklevel=3,
        )
    elif constrained and light and dt_ps > 0.002:
        warnings.warn(
            f"dt = {dt_ps * 1000:g} fs with hydrogens of normal mass: above 2 fs the angles involving hydrogen go "
            "unstable; repartition hydrogen mass (createSystem(hydrogenMass=4*amu), bio.hydrogen_mass=4) for 4 fs.",
            TimeStepWarning,
            stacklevel=3,
        )


@dataclass(frozen=True)
class MolecularDynamics:
    """The pieces of one simulation, built once: energy, constraints, neighbour list, integrator."""

    system: MolecularSystem
    settings: BiomolecularSettings
    energy: MolecularEnergy
    constraints: DistanceConstraints | None
    neighbors: object | None
    init: object
    step: object
    dof: int
    seed: int = 0

    @staticmethod
    def build(system: MolecularSystem, settings: BiomolecularSettings, seed: int = 0) -> MolecularDynamics:
        """Energy, constraints (with atom names for errors), neighbour list and integrator for ``system``."""
        _check_time_step(system, settings.dt_ps)
        if settings.pressure_bar is not None and system.box is None:
            raise ValueError("pressure_bar needs a periodic system (a box); remove it for a molecule in vacuum.")
        c = None
        if system.constraints.index.numel():
            labels = tuple(str(a) for a in system.atoms)
            c = DistanceConstraints(system.constraints.index, system.constraints.distance, labels=labels)
        n_c = 0 if c is None else len(c.index)
        dof = constrained_dof(system.n_atoms, n_c, remove_com=settings.friction_per_ps == 0)
        md = MolecularDynamics(system, settings, molecular_energy_fn(system), c, None, None, None, dof, seed)
        return md.with_box(system.box)

    def exception_rows(self) -> tuple[Tensor, Tensor]:
        """The energy's exception rows (:meth:`~physics.forcefields.biomolecular.MolecularEnergy.exception_rows`),
        for a neighbour list to leave out as it builds."""
        return self.energy.exception_rows()

    def with_box(self, box: Tensor | None) -> MolecularDynamics:
        """The same simulation in another periodic box (after a barostat move): new integrator and neighbour
        list, same energy function and constraints. The box ``[3]`` nm replaces ``system.box``."""
        settings, c = self.settings, self.constraints
        system = self.system if box is None else replace(self.system, box=box)
        nbrs = None
        if system.nonbonded.method != "none" and box is not None:
            nbrs = neighbor_list(
                box, system.nonbonded.cutoff, skin=settings.skin_nm, format="half", excluded=self.exception_rows()
            )

        def energy(R, **kw):
            return self.energy(R, box=box, **kw)

        def energy_and_forces(R, **kw):  # the integrators' non-differentiable steps: native pair kernel
            return self.energy.energy_and_forces(R, box=box, **kw)

        energy.energy_and_forces = energy_and_forces

        kT = MD.kT(settings.temperature_K)
        if settings.friction_per_ps > 0:
            init, step = langevin(
                energy, settings.dt_ps, kT, settings.friction_per_ps, box=box, seed=self.seed, constraints=c
            )
        else:
            init, step = nve(energy, settings.dt_ps, box=box, constraints=c)
        return replace(self, system=system, neighbors=nbrs, init=init, step=step)

    def temperature(self, state: MDState) -> float:
        """Kinetic temperature (K) over the constrained degrees of freedom."""
        return float(2 * kinetic_energy(state.V, state.mass) / (self.dof * MD.kB))

    def start(self, R: Tensor, V: Tensor | None = None, seed: int = 0):
        """``(state, pairs)`` at ``R``; velocities drawn at the target temperature when not given, constrained."""
        mass = positive_mass(self.system.masses.to(R), R)
        R = wrap(R, self.system.box.to(R)) if self.system.box is not None else R  # molecules may straddle the box
        pairs = PairList.of(self.neighbors.allocate(R)) if self.neighbors is not None else None
        if V is None:
            V = maxwell_boltzmann(R.shape[0], MD.kT(self.settings.temperature_K), mass=mass.flatten(), seed=seed)
            V = V.to(R)
        if self.constraints is not None:
            V = rattle(self.constraints, R, V, mass, self.system.box)
        kw = {"pairs": pairs.pairs} if pairs is not None else {}
        return self.init(R, V, mass=mass, **kw), pairs

    def advance(self, state: MDState, pairs, steps: int):
        """``steps`` steps; raises :class:`SimulationBlowUp` (naming the step and the hottest atom) or
        :class:`~solvers.md.integrators.NonFiniteState` on a blow-up."""
        limit = self.settings.max_temperature_factor * self.settings.temperature_K
        for _ in range(steps):
            if pairs is not None:
                built = update_or_reallocate(self.neighbors, state.R, pairs.neighbors)
                pairs = pairs if built is pairs.neighbors else PairList.of(built)
            state = self.step(state, **({"pairs": pairs.pairs} if pairs is not None else {}))
            check_state(state)
            if state.step % 10 == 0:
                T = self.temperature(state)
                if not T <= limit:
                    hot = int(torch.argmax((state.mass * state.V * state.V).sum(-1)))
                    raise SimulationBlowUp(
                        f"the simulation blew up at step {state.step}: T = {T:.4g} K > {limit:.4g} K; the hottest "
                        f"atom is {self.system.describe(hot)}. Reduce dt (now {self.settings.dt_ps} ps), "
                        "constrain bonds to hydrogen, or minimise first."
                    )
        return state, pairs
