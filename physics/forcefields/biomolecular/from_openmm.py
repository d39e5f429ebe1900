"""Parameters from well-kept libraries: read AMBER or PDB files, let OpenMM's ``app`` layer assign the force
field, and convert the resulting ``openmm.System`` into a :class:`MolecularSystem` of plain tensors.

OpenMM (Eastman et al., PLoS Comput. Biol. 13, e1005659, 2017) is an optional dependency:
``pip install 'sciml[bio]'``. Only its parameter assignment is used; the simulation is ours.

    load_amber("x.prmtop", "x.inpcrd")                     -> (system, positions [N, 3] nm)
    load_pdb("x.pdb", ["amber14-all.xml", "amber14/tip3p.xml"])
    from_openmm(openmm_system, topology)                   -> system

Supported forces: HarmonicBondForce, HarmonicAngleForce, PeriodicTorsionForce, NonbondedForce (NoCutoff,
CutoffNonPeriodic, CutoffPeriodic, PME), CMMotionRemover (ignored: our integrators remove drift themselves),
and CHARMM36's additions as OpenMM builds them: CMAPTorsionForce, harmonic impropers, the LJ type table and
the 1-4 LJ pairs (:mod:`.charmm_forces`). Anything else (other custom forces, implicit solvent, Ewald, LJPME,
NBFIX pair overrides) is refused by name rather than dropped.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from pathlib import Path

import torch

from physics.forcefields.biomolecular.charmm_forces import (
    cmap_torsions,
    fold_lennard_jones,
    harmonic_impropers,
)
from physics.forcefields.biomolecular.system import (
    AtomLabel,
    Constraints,
    HarmonicAngles,
    HarmonicBonds,
    LennardJonesTable,
    MolecularSystem,
    NonbondedExceptions,
    NonbondedParticles,
    NonbondedSettings,
    PeriodicTorsions,
)

_IGNORED = {"CMMotionRemover"}


def _openmm():
    try:
        return importlib.import_module("openmm"), importlib.import_module("openmm.app")
    except ImportError as err:
        raise ImportError(
            "reading AMBER/PDB files and force-field XML needs OpenMM's app layer: pip install 'sciml[bio]' "
            "(or pip install openmm)."
        ) from err


def data_file(package: str, relative: str) -> Path:
    """A data file shipped inside an installed package (e.g. ``openmmtools``, ``dhfr/JAC.prmtop``), found
    without importing the package. Raises a clear error naming the package to install."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{relative} ships with the '{package}' package; pip install {package}.")
    for root in spec.submodule_search_locations:
        for candidate in (Path(root) / relative, Path(root) / "data" / relative):
            if candidate.is_file():
                return candidate
    raise FileNotFoundError(f"{relative} was not found in the installed '{package}' package ({package} version?).")


def _chain(chain) -> str:
    """The chain's id, or ``#k`` (1-based) when the file leaves it blank."""
    return str(chain.id).strip() or f"#{chain.index + 1}"


def _labels(topology) -> tuple[AtomLabel, ...]:
    return tuple(
        AtomLabel(
            _chain(a.residue.chain),
            a.residue.name,
            str(a.residue.id),
            a.name,
            a.element.symbol if a.element is not None else "",
        )
        for a in topology.atoms()
    )


def _value(q, unit):
    return q.value_in_unit(unit) if hasattr(q, "value_in_unit") else float(q)


def from_openmm(system, topology, dtype: torch.dtype = torch.float64) -> MolecularSystem:
    """Convert an ``openmm.System`` (with its ``app.Topology`` for atom names) into a :class:`MolecularSystem`."""
    mm, app = _openmm()
    u = mm.unit
    atoms = _labels(topology)
    n = system.getNumParticles()
    if len(atoms) != n:
        raise ValueError(f"the topology has {len(atoms)} atoms but the System has {n} particles.")
    masses = [_value(system.getParticleMass(i), u.dalton) for i in range(n)]
    if any(system.isVirtualSite(i) for i in range(n)):
        first = next(i for i in range(n) if system.isVirtualSite(i))
        raise ValueError(f"atom {first} ({atoms[first]}) is a virtual site (e.g. TIP4P); they are not supported yet.")
    bonds, angles, torsions, nonbonded = [], [], [], None
    charmm = {}  # CHARMM36's custom forces, by OpenMM class name
    for force in system.getForces():
        kind = type(force).__name__
        if kind == "HarmonicBondForce":
            for t in range(force.getNumBonds()):
                i, j, r0, k = force.getBondParameters(t)
                bonds.append((i, j, _value(k, u.kilojoule_per_mole / u.nanometer**2), _value(r0, u.nanometer)))
        elif kind == "HarmonicAngleForce":
            for t in range(force.getNumAngles()):
                i, j, k_, th0, k = force.getAngleParameters(t)
                angles.append((i, j, k_, _value(k, u.kilojoule_per_mole / u.radian**2), _value(th0, u.radian)))
        elif kind == "PeriodicTorsionForce":
            for t in range(force.getNumTorsions()):
                i, j, k_, m, per, phase, k = force.getTorsionParameters(t)
                torsions.append((i, j, k_, m, per, _value(phase, u.radian), _value(k, u.kilojoule_per_mole)))
        elif kind == "NonbondedForce":
            if nonbonded is not None:
                raise ValueError("the System has two NonbondedForces; merge them into one.")
            nonbonded = force
        elif kind in ("CustomTorsionForce", "CMAPTorsionForce", "CustomNonbondedForce", "CustomBondForce"):
            if kind in charmm:
                raise ValueError(f"the System has two {kind}s; only CHARMM36's single one of each is supported.")
            charmm[kind] = force
        elif kind not in _IGNORED:
            raise ValueError(
                f"the System contains a {kind}, which sciml cannot evaluate yet (supported: harmonic bonds and "
                "angles, periodic torsions, NonbondedForce, CHARMM36's CMAP, impropers and LJ tables). Choose a "
                "force field without it or leave implicit solvent out."
            )
    if nonbonded is None:
        raise ValueError("the System has no NonbondedForce; every supported force field defines one.")
    methods = {
        mm.NonbondedForce.NoCutoff: "none",
        mm.NonbondedForce.CutoffNonPeriodic: "cutoff",
        mm.NonbondedForce.CutoffPeriodic: "cutoff",
        mm.NonbondedForce.PME: "pme",
    }
    method = nonbonded.getNonbondedMethod()
    if method not in methods:
        name = {mm.NonbondedForce.Ewald: "Ewald", mm.NonbondedForce.LJPME: "LJPME"}
        raise ValueError(
            f"nonbondedMethod {name.get(method, method)} is not implemented; create the System with "
            "nonbondedMethod=app.PME, app.NoCutoff (vacuum) or app.CutoffPeriodic / app.CutoffNonPeriodic."
        )
    periodic = method in (mm.NonbondedForce.CutoffPeriodic, mm.NonbondedForce.PME)
    cut = methods[method] != "none"
    alpha, *grid = nonbonded.getPMEParameters()
    alpha = _value(alpha, u.nanometer**-1)
    settings = NonbondedSettings(
        method=methods[method],
        cutoff=_value(nonbonded.getCutoffDistance(), u.nanometer) if cut else None,
        switch_distance=_value(nonbonded.getSwitchingDistance(), u.nanometer)
        if nonbonded.getUseSwitchingFunction() and cut
        else None,
        reaction_field_dielectric=nonbonded.getReactionFieldDielectric(),
        dispersion_correction=bool(nonbonded.getUseDispersionCorrection()) and periodic,
        ewald_tolerance=nonbonded.getEwaldErrorTolerance(),
        pme_alpha=alpha if alpha > 0 else None,
        pme_grid=tuple(int(g) for g in grid) if alpha > 0 else None,
    )
    charge, sigma, epsilon = [], [], []
    for i in range(n):
        q, s, e = nonbonded.getParticleParameters(i)
        charge.append(_value(q, u.elementary_charge))
        sigma.append(_value(s, u.nanometer))
        epsilon.append(_value(e, u.kilojoule_per_mole))
    exceptions = []
    for t in range(nonbonded.getNumExceptions()):
        i, j, qq, s, e = nonbonded.getExceptionParameters(t)
        exceptions.append(
            (i, j, _value(qq, u.elementary_charge**2), _value(s, u.nanometer), _value(e, u.kilojoule_per_mole))
        )
    if "CustomNonbondedForce" in charmm:
        sigma, epsilon, exceptions, pair_table = fold_lennard_jones(charmm, nonbonded, methods, epsilon, exceptions, n)
        settings = dataclasses.replace(
            settings, dispersion_correction=periodic and charmm["CustomNonbondedForce"].getUseLongRangeCorrection()
        )
    constraints = []
    for c in range(system.getNumConstraints()):
        i, j, d = system.getConstraintParameters(c)
        constraints.append((i, j, _value(d, u.nanometer)))
    box = None
    if periodic:
        a, b, c = (_value(v, u.nanometer) for v in system.getDefaultPeriodicBoxVectors())
        if any(abs(x) > 1e-12 for x in (a[1], a[2], b[0], b[2], c[0], c[1])):
            raise ValueError("the periodic box is triclinic; only rectangular boxes are supported yet.")
        box = torch.tensor([a[0], b[1], c[2]], dtype=dtype)

    def table(rows, width, columns):
        index = torch.tensor([r[:width] for r in rows], dtype=torch.int64).reshape(-1, width)
        return index, [torch.tensor([r[width + c] for r in rows], dtype=dtype) for c in range(columns)]

    bi, (bk, br0) = table(bonds, 2, 2)
    ai, (ak, ath) = table(angles, 3, 2)
    ti, (tper, tph, tk) = table(torsions, 4, 3)
    ei, (eqq, esig, eeps) = table(exceptions, 2, 3)
    ci, (cd,) = table(constraints, 2, 1)
    extra = {}
    if "CustomNonbondedForce" in charmm and pair_table is not None:  # NBFIX
        types, a, b = pair_table
        extra["lennard_jones_table"] = LennardJonesTable(
            torch.as_tensor(types, dtype=torch.int64), torch.tensor(a, dtype=dtype), torch.tensor(b, dtype=dtype)
        )
    if "CustomTorsionForce" in charmm:
        extra["impropers"] = harmonic_impropers(charmm["CustomTorsionForce"], dtype)
    if "CMAPTorsionForce" in charmm:
        extra["cmap"] = cmap_torsions(charmm["CMAPTorsionForce"], dtype)
    return MolecularSystem(
        **extra,
        atoms=atoms,
        masses=torch.tensor(masses, dtype=dtype),
        particles=NonbondedParticles(
            torch.tensor(charge, dtype=dtype), torch.tensor(sigma, dtype=dtype), torch.tensor(epsilon, dtype=dtype)
        ),
        exceptions=NonbondedExceptions(ei, eqq, esig, eeps),
        bonds=HarmonicBonds(bi, bk, br0),
        angles=HarmonicAngles(ai, ak, ath),
        torsions=PeriodicTorsions(ti, tper, tph, tk),
        constraints=Constraints(ci, cd),
        nonbonded=settings,
        box=box,
    )


def _positions(positions, dtype) -> torch.Tensor:
    _, app = _openmm()
    nm = importlib.import_module("openmm.unit").nanometer
    return torch.tensor([[v.x, v.y, v.z] for v in positions.value_in_unit(nm)], dtype=dtype)


def load_amber(prmtop: str | Path, inpcrd: str | Path, dtype=torch.float64, **create_system):
    """``(system, positions [N, 3] nm)`` from AMBER files. ``create_system`` goes to OpenMM's
    ``AmberPrmtopFile.createSystem`` (default: ``nonbondedMethod=NoCutoff``, no constraints)."""
    mm, app = _openmm()
    for path in (prmtop, inpcrd):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path} does not exist; give the AMBER topology (.prmtop) and coordinates.")
    top = app.AmberPrmtopFile(str(prmtop))
    crd = app.AmberInpcrdFile(str(inpcrd))
    create_system.setdefault("nonbondedMethod", app.NoCutoff)
    create_system.setdefault("constraints", None)
    system = top.createSystem(**create_system)
    if crd.boxVectors is not None and create_system["nonbondedMethod"] != app.NoCutoff:
        system.setDefaultPeriodicBoxVectors(*crd.boxVectors)
    return from_openmm(system, top.topology, dtype), _positions(crd.getPositions(), dtype)


def load_pdb(pdb: str | Path, forcefield_files, dtype=torch.float64, **create_system):
    """``(system, positions [N, 3] nm)`` from a PDB file and OpenMM force-field XML files (e.g.
    ``["amber14-all.xml", "amber14/tip3p.xml"]``). A residue the force field has no template for is named
    (chain, residue name and number) with the fix: add hydrogens and missing atoms with pdbfixer."""
    mm, app = _openmm()
    if not Path(pdb).is_file():
        raise FileNotFoundError(f"{pdb} does not exist; give a PDB file.")
    structure = app.PDBFile(str(pdb))
    forcefield = app.ForceField(*forcefield_files)
    create_system.setdefault("nonbondedMethod", app.NoCutoff)
    create_system.setdefault("constraints", None)
    unmatched = forcefield.getUnmatchedResidues(structure.topology)
    if unmatched:
        named = "; ".join(
            f"chain {_chain(r.chain)} {r.name}{r.id} with atoms [{', '.join(a.name for a in r.atoms())}]"
            for r in unmatched[:3]
        )
        raise ValueError(
            f"{len(unmatched)} residue(s) match no template in {list(forcefield_files)}: {named}"
            f"{' …' if len(unmatched) > 3 else ''}. Missing atoms or hydrogens, or a residue the force field does "
            "not define: run pdbfixer (findMissingAtoms, addMissingAtoms, addMissingHydrogens) or add a "
            "force-field file that defines it."
        )
    system = forcefield.createSystem(structure.topology, **create_system)
    return from_openmm(system, structure.topology, dtype), _positions(structure.getPositions(), dtype)
