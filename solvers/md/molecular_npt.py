"""Constant pressure for a :class:`~solvers.md.biomolecular.MolecularDynamics`: constrained Langevin steps with a
Monte Carlo volume move every ``barostat_frequency`` steps (OpenMM's ``MonteCarloBarostat`` scheme,
:mod:`solvers.md.monte_carlo_barostat`).

    npt = start_npt(md, R, seed=1)             # md built with BiomolecularSettings(pressure_bar=1.0)
    npt = advance_npt(npt, steps=5000)
    npt.md.system.box, density(npt)            # nm, g/cm³

The box is part of the state: :class:`NPTState` is frozen and holds the simulation pieces built for the current
box (``md.with_box``), the MD state, the neighbour list and the barostat's own state. A trial volume is scored
with a fresh neighbour list in the trial box, so no pair is missed however far the molecules move; an accepted
move rebuilds the integrator and the list for the new box and recomputes the forces. Molecules (the connected
components of bonds and constraints) move rigidly with their centres of mass, so constraints stay satisfied.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import torch

from physics.forcefields import MD, wrap
from solvers.md.biomolecular import MolecularDynamics, PairList
from solvers.md.integrators import MDState
from solvers.md.monte_carlo_barostat import BarostatSettings, BarostatState, barostat_move, bond_tree, molecule_index
from solvers.md.neighbor_lists import neighbor_list

AMU_PER_NM3_TO_G_PER_CM3 = 1.66053907e-3  # (1 g/mol / N_A) / 1 nm³ in g/cm³


@dataclass(frozen=True)
class NPTState:
    """Everything that changes in an NPT run: pieces for the current box, MD state, pair list, barostat."""

    md: MolecularDynamics
    state: MDState
    pairs: PairList | None
    barostat: BarostatState
    molecules: torch.Tensor  # [N] molecule of every atom
    tree: tuple  # bond_tree levels: how molecules are made whole across the box

    @property
    def box(self) -> torch.Tensor:
        """The current box ``[3]`` (nm)."""
        return self.barostat.box


def density(npt: NPTState) -> float:
    """Mass density (g/cm³) in the current box."""
    return float(npt.md.system.masses.sum()) * AMU_PER_NM3_TO_G_PER_CM3 / float(npt.box.prod())


def start_npt(md: MolecularDynamics, R: torch.Tensor, V=None, seed: int = 0) -> NPTState:
    """Initial NPT state at ``R``: velocities at the target temperature when not given (see ``md.start``)."""
    _check_npt(md)
    state, pairs = md.start(R, V, seed=seed)
    return continue_npt(md, state, pairs, seed)


def continue_npt(md: MolecularDynamics, state: MDState, pairs: PairList | None, seed: int = 0) -> NPTState:
    """An NPT state that carries on from an NVT run's ``(state, pairs)`` (equilibrate at constant volume
    first, then switch the barostat on)."""
    _check_npt(md)
    system = md.system
    bonds = torch.cat([system.bonds.index, system.constraints.index]).reshape(-1, 2)
    molecules = molecule_index(system.n_atoms, bonds).to(state.R.device)
    volume = float(system.box.prod())
    barostat = BarostatState(box=system.box.to(state.R), max_delta=0.01 * volume, seed=seed)
    return NPTState(md, state, pairs, barostat, molecules, bond_tree(system.n_atoms, bonds))


def _check_npt(md: MolecularDynamics) -> None:
    if md.settings.pressure_bar is None or md.system.box is None:
        raise ValueError(
            "an NPT run needs BiomolecularSettings(pressure_bar=...) and a periodic system; use md.start for NVT."
        )


def _energy_in_box(md: MolecularDynamics, R: torch.Tensor, box: torch.Tensor) -> float:
    """Potential energy (kJ/mol) of a trial configuration, with a neighbour list built in the trial box."""
    kw = {}
    if md.neighbors is not None:  # only the list depends on the box; no integrator is needed to score a trial
        nbrs = neighbor_list(
            box, md.system.nonbonded.cutoff, skin=md.settings.skin_nm, format="half", excluded=md.exception_rows()
        )
        kw["pairs"] = PairList.of(nbrs.allocate(R)).pairs
    with torch.no_grad():
        return float(md.energy(R, box=box, **kw))


def advance_npt(npt: NPTState, steps: int) -> NPTState:
    """``steps`` constrained Langevin steps with a barostat move every ``barostat_frequency`` steps."""
    md, state, pairs, baro = npt.md, npt.state, npt.pairs, npt.barostat
    s = md.settings
    settings = BarostatSettings(s.pressure_bar, MD.kT(s.temperature_K), s.barostat_frequency)
    masses = md.system.masses.to(state.R)
    done = 0
    while done < steps:
        chunk = min(s.barostat_frequency - state.step % s.barostat_frequency, steps - done)
        state, pairs = md.advance(state, pairs, chunk)
        done += chunk
        if state.step % s.barostat_frequency:
            continue
        baro_new, R, _ = barostat_move(
            settings,
            baro,
            state.R,
            float(state.energy),
            partial(_energy_in_box, md),
            masses,
            npt.molecules,
            npt.tree,
        )
        if not torch.equal(baro_new.box, baro.box):  # accepted: rebuild for the new box, forces at the new R
            md = md.with_box(baro_new.box)
            R = wrap(R, baro_new.box)
            pairs = PairList.of(md.neighbors.allocate(R)) if md.neighbors is not None else None
            fresh = md.init(R, state.V, mass=state.mass, **({"pairs": pairs.pairs} if pairs is not None else {}))
            state = replace(fresh, step=state.step, thermostat=state.thermostat)
        baro = baro_new
    return replace(npt, md=md, state=state, pairs=pairs, barostat=baro)
