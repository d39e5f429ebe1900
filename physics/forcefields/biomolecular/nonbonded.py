"""Lennard-Jones plus Coulomb between atoms, with a force field's exclusions and scaled 1-4 exceptions.

For every pair ``i < j`` that is not an exception (``k_e`` = 138.935 kJ nm/mol/e², :data:`MD` units):

    E_LJ   = 4 ε_ij [(σ_ij/r)¹² − (σ_ij/r)⁶] · S(r)      σ_ij = (σ_i + σ_j)/2,  ε_ij = √(ε_i ε_j)
    E_coul = k_e q_i q_j / r                             method "none" (vacuum, every pair)
    E_coul = k_e q_i q_j (1/r + k_rf r² − c_rf)          method "cutoff", r < r_c (reaction field)
             k_rf = (ε_rf − 1) / ((2 ε_rf + 1) r_c³),   c_rf = 3 ε_rf / ((2 ε_rf + 1) r_c)

``S(r) = 1 − 10x³ + 15x⁴ − 6x⁵``, ``x = (r − r_s)/(r_c − r_s)``, is OpenMM's switch (``S = 1`` below the
switching distance ``r_s`` or without one). Exceptions use their own ``(q_i q_j, σ, ε)`` with plain Coulomb
and no cutoff; an exception with all three zero is an exclusion and contributes nothing. With a periodic
cutoff, ``dispersion_correction`` adds the homogeneous tail beyond ``r_c`` (Allen & Tildesley §2.8):

    E_tail = 8π N² / V · (⟨ε σ¹²⟩ / (9 r_c⁹) − ⟨ε σ⁶⟩ / (3 r_c³))

averaged over every pair of atoms (OpenMM's convention); with a switch, what the switch removes inside
the cutoff is added too. References: the reaction field
of Tironi et al., J. Chem. Phys. 102, 5451 (1995); OpenMM's user guide, "NonbondedForce".

The pair list is every non-excepted pair (``O(N²)`` memory in blocks): right for molecules in vacuum and
for systems of a few thousand atoms. Larger systems pass ``pairs`` from a neighbour list.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import Tensor

from physics.forcefields.biomolecular.pair_kernel import (
    ExceptionFreePairs,
    NeighborRows,
    exception_rows,
    native_applies,
    native_drop_exceptions,
    native_exception_sum,
    native_pair_sum,
    native_rows_to_pairs,
    pair_table_parameters,
    sqrt_epsilon,
)
from physics.forcefields.biomolecular.pme import net_charge_energy, pme_parameters, reciprocal_energy, self_energy
from physics.forcefields.biomolecular.pme_kernel import PME_KERNEL, native_reciprocal
from physics.forcefields.biomolecular.system import MolecularSystem
from physics.forcefields.space import displacement
from physics.forcefields.units import MD

_PAIR_BLOCK = 4_000_000  # pairs evaluated at once: bounds memory for a few thousand atoms
_ALL_PAIRS_LIMIT = 12_000  # above this many atoms, summing every pair needs a neighbour list instead


def non_excepted_pairs(n_atoms: int, exceptions: Tensor) -> Tensor:
    """Every pair ``i < j`` ``[P, 2]`` that is not listed in ``exceptions`` ``[Ne, 2]`` (either order)."""
    i, j = torch.triu_indices(n_atoms, n_atoms, 1)
    keys = i * n_atoms + j
    if exceptions.numel():
        a, b = exceptions.min(1).values, exceptions.max(1).values
        keep = ~torch.isin(keys, a * n_atoms + b)
        i, j = i[keep], j[keep]
    return torch.stack([i, j], 1)


def _member(keys: Tensor, sorted_keys: Tensor) -> Tensor:
    """``keys ∈ sorted_keys`` elementwise by binary search (``torch.isin`` sorts both sides; the
    exceptions are sorted once, so each neighbour-list rebuild pays only the search)."""
    if not sorted_keys.numel():
        return torch.zeros_like(keys, dtype=torch.bool)
    at = torch.searchsorted(sorted_keys, keys).clamp_max(sorted_keys.numel() - 1)
    return sorted_keys[at] == keys


def _switch(r: Tensor, r_switch: float | None, cutoff: float | None) -> Tensor | None:
    if r_switch is None or cutoff is None:
        return None
    x = ((r - r_switch) / (cutoff - r_switch)).clamp(0, 1)
    return 1 - x**3 * (10 - 15 * x + 6 * x * x)


def _geometric_mean(a: Tensor, b: Tensor) -> Tensor:
    """``√(a b)`` with a zero (not NaN) gradient where a product is 0, as for TIP3P's hydrogens (ε = 0)."""
    ab = a * b
    positive = ab > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, ab, torch.ones_like(ab))), torch.zeros_like(ab))


def _lj(r: Tensor, sigma: Tensor, epsilon: Tensor) -> Tensor:
    s6 = (sigma / r) ** 6
    return 4 * epsilon * (s6 * s6 - s6)


def _lj_classes(system: MolecularSystem) -> tuple[Tensor, Tensor, Tensor]:
    """``(A, B, counts)``: the LJ coefficients ``[C, C]`` between classes of atoms with the same LJ parameters
    (``E = A/r¹² − B/r⁶``) and how many atoms each class holds; the types of an NBFIX table are its classes."""
    tab = system.lennard_jones_table
    if tab is not None:
        return tab.a, tab.b, torch.bincount(tab.types, minlength=tab.a.shape[0])
    p = system.particles
    classes, counts = torch.unique(torch.stack([p.sigma, p.epsilon], 1), dim=0, return_counts=True)
    sig = 0.5 * (classes[:, None, 0] + classes[None, :, 0])
    eps = _geometric_mean(classes[:, None, 1], classes[None, :, 1])
    s6 = sig**6
    return 4 * eps * s6 * s6, 4 * eps * s6, counts


def dispersion_correction(system: MolecularSystem, box: Tensor) -> Tensor:
    """The LJ tail beyond the cutoff for a periodic box (see the module docstring), in kJ/mol.

    With a switching function the part the switch removes, ``∫_{r_s}^{r_c} U(r) (1 − S(r)) r² dr``, is added
    by 48-point Gauss–Legendre quadrature, as OpenMM integrates it. An NBFIX table averages its own ``A, B``.
    """
    A, B, counts = _lj_classes(system)
    c = counts.to(A.dtype)
    # over all N(N+1)/2 pairs: a class with itself n(n+1)/2 times, two classes n_a n_b times
    count = torch.triu(c[:, None] * c[None, :], 1) + torch.diag(c * (c + 1) / 2)
    n = float(system.n_atoms)
    pairs = n * (n + 1) / 2
    rc = system.nonbonded.cutoff
    tail = (count * (A / (9 * rc**9) - B / (3 * rc**3))).sum() / pairs / 4
    rs = system.nonbonded.switch_distance
    if rs is not None:
        x, w = (torch.as_tensor(a, dtype=A.dtype) for a in np.polynomial.legendre.leggauss(48))
        r = 0.5 * (rc - rs) * x + 0.5 * (rc + rs)
        inv6 = 1 / r**6
        lost = (A[..., None] * inv6 * inv6 - B[..., None] * inv6) * (1 - _switch(r, rs, rc)) * r * r
        tail = tail + (count * (0.5 * (rc - rs) * (lost * w).sum(-1))).sum() / pairs / 4
    return 8 * math.pi * n * n / box.prod() * tail


def _reaction_field(s, cutoff: float) -> tuple[float, float]:
    """``(k_rf, c_rf)`` of the reaction field (module docstring)."""
    eps_rf = s.reaction_field_dielectric
    return (eps_rf - 1) / ((2 * eps_rf + 1) * cutoff**3), 3 * eps_rf / ((2 * eps_rf + 1) * cutoff)


def _pair_coulomb(method: str, cutoff, s, alpha):
    """``f(r, qq)``: the direct-space Coulomb of a normal pair (divided by ``k_e``) for each method."""
    if method == "none":
        return lambda r, qq: qq / r
    if method == "cutoff":
        k_rf, c_rf = _reaction_field(s, cutoff)
        return lambda r, qq: qq * (1 / r + k_rf * r * r - c_rf)
    return lambda r, qq: qq * torch.erfc(alpha * r) / r


def nonbonded_energy_fn(system: MolecularSystem):
    """``U(R, box=None, strain=None, pairs=None) -> (E_LJ, E_coulomb)`` in kJ/mol for ``R`` ``[N, 3]`` nm.

    ``pairs`` ``[P, 2]`` (optional, ``−1`` rows are padding) are candidate pairs from a neighbour list
    (:func:`solvers.md.neighbor_list` with ``cutoff``), or a :class:`.pair_kernel.NeighborRows` dense list:
    exceptions among them are dropped here, unless they come as :class:`.pair_kernel.ExceptionFreePairs` built
    with this energy's own ``energy.exception_rows()``. Without it, every non-excepted pair is summed.
    """
    s = system.nonbonded
    derived: dict[str, Tensor] = {}  # constants derived on first use: all pairs, the last neighbour list filtered

    def all_pairs() -> Tensor:
        if "pairs" not in derived:
            if system.n_atoms > _ALL_PAIRS_LIMIT:
                raise ValueError(
                    f"{system.n_atoms} atoms are too many to sum every pair ({system.n_atoms**2 // 2:.3g} pairs); "
                    "pass pairs= from a neighbour list (solvers.md.neighbor_list(box, cutoff)) instead."
                )
            derived["pairs"] = non_excepted_pairs(system.n_atoms, system.exceptions.index)
        return derived["pairs"]

    exc = system.exceptions
    exc_keys = torch.sort(exc.index.min(1).values * system.n_atoms + exc.index.max(1).values).values
    active = (exc.charge_product != 0) | (exc.epsilon != 0)
    e_index, e_qq, e_sig, e_eps = exc.index[active], exc.charge_product[active], exc.sigma[active], exc.epsilon[active]
    cutoff = s.cutoff if s.method != "none" else None
    if s.dispersion_correction and (cutoff is None or system.box is None):
        raise ValueError("dispersion_correction needs a periodic box and a cutoff; turn it off for vacuum.")
    alpha, grid = None, None
    if s.method == "pme":
        alpha, grid = pme_parameters(cutoff, system.box.tolist(), s.ewald_tolerance)
        alpha, grid = s.pme_alpha or alpha, s.pme_grid or grid
    coulomb = _pair_coulomb(s.method, cutoff, s, alpha)
    net = float(system.particles.charge.sum())
    if s.method == "pme" and abs(net) > 1e-3:
        warnings.warn(
            f"the system carries a net charge of {net:+.3f} e under PME; a uniform neutralising background is "
            "added (as OpenMM does), which can bias free energies. Add counter-ions to neutralise it.",
            stacklevel=2,
        )

    def vectors(R, i, j, b, strain):
        d = displacement(R[i], R[j], b)
        return d + d @ strain.T if strain is not None else d

    k_rf, c_rf = _reaction_field(s, cutoff) if s.method == "cutoff" else (0.0, 0.0)
    p = system.particles
    sqrt_eps = sqrt_epsilon(p.epsilon)
    table = system.lennard_jones_table
    lj_params = () if table is None else (table.a, table.b)  # what the native pass must not need a graph through
    native_table = None if table is None else pair_table_parameters(table.types, table.a, table.b)

    def energy(R: Tensor, box=None, strain=None, pairs: Tensor | None = None, pair_gradient: bool = False):
        """``(E_LJ, E_C)``; with ``pair_gradient`` ``(E_LJ, E_C, g)``: where the native kernel applies, the pair
        sum enters the energies as a constant and ``g`` ``[N, 3]`` is its gradient (``None`` otherwise)."""
        b = system.box if box is None else box
        b = b.to(R) if b is not None and cutoff is not None else None
        if s.method == "pme" and strain is not None:
            raise NotImplementedError("the PME virial (strain) is not implemented; the MC barostat needs none.")
        q, sig, eps = p.charge.to(R), p.sigma.to(R), p.epsilon.to(R)
        e_lj, e_coul = R.new_zeros(()), R.new_zeros(())
        if isinstance(pairs, ExceptionFreePairs):  # a list built without this system's exceptions: used as it is
            if pairs.rows is derived.get("exception_rows"):
                derived["list_in"], derived["list_out"] = pairs.pairs, pairs.pairs
            pairs = pairs.pairs  # not this energy's rows: filtered below like any pairs
        if isinstance(pairs, NeighborRows):  # a dense list: its i < j pairs, exceptions dropped, once per list
            if derived.get("rows_in") is not pairs:
                if pairs.idx.device.type == "cpu" and native_applies(R, strain=strain):
                    converted = native_rows_to_pairs(pairs, exception_rows_of_system())
                    derived["list_in"], derived["list_out"] = converted, converted  # already filtered
                else:
                    converted = pairs.half_pairs()
                derived["rows_in"], derived["rows_out"] = pairs, converted
            pairs = derived["rows_out"]
        if pairs is None:
            every = all_pairs()
            blocks = [every[k : k + _PAIR_BLOCK] for k in range(0, len(every), _PAIR_BLOCK)]
        elif derived.get("list_in") is pairs:  # the same neighbour list as last step: reuse its filtering
            blocks = [derived["list_out"]]
        elif pairs.device.type == "cpu" and native_applies(R, strain=strain):  # one native pass
            blocks = [native_drop_exceptions(pairs, exception_rows_of_system())]
            derived["list_in"], derived["list_out"] = pairs, blocks[0]
        else:
            kept = pairs[pairs[:, 0] >= 0].long()  # int64: a * N + c overflows int32 past 46 340 atoms
            a, c = kept.min(1).values, kept.max(1).values
            blocks = [torch.stack([a, c], 1)[~_member(a * system.n_atoms + c, exc_keys.to(pairs.device))]]
            derived["list_in"], derived["list_out"] = pairs, blocks[0]
        native = (pair_gradient or not R.requires_grad) and native_applies(
            R, p.charge, p.sigma, p.epsilon, *lj_params, strain=strain
        )
        g = None
        for block in blocks:
            if native and (table is None or native_table is not None):  # NBFIX as per-pair σ, ε in the table
                lj_sum, coul_sum, gb = native_pair_sum(
                    R, block, p.charge, p.sigma, sqrt_eps, b, method=s.method, cutoff=cutoff,
                    switch_distance=s.switch_distance, alpha=alpha, k_rf=k_rf, c_rf=c_rf, coulomb_scale=MD.ke,
                    gradient=pair_gradient, table=native_table,
                )  # fmt: skip
                e_lj, e_coul = e_lj + lj_sum, e_coul + coul_sum
                g = gb if g is None else g + gb
                continue
            i, j = block.to(R.device).unbind(1)
            r = torch.linalg.norm(vectors(R, i, j, b, strain), dim=-1)
            if table is not None:  # NBFIX: the pair's own coefficients
                ti, tj = table.types.to(R.device)[i], table.types.to(R.device)[j]
                inv6 = 1 / r**6
                lj = table.a.to(R)[ti, tj] * inv6 * inv6 - table.b.to(R)[ti, tj] * inv6
            else:
                lj = _lj(r, 0.5 * (sig[i] + sig[j]), _geometric_mean(eps[i], eps[j]))
            coul = coulomb(r, q[i] * q[j])
            if cutoff is not None:
                inside = r < cutoff
                sw = _switch(r, s.switch_distance, cutoff)
                lj = torch.where(inside, lj if sw is None else lj * sw, torch.zeros_like(lj))
                coul = torch.where(inside, coul, torch.zeros_like(coul))
            e_lj, e_coul = e_lj + lj.sum(), e_coul + coul.sum()
        if native and len(exc.index) and not any(t.requires_grad for t in (exc.charge_product, exc.sigma, exc.epsilon)):
            if pair_gradient and g is None:
                g = torch.zeros_like(R, requires_grad=False)
            lj_e, coul_e = native_exception_sum(  # the two blocks below in one native pass
                R, exc.index, exc.charge_product, exc.sigma, exc.epsilon, p.charge, b,
                alpha if s.method == "pme" else None, MD.ke, g if pair_gradient else None,
            )  # fmt: skip
            e_lj, e_coul = e_lj + lj_e, e_coul + coul_e
        else:
            if len(e_index):  # exceptions: their own parameters, plain Coulomb, no cutoff
                i, j = e_index.to(R.device).unbind(1)
                r = torch.linalg.norm(vectors(R, i, j, b, strain), dim=-1)
                e_lj = e_lj + _lj(r, e_sig.to(R), e_eps.to(R)).sum()
                e_coul = e_coul + (e_qq.to(R) / r).sum()
            if s.method == "pme":  # the reciprocal sum counted every excepted pair: remove it
                i, j = exc.index.to(R.device).unbind(1)
                r = torch.linalg.norm(vectors(R, i, j, b, None), dim=-1)
                e_coul = e_coul - (q[i] * q[j] * torch.erf(alpha * r) / r).sum()
        if s.method == "pme":
            if native and PME_KERNEL.load() is not None:  # spreading and gathering in one native pass each
                e_rec, g_rec = native_reciprocal(R, p.charge, b, alpha, grid, gradient=pair_gradient)
                e_coul = e_coul + e_rec
                if g_rec is not None:
                    g = MD.ke * g_rec if g is None else g + MD.ke * g_rec
            else:
                e_coul = e_coul + reciprocal_energy(R, q, b, alpha, grid)
            e_coul = e_coul + self_energy(q, alpha)
            e_coul = e_coul + net_charge_energy(q, b, alpha)
        if s.dispersion_correction:
            bb = (b if strain is None else b * (1 + torch.diagonal(strain))).to(R)
            fitted = (p.sigma, p.epsilon) if table is None else (table.a, table.b)
            if any(t.requires_grad for t in fitted):  # a parameter fit: keep the graph
                e_lj = e_lj + dispersion_correction(system, bb).to(R)
            else:  # E_tail = C / V with C fixed by the parameters: built once, not every step
                if "tail" not in derived:
                    derived["tail"] = dispersion_correction(system, torch.ones(3, dtype=torch.float64, device=R.device))
                e_lj = e_lj + derived["tail"].to(R) / bb.prod()
        if pair_gradient:
            return e_lj, MD.ke * e_coul, g
        return e_lj, MD.ke * e_coul

    def exception_rows_of_system() -> tuple[Tensor, Tensor]:
        """This energy's :func:`.pair_kernel.exception_rows` (made once): a neighbour list that leaves these out
        returns :class:`.pair_kernel.ExceptionFreePairs` with this very tuple, and the energy skips its own pass."""
        if "exception_rows" not in derived:
            derived["exception_rows"] = exception_rows(exc.index, system.n_atoms)
        return derived["exception_rows"]

    energy.exception_rows = exception_rows_of_system
    return energy
