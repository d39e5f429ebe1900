"""The OpenMM forces that CHARMM36 (``charmm36.xml``) adds to the AMBER-style set, turned into plain terms.

OpenMM's ``app`` layer builds a CHARMM system from five pieces besides bonds (Urey–Bradley 1-3 terms are
ordinary harmonic bonds there), angles and periodic torsions:

- ``CustomTorsionForce("k*(theta-theta0)^2")``: harmonic impropers → :class:`HarmonicImpropers`;
- ``CMAPTorsionForce``: the φ/ψ correction maps → :class:`CMAPTorsions` (bicubic, :mod:`.cmap`);
- ``NonbondedForce`` with charges only (every ε zero);
- ``CustomNonbondedForce("acoef(type1, type2)/r^12 - bcoef(type1, type2)/r^6")``: LJ from per-type-pair
  tables (which carry CHARMM's NBFIX pair overrides);
- ``CustomBondForce("4*epsilon*((sigma/r)^12-(sigma/r)^6)")``: the 1-4 LJ pairs with their own σ, ε.

The LJ table is folded back into per-atom ``σ, ε`` when every pair of types present obeys the
Lorentz–Berthelot rules (``A = 4εσ¹²``, ``B = 4εσ⁶`` give ``σ_t = (A/B)^{1/6}``, ``ε_t = B²/4A`` from the
diagonal), and the 1-4 pairs become the ``σ, ε`` of their non-bonded exceptions. The result is exactly the
same energy, evaluated by the ordinary non-bonded path (cut-offs, switch, dispersion correction, PME). A
table with NBFIX pairs that break the rules is kept as a :class:`.LennardJonesTable` (types and the ``a``,
``b`` tables of the types present), which the non-bonded energy then reads for every pair.
"""

from __future__ import annotations

import numpy as np
import torch

from physics.forcefields.biomolecular.cmap import cmap_coefficients
from physics.forcefields.biomolecular.system import CMAPTorsions, HarmonicImpropers

IMPROPER_EXPRESSION = "k*(theta-theta0)^2"
PAIR_14_EXPRESSION = "4*epsilon*((sigma/r)^12-(sigma/r)^6)"
LJ_TABLE_EXPRESSION = "acoef(type1,type2)/r^12-bcoef(type1,type2)/r^6"


def _expression(force) -> str:
    return force.getEnergyFunction().replace(" ", "").rstrip(";")


def _refuse(force, what: str) -> ValueError:
    return ValueError(
        f"the System contains a {type(force).__name__} with energy '{force.getEnergyFunction()}', which sciml "
        f"cannot evaluate ({what}). Supported custom forms are CHARMM36's as OpenMM builds them: "
        f"'{IMPROPER_EXPRESSION}', '{PAIR_14_EXPRESSION}' and '{LJ_TABLE_EXPRESSION}'."
    )


def harmonic_impropers(force, dtype) -> HarmonicImpropers:
    """CHARMM harmonic impropers from a ``CustomTorsionForce`` with energy ``k*(theta-theta0)^2``."""
    names = [force.getPerTorsionParameterName(p) for p in range(force.getNumPerTorsionParameters())]
    if _expression(force) != IMPROPER_EXPRESSION or names != ["k", "theta0"] or force.getNumGlobalParameters():
        raise _refuse(force, "only CHARMM's harmonic improper is understood")
    rows = [force.getTorsionParameters(t) for t in range(force.getNumTorsions())]
    index = torch.tensor([r[:4] for r in rows], dtype=torch.int64).reshape(-1, 4)
    k = torch.tensor([r[4][0] for r in rows], dtype=dtype)
    xi0 = torch.tensor([r[4][1] for r in rows], dtype=dtype)
    return HarmonicImpropers(index, k, xi0)


def cmap_torsions(force, dtype) -> CMAPTorsions:
    """The maps (as bicubic coefficients) and torsion pairs of a ``CMAPTorsionForce`` (energies kJ/mol)."""
    sizes, maps = set(), []
    for m in range(force.getNumMaps()):
        size, energy = force.getMapParameters(m)
        energy = np.asarray(energy.value_in_unit_system(_md_units()) if hasattr(energy, "unit") else energy)
        sizes.add(size)
        maps.append(cmap_coefficients(energy.reshape(size, size).T))  # OpenMM: energy[i + size*j], i is φ
    if len(sizes) > 1:
        raise ValueError(f"CMAP maps of different sizes {sorted(sizes)} are not supported; all maps must share one.")
    rows = [force.getTorsionParameters(t) for t in range(force.getNumTorsions())]
    index = torch.tensor([r[1:] for r in rows], dtype=torch.int64).reshape(-1, 8)
    map_index = torch.tensor([r[0] for r in rows], dtype=torch.int64)
    coefficients = torch.tensor(np.stack(maps), dtype=dtype) if maps else torch.zeros(0, 1, 1, 4, 4, dtype=dtype)
    return CMAPTorsions(index, map_index, coefficients)


def _md_units():
    import openmm.unit as u

    return u.md_unit_system


def lennard_jones_from_table(force, n_atoms: int):
    """Per-atom ``(σ [N] nm, ε [N] kJ/mol, table)`` from CHARMM's per-type LJ table: ``table`` is ``None`` when
    every pair of present types obeys Lorentz–Berthelot, else ``(types [N], a [T, T], b [T, T])`` over the
    present types (NBFIX pairs), which the energy then uses instead of the combining rules."""
    names = [force.getPerParticleParameterName(p) for p in range(force.getNumPerParticleParameters())]
    if _expression(force) != LJ_TABLE_EXPRESSION or names != ["type"] or force.getNumInteractionGroups():
        raise _refuse(force, "only CHARMM's LJ type table is understood")
    tables = {}
    for t in range(force.getNumTabulatedFunctions()):
        nx, ny, values = force.getTabulatedFunction(t).getFunctionParameters()
        tables[force.getTabulatedFunctionName(t)] = np.asarray(values).reshape(ny, nx)  # [type2, type1]
    A, B = tables["acoef"], tables["bcoef"]
    types = np.array([int(force.getParticleParameters(i)[0]) for i in range(n_atoms)])
    present = np.unique(types)
    a, b = np.diag(A)[present], np.diag(B)[present]
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.where(b > 0, (a / np.where(b > 0, b, 1)) ** (1 / 6), 1.0)
        epsilon = np.where(a > 0, b * b / (4 * np.where(a > 0, a, 1)), 0.0)
    s_ij = 0.5 * (sigma[:, None] + sigma[None, :])
    e_ij = np.sqrt(epsilon[:, None] * epsilon[None, :])
    where = np.searchsorted(present, types)
    a_t, b_t = A.T[np.ix_(present, present)], B.T[np.ix_(present, present)]  # [type1, type2]
    for table, predicted in ((a_t, 4 * e_ij * s_ij**12), (b_t, 4 * e_ij * s_ij**6)):
        bad = np.abs(table - predicted) > 1e-9 * np.maximum(np.abs(predicted), 1e-30) + 1e-30
        if bad.any():  # NBFIX: keep the pair table itself
            return sigma[where], epsilon[where], (where, a_t, b_t)
    return sigma[where], epsilon[where], None


def pairs_14(force) -> dict[tuple[int, int], tuple[float, float]]:
    """``{(i, j): (σ nm, ε kJ/mol)}`` (``i < j``) of CHARMM's 1-4 LJ ``CustomBondForce``."""
    names = [force.getPerBondParameterName(p) for p in range(force.getNumPerBondParameters())]
    if _expression(force) != PAIR_14_EXPRESSION or sorted(names) != ["epsilon", "sigma"]:
        raise _refuse(force, "only CHARMM's 1-4 LJ pairs are understood")
    out = {}
    for t in range(force.getNumBonds()):
        i, j, params = force.getBondParameters(t)
        values = dict(zip(names, params, strict=True))
        out[(min(i, j), max(i, j))] = (float(values["sigma"]), float(values["epsilon"]))
    return out


def check_same_cutoff(custom, nonbonded, methods) -> None:
    """The LJ table's cut-off scheme must be the ``NonbondedForce``'s, since both become one non-bonded sum."""
    same = (
        abs(custom.getCutoffDistance()._value - nonbonded.getCutoffDistance()._value) < 1e-12
        and custom.getUseSwitchingFunction() == nonbonded.getUseSwitchingFunction()
        and (
            not custom.getUseSwitchingFunction()
            or abs(custom.getSwitchingDistance()._value - nonbonded.getSwitchingDistance()._value) < 1e-12
        )
    )
    if methods[nonbonded.getNonbondedMethod()] != "none" and not same:
        raise ValueError(
            "the CHARMM LJ table (CustomNonbondedForce) and the NonbondedForce use different cut-offs or switches; "
            "create the System with one nonbondedCutoff and switchDistance so both agree."
        )


def fold_lennard_jones(charmm, nonbonded, methods, epsilon, exceptions, n):
    """CHARMM's LJ (type table + 1-4 pairs) moved into the per-atom σ, ε and the exceptions' σ, ε.

    ``charmm``: the System's custom forces by class name; ``epsilon`` [N] and ``exceptions`` (rows ``(i, j, qq,
    σ, ε)``) as read from the ``NonbondedForce``. Returns the new ``(σ, ε, exceptions)`` lists and the NBFIX
    pair table (``None`` without NBFIX; see :func:`lennard_jones_from_table`)."""
    if any(e != 0 for e in epsilon):
        raise ValueError(
            "both the NonbondedForce and a CustomNonbondedForce carry LJ; only CHARMM36's split is supported."
        )
    table = charmm["CustomNonbondedForce"]
    check_same_cutoff(table, nonbonded, methods)
    sigma, epsilon, pair_table = lennard_jones_from_table(table, n)
    sigma, epsilon = list(map(float, sigma)), list(map(float, epsilon))
    one_four = pairs_14(charmm["CustomBondForce"]) if "CustomBondForce" in charmm else {}
    rows = {(min(i, j), max(i, j)): k for k, (i, j, *_) in enumerate(exceptions)}
    excluded = {tuple(sorted(table.getExclusionParticles(k))) for k in range(table.getNumExclusions())}
    if excluded != set(rows):
        raise ValueError(
            "the CHARMM LJ table's exclusions differ from the NonbondedForce's exceptions; they must be the same pairs."
        )
    missing = [p for p in one_four if p not in rows]
    if missing:
        raise ValueError(
            f"the 1-4 LJ pair {missing[0]} is not an exception of the NonbondedForce; the System is inconsistent."
        )
    exceptions = list(exceptions)
    for pair, (sig, eps) in one_four.items():
        i, j, qq, _, _ = exceptions[rows[pair]]
        exceptions[rows[pair]] = (i, j, qq, sig, eps)
    return sigma, epsilon, exceptions, pair_table
