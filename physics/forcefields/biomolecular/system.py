"""A parameterised molecular system as plain tensors: what a force field assigned to every atom and term.

Units are OpenMM's (the ``md`` unit system): nm, kJ/mol, g/mol, elementary charges, radians, ps.

    HarmonicBonds       E = ½ k (r − r0)²                    index [Nb, 2], k kJ/mol/nm², r0 nm
    HarmonicAngles      E = ½ k (θ − θ0)²                    index [Na, 3], k kJ/mol/rad², θ0 rad
    PeriodicTorsions    E = k [1 + cos(n φ − φ0)]            index [Nt, 4], n int, φ0 rad, k kJ/mol
                        (one row per cosine term; AMBER impropers are rows too)
    HarmonicImpropers   E = k (ξ − ξ0)²                      index [Ni, 4], k kJ/mol/rad², ξ0 rad (CHARMM)
    CMAPTorsions        E = E_map(φ, ψ), bicubic on a grid   index [Nm, 8], map_index [Nm] (see .cmap)
    NonbondedParticles  charge e, σ nm, ε kJ/mol per atom    (Lorentz–Berthelot: σ_ij = (σ_i+σ_j)/2,
                                                              ε_ij = √(ε_i ε_j))
    NonbondedExceptions pairs [Ne, 2] whose non-bonded term is replaced by (q_i q_j, σ, ε) given here:
                        zeros for excluded 1-2 and 1-3 pairs, AMBER's scaled 1-4 pairs otherwise.

A :class:`MolecularSystem` bundles them with masses, constraints, the box and a label for every atom
(chain, residue name and number, atom name), so errors name atoms as a chemist would, never by index.
Build one with :func:`physics.forcefields.biomolecular.from_openmm` (OpenMM's ``app`` layer assigns the
parameters) or by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import torch
from torch import Tensor


@dataclass(frozen=True)
class AtomLabel:
    """Where an atom sits in the molecule: chain id, residue name and number, atom name, element symbol."""

    chain: str
    residue: str
    residue_number: str
    name: str
    element: str = ""

    def __str__(self) -> str:
        return f"chain {self.chain} {self.residue}{self.residue_number} atom {self.name}"


@dataclass(frozen=True)
class HarmonicBonds:
    """``½ k (r − r0)²`` over ``index`` ``[Nb, 2]`` (also Urey–Bradley 1-3 terms)."""

    index: Tensor
    k: Tensor
    r0: Tensor


@dataclass(frozen=True)
class HarmonicAngles:
    """``½ k (θ − θ0)²`` over ``index`` ``[Na, 3]``, ``θ`` at the middle atom."""

    index: Tensor
    k: Tensor
    theta0: Tensor


@dataclass(frozen=True)
class PeriodicTorsions:
    """``k [1 + cos(n φ − φ0)]`` over ``index`` ``[Nt, 4]``, one row per cosine term."""

    index: Tensor
    periodicity: Tensor
    phase: Tensor
    k: Tensor


@dataclass(frozen=True)
class HarmonicImpropers:
    """CHARMM's ``k (ξ − ξ0)²`` (no ½) over ``index`` ``[Ni, 4]``, ``ξ`` the IUPAC dihedral of the four atoms."""

    index: Tensor
    k: Tensor
    xi0: Tensor


@dataclass(frozen=True)
class CMAPTorsions:
    """Tabulated ``E(φ, ψ)`` over ``index`` ``[Nm, 8]`` (φ's four atoms, then ψ's), using map ``map_index``
    ``[Nm]`` of ``coefficients`` ``[M, n, n, 4, 4]`` (bicubic patches, :func:`.cmap.cmap_coefficients`)."""

    index: Tensor
    map_index: Tensor
    coefficients: Tensor


@dataclass(frozen=True)
class NonbondedParticles:
    """Per-atom charge (e), LJ σ (nm) and ε (kJ/mol), each ``[N]``."""

    charge: Tensor
    sigma: Tensor
    epsilon: Tensor


@dataclass(frozen=True)
class NonbondedExceptions:
    """Pairs ``[Ne, 2]`` whose interaction uses ``charge_product`` (e²), ``sigma`` and ``epsilon`` instead of
    the combining rules; all three zero means the pair is excluded. The products are stored numbers, as in
    OpenMM: a gradient with respect to a particle charge does not flow into its scaled 1-4 pairs."""

    index: Tensor
    charge_product: Tensor
    sigma: Tensor
    epsilon: Tensor


@dataclass(frozen=True)
class NonbondedSettings:
    """How the non-bonded sum is cut off.

    ``method``: ``"none"`` (every pair, vacuum), ``"cutoff"`` (pairs beyond ``cutoff`` nm ignored, Coulomb
    with a reaction field of dielectric ``reaction_field_dielectric``, OpenMM's default 78.3; minimum image
    when the system has a box) or ``"pme"`` (smooth particle-mesh Ewald in a periodic box, α and grid from
    ``ewald_tolerance`` unless ``pme_alpha`` and ``pme_grid`` are given). ``switch_distance`` (nm, optional)
    switches LJ smoothly to zero between it and the cutoff, as OpenMM does. ``dispersion_correction`` adds
    the homogeneous LJ tail beyond the cutoff (periodic systems only; Allen & Tildesley §2.8).
    """

    method: str = "none"
    cutoff: float | None = None
    switch_distance: float | None = None
    reaction_field_dielectric: float = 78.3
    dispersion_correction: bool = False
    ewald_tolerance: float = 5e-4
    pme_alpha: float | None = None  # 1/nm; None: chosen from ewald_tolerance (see .pme.pme_parameters)
    pme_grid: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Constraints:
    """Fixed distances: ``index`` ``[Nc, 2]`` held at ``distance`` ``[Nc]`` nm."""

    index: Tensor
    distance: Tensor


def _empty(width: int) -> Tensor:
    return torch.zeros(0, width, dtype=torch.int64)


@dataclass(frozen=True)
class LennardJonesTable:
    """Pair-specific Lennard-Jones, CHARMM's NBFIX: ``E_LJ = a[t_i, t_j] / r¹² − b[t_i, t_j] / r⁶`` for every
    non-excepted pair, with atom types ``types`` ``[N]`` (int64, ``0..T−1``) and symmetric ``a`` (kJ/mol nm¹²),
    ``b`` (kJ/mol nm⁶) ``[T, T]``. Present only when some pair breaks the Lorentz–Berthelot rules; exceptions
    keep their own σ, ε."""

    types: Tensor
    a: Tensor
    b: Tensor


@dataclass(frozen=True)
class MolecularSystem:
    """Everything a simulation needs besides positions (see the module docstring for the terms' units)."""

    atoms: tuple[AtomLabel, ...]
    masses: Tensor
    particles: NonbondedParticles
    exceptions: NonbondedExceptions
    bonds: HarmonicBonds
    angles: HarmonicAngles
    torsions: PeriodicTorsions
    constraints: Constraints = field(default_factory=lambda: Constraints(_empty(2), torch.zeros(0)))
    nonbonded: NonbondedSettings = NonbondedSettings()
    box: Tensor | None = None
    impropers: HarmonicImpropers = field(
        default_factory=lambda: HarmonicImpropers(_empty(4), torch.zeros(0), torch.zeros(0))
    )
    cmap: CMAPTorsions = field(
        default_factory=lambda: CMAPTorsions(_empty(8), torch.zeros(0, dtype=torch.int64), torch.zeros(0, 1, 1, 4, 4))
    )
    lennard_jones_table: LennardJonesTable | None = None

    def __post_init__(self):
        n = len(self.atoms)
        for name in ("charge", "sigma", "epsilon"):
            got = getattr(self.particles, name).shape
            if got != (n,):
                raise ValueError(f"particles.{name} has shape {tuple(got)}; expected ({n},), one per atom.")
        if self.masses.shape != (n,):
            raise ValueError(f"masses has shape {tuple(self.masses.shape)}; expected ({n},), one per atom.")
        tab = self.lennard_jones_table
        if tab is not None:
            t = tab.a.shape[0]
            if tab.types.shape != (n,) or tab.a.shape != (t, t) or tab.b.shape != (t, t):
                raise ValueError(
                    f"lennard_jones_table: types {tuple(tab.types.shape)}, a {tuple(tab.a.shape)}, b "
                    f"{tuple(tab.b.shape)}; expected types ({n},) and two square [T, T] tables."
                )
            if n and (int(tab.types.min()) < 0 or int(tab.types.max()) >= t):
                raise ValueError(f"lennard_jones_table.types must lie in 0..{t - 1}, one type per atom.")
        terms = (("bonds", 2), ("angles", 3), ("torsions", 4), ("impropers", 4), ("cmap", 8))
        for term, width in (*terms, ("exceptions", 2), ("constraints", 2)):
            idx = getattr(self, term).index
            if idx.ndim != 2 or idx.shape[1] != width:
                raise ValueError(f"{term}.index has shape {tuple(idx.shape)}; expected [count, {width}].")
            if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= n):
                row = int(torch.nonzero((idx < 0) | (idx >= n))[0, 0])
                raise ValueError(f"{term} row {row} {idx[row].tolist()} refers to an atom outside 0..{n - 1}.")
        s = self.nonbonded
        if s.method not in ("none", "cutoff", "pme"):
            raise ValueError(
                f"nonbonded.method = {s.method!r} is not supported; choose 'none' (vacuum, every pair), "
                "'cutoff' (reaction field) or 'pme' (particle-mesh Ewald, periodic)."
            )
        if s.method != "none" and (s.cutoff is None or s.cutoff <= 0):
            raise ValueError(
                f"nonbonded.cutoff = {s.cutoff} must be a positive distance in nm with method {s.method!r}."
            )
        if s.method == "pme" and self.box is None:
            raise ValueError("PME needs a periodic box; give MolecularSystem(box=...) or use method 'none' for vacuum.")
        if s.method != "none" and self.box is not None and 2 * s.cutoff > float(self.box.min()):
            raise ValueError(
                f"the box {[round(float(b), 4) for b in self.box]} nm is smaller than twice the cutoff "
                f"{s.cutoff} nm; use a larger box (more solvent) or a shorter cutoff."
            )

    @property
    def n_atoms(self) -> int:
        """Number of atoms ``N``."""
        return len(self.atoms)

    def describe(self, atom: int) -> str:
        """``"atom 7 (chain A ALA2 atom CA)"``: an atom as a chemist names it."""
        return f"atom {atom} ({self.atoms[atom]})"

    def to(self, dtype: torch.dtype | None = None, device=None) -> MolecularSystem:
        """The same system with every floating tensor in ``dtype`` on ``device`` (indices stay int64)."""

        def move(x):
            if isinstance(x, Tensor):
                return x.to(device=device, dtype=dtype if x.is_floating_point() else None)
            if hasattr(x, "__dataclass_fields__") and not isinstance(x, (AtomLabel, NonbondedSettings)):
                return type(x)(**{f.name: move(getattr(x, f.name)) for f in fields(x)})
            return x

        return MolecularSystem(**{f.name: move(getattr(self, f.name)) for f in fields(self)})
