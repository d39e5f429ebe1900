"""Monte Carlo barostat for molecular systems (isotropic; Chow & Ferguson, Comput. Phys. Commun. 91, 283,
1995; Åqvist et al., Chem. Phys. Lett. 384, 288, 2004), the scheme of OpenMM's ``MonteCarloBarostat``.

Every ``frequency`` steps a volume change ``ΔV`` uniform in ``[−δ, δ]`` is proposed; the box scales by
``s = (V'/V)^{1/3}`` and every molecule is translated rigidly with its centre of mass (bond lengths and
constraints are untouched; a molecule that straddles the periodic box is made whole along its bonds first).
The move is accepted with probability ``min(1, exp(−ΔW / k_B T))``,

    ΔW = U(R', L') − U(R, L) + P ΔV − N_mol k_B T ln(V'/V)

which samples ``p(V) ∝ V^{N_mol} exp(−(U + PV)/k_B T)`` (for an ideal gas ``⟨V⟩ = (N_mol + 1) k_B T / P``, the
test). ``δ`` adapts toward half the moves accepted, as OpenMM does. Pressure in bar; 1 bar = 0.0602214
kJ/mol/nm³. :class:`BarostatState` is frozen and returned by every call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from physics.forcefields.space import displacement
from solvers.md.constraints import connected_components

BAR_TO_KJ_MOL_NM3 = 0.060221408  # 1e5 Pa × 1e-27 m³ × N_A / 1000


@dataclass(frozen=True)
class BarostatSettings:
    """Target ``pressure_bar`` at ``kT`` (kJ/mol); a move every ``frequency`` steps."""

    pressure_bar: float = 1.0
    kT: float = 2.494
    frequency: int = 25

    def __post_init__(self):
        if not self.kT > 0 or self.frequency < 1 or not math.isfinite(self.pressure_bar):
            raise ValueError("the barostat needs kT > 0, frequency >= 1 and a finite pressure.")


@dataclass(frozen=True)
class BarostatState:
    """The box ``[3]`` (nm), the largest volume change ``max_delta`` (nm³), move counts and the random seed."""

    box: Tensor
    max_delta: float
    attempted: int = 0
    accepted: int = 0
    seed: int = 0


def molecule_index(n_atoms: int, bonds: Tensor) -> Tensor:
    """``[N]`` molecule number of every atom: connected components of the bond (or constraint) graph."""
    return connected_components(n_atoms, bonds)


def bond_tree(n_atoms: int, bonds: Tensor) -> tuple[tuple[Tensor, Tensor], ...]:
    """Breadth-first levels ``((child [k], parent [k]), …)`` of a spanning tree of the bond graph, rooted at the
    first atom of each molecule: the order in which :func:`unwrap_molecules` follows bonds across the box."""
    neighbours: list[list[int]] = [[] for _ in range(n_atoms)]
    for i, j in bonds.tolist():
        neighbours[i].append(j)
        neighbours[j].append(i)
    seen = [False] * n_atoms
    levels = []
    for root in range(n_atoms):
        if seen[root]:
            continue
        seen[root] = True
        frontier, depth = [root], 0
        while frontier:
            nxt = []
            for a in frontier:
                for b in neighbours[a]:
                    if not seen[b]:
                        seen[b] = True
                        nxt.append((b, a))
            if nxt:
                if depth == len(levels):
                    levels.append([])
                levels[depth].extend(nxt)
            frontier, depth = [b for b, _ in nxt], depth + 1
    return tuple((torch.tensor([c for c, _ in lv]), torch.tensor([p for _, p in lv])) for lv in levels)


def unwrap_molecules(R: Tensor, box: Tensor, tree) -> Tensor:
    """Positions with every molecule made whole: each atom placed at the minimum image of its bond to its
    parent in ``tree`` (:func:`bond_tree`), so a molecule that straddles the box gets a true centre of mass."""
    U = R.clone()
    for child, parent in tree:
        child, parent = child.to(R.device), parent.to(R.device)
        U[child] = U[parent] + displacement(R[child], R[parent], box)
    return U


def scale_molecules(R: Tensor, masses: Tensor, molecules: Tensor, scale: float, box=None, tree=None) -> Tensor:
    """Positions with each molecule's centre of mass scaled by ``scale`` and its shape kept. With ``box`` and
    ``tree`` the centres of mass are those of the unwrapped molecules (wrapped atoms move with them)."""
    n_mol = int(molecules.max()) + 1
    m = masses.to(R).reshape(-1)
    whole = R if tree is None else unwrap_molecules(R, box.to(R), tree)
    total = torch.zeros(n_mol, dtype=R.dtype, device=R.device).index_add(0, molecules, m)
    com = torch.zeros(n_mol, 3, dtype=R.dtype, device=R.device).index_add(0, molecules, m[:, None] * whole)
    com = com / total[:, None]
    return whole + (scale - 1) * com[molecules]  # whole molecules move; the caller wraps into the new box


def barostat_move(
    settings: BarostatSettings,
    state: BarostatState,
    R: Tensor,
    energy: float,
    energy_at,
    masses: Tensor,
    molecules: Tensor,
    tree=None,
) -> tuple[BarostatState, Tensor, float]:
    """One Monte Carlo volume move. ``energy_at(R, box)`` gives the potential energy (kJ/mol) of a trial
    configuration; ``tree`` (:func:`bond_tree`) makes molecules whole across the periodic box before their
    centres of mass are scaled. Returns ``(new state, positions, potential energy)``: the old ones when rejected."""
    g = torch.Generator().manual_seed(state.seed)
    u1, u2 = torch.rand(2, generator=g, dtype=torch.float64).tolist()
    volume = float(state.box.prod())
    delta = (2 * u1 - 1) * state.max_delta
    new_volume = volume + delta
    attempted, accepted, max_delta = state.attempted + 1, state.accepted, state.max_delta
    result = (R, energy, state.box)
    if new_volume > 0:
        s = (new_volume / volume) ** (1 / 3)
        R_new = scale_molecules(R, masses, molecules, s, state.box, tree)
        box_new = state.box * s
        e_new = float(energy_at(R_new, box_new))
        n_mol = int(molecules.max()) + 1
        pressure = settings.pressure_bar * BAR_TO_KJ_MOL_NM3
        work = e_new - energy + pressure * delta - n_mol * settings.kT * math.log(new_volume / volume)
        if math.isfinite(e_new) and (work <= 0 or u2 < math.exp(-work / settings.kT)):
            accepted += 1
            result = (R_new, e_new, box_new)
    if attempted >= 10:  # adapt toward half the moves accepted (OpenMM's rule), then restart the counts
        rate = accepted / attempted
        if rate < 0.25:
            max_delta /= 1.1
        elif rate > 0.75:
            max_delta = min(max_delta * 1.1, 0.3 * volume)
        attempted, accepted = 0, 0
    R_out, e_out, box_out = result
    new_state = replace(state, box=box_out, max_delta=max_delta, attempted=attempted, accepted=accepted)
    return replace(new_state, seed=state.seed + 1), R_out, e_out
