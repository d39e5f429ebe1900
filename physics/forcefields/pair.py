"""Pair potentials, on the jax-md naming ladder: ``lennard_jones(r)`` on distances,
``lennard_jones_pair(...)`` for a whole system (all pairs), ``lennard_jones_neighbor_list(...)`` for
the pairs of a neighbour list. Energies are the source of truth; forces and the virial come from autograd.

    Lennard-Jones  φ(r) = 4ε[(σ/r)¹² − (σ/r)⁶]
    Morse          φ(r) = D[(1 − e^{−a(r − r0)})² − 1]
    soft sphere    φ(r) = ε (σ/r)^α                         (Weeks–Chandler–Andersen-like repulsion)
    WCA            φ(r) = LJ(r) + ε for r < 2^{1/6}σ, else 0
    Buckingham     φ(r) = A e^{−r/ρ} − C/r⁶

Cutoff handling for ``*_pair`` and ``*_neighbor_list``: ``cutoff`` (pairs beyond it contribute 0),
``shift=True`` subtracts ``φ(r_c)`` (continuous energy), ``switch=(r_on, r_c)`` multiplies by the
CHARMM/XPLOR switching function ``S(r)`` (continuous forces). Units follow the inputs (reduced LJ,
or Å with kcal/mol or eV).
"""

from __future__ import annotations

from functools import partial
from typing import Callable

import torch
from torch import Tensor

from physics.forcefields.pair_dense import DensePairEnergy, lennard_jones_radial_r2
from physics.forcefields.space import check_box, displacement


def lennard_jones(r: Tensor, sigma=1.0, epsilon=1.0) -> Tensor:
    """``φ(r) = 4ε[(σ/r)¹² − (σ/r)⁶]`` elementwise on distances ``r`` (Lennard-Jones 1924)."""
    s6 = (sigma / r) ** 6
    return 4 * epsilon * (s6 * s6 - s6)


def morse(r: Tensor, D=1.0, a=1.0, r0=1.0) -> Tensor:
    """``φ(r) = D[(1 − e^{−a(r − r₀)})² − 1]`` (Morse 1929): well depth ``D`` at ``r₀``, width ``1/a``."""
    e = torch.exp(-a * (r - r0))
    return D * ((1 - e) ** 2 - 1)


def soft_sphere(r: Tensor, sigma=1.0, epsilon=1.0, alpha=12.0) -> Tensor:
    """``φ(r) = ε (σ/r)^α``: purely repulsive soft spheres (α = 12 by default)."""
    return epsilon * (sigma / r) ** alpha


def wca(r: Tensor, sigma=1.0, epsilon=1.0) -> Tensor:
    """Weeks–Chandler–Andersen: the LJ potential cut at its minimum ``2^{1/6}σ`` and shifted up by ``ε``."""
    rc = 2 ** (1 / 6) * sigma
    return torch.where(r < rc, lennard_jones(r, sigma, epsilon) + epsilon, torch.zeros_like(r))


def buckingham(r: Tensor, A=1.0, rho=0.1, C=1.0) -> Tensor:
    """``φ(r) = A e^{−r/ρ} − C/r⁶`` (Buckingham 1938), exponential repulsion and dispersion."""
    return A * torch.exp(-r / rho) - C / r**6


def switching(r: Tensor, r_on: float, r_c: float) -> Tensor:
    """CHARMM switching: 1 below ``r_on``, 0 beyond ``r_c``, smooth (C¹) in between."""
    x = ((r_c**2 - r**2) ** 2 * (r_c**2 + 2 * r**2 - 3 * r_on**2)) / (r_c**2 - r_on**2) ** 3
    return torch.where(r < r_on, torch.ones_like(r), torch.where(r < r_c, x, torch.zeros_like(r)))


def _shift_value(phi: Callable, cutoff: float | None, shift: bool) -> float:
    """``φ(r_c)`` when shifting, else 0."""
    return float(phi(torch.tensor(float(cutoff), dtype=torch.float64))) if shift and cutoff is not None else 0.0


def _truncate(phi: Callable, cutoff: float | None, shift: bool, switch) -> Callable:
    if cutoff is None:
        if shift or switch:
            raise ValueError("shift and switch need a cutoff.")
        return phi
    ref = _shift_value(phi, cutoff, shift)

    def cut(r):
        e = phi(r) - ref
        if switch is not None:
            e = e * switching(r, float(switch[0]), float(cutoff))
        return torch.where(r < cutoff, e, torch.zeros_like(e))

    return cut


def pair_energy_fn(
    phi: Callable,
    box=None,
    cutoff: float | None = None,
    shift: bool = False,
    switch=None,
    neighbor_list: bool = False,
    format: str = "pairs",
    compile: bool = True,
    radial_r2: Callable | None = None,
) -> Callable:
    """Total energy ``U(R, box=box[, pairs])`` of ``phi`` summed over pairs.

    ``R`` ``[N, 3]``. All pairs (``neighbor_list=False``): every ``i < j`` pair. With a neighbour list
    in ``format="pairs"`` the call is ``U(R, pairs, box=...)`` with ``pairs`` ``[P, 2]`` (each unordered
    pair once; entries of ``−1`` mark unused capacity and are ignored). With ``format="dense"`` it is
    ``U(R, neighbors, box=...)`` with ``neighbors`` ``[N, M]`` padded with ``N``
    (:class:`.pair_dense.DensePairEnergy`, which adds the fused ``energy_and_forces`` fast path,
    compiled with ``torch.compile`` when ``compile``). ``strain`` ``[3, 3]`` deforms every pair vector
    ``d → (I + strain) d``; the derivative at zero strain is the virial (see :mod:`.quantities`).
    """
    default_box = check_box(box)
    cut = _truncate(phi, cutoff, shift, switch)
    if cutoff is not None and default_box is not None and float(default_box.min()) < 2 * cutoff:
        raise ValueError(
            f"cutoff {cutoff} exceeds half the smallest box edge ({float(default_box.min()) / 2}); "
            "the minimum-image convention would miss pairs. Use a bigger box or a shorter cutoff."
        )

    def energy_pairs(R: Tensor, pairs: Tensor, box=None, strain: Tensor | None = None) -> Tensor:
        b = default_box if box is None else box
        b = b.to(R) if b is not None else None
        valid = pairs[:, 0] >= 0
        i, j = pairs[:, 0].clamp_min(0), pairs[:, 1].clamp_min(0)
        # index_select's backward is index_add (atomic adds on GPU), far cheaper than R[i]'s index_put
        d = displacement(R.index_select(0, i), R.index_select(0, j), b)
        if strain is not None:  # homogeneous deformation of every pair vector (the virial is dU/dstrain at 0)
            d = d + d @ strain.T
        r = torch.sqrt((d * d).sum(-1) + (~valid).to(R.dtype))  # unused slots get r = 1, masked below
        e = cut(r)
        return torch.where(valid, e, torch.zeros_like(e)).sum()

    if neighbor_list:
        if format == "dense":
            return DensePairEnergy(cut, default_box, cutoff, compile, radial_r2)
        if format != "pairs":
            raise ValueError(
                f"unknown neighbour-list format {format!r}; use 'pairs' ([P, 2] pair rows) or 'dense' "
                "([N, M] neighbour rows, the fast path)."
            )
        return energy_pairs

    def energy_dense(R: Tensor, box=None, strain: Tensor | None = None) -> Tensor:
        n = R.shape[0]
        i, j = torch.triu_indices(n, n, 1, device=R.device)
        return energy_pairs(R, torch.stack([i, j], 1), box, strain)

    return energy_dense


def _ladder(phi, closed_form=None):
    """The ``<name>_pair`` and ``<name>_neighbor_list`` rungs of the naming ladder for the pair potential ``phi``."""

    def pair(box=None, cutoff=None, shift=False, switch=None, **params):
        return pair_energy_fn(partial(phi, **params), box, cutoff, shift, switch)

    def neighbor(box=None, cutoff=None, shift=False, switch=None, format="pairs", compile=True, **params):
        radial = None
        if closed_form is not None and switch is None and not any(torch.is_tensor(v) for v in params.values()):
            radial = closed_form(**params, shift=_shift_value(partial(phi, **params), cutoff, shift))
        return pair_energy_fn(
            partial(phi, **params),
            box,
            cutoff,
            shift,
            switch,
            neighbor_list=True,
            format=format,
            compile=compile,
            radial_r2=radial,
        )

    name = phi.__name__
    pair.__name__, neighbor.__name__ = f"{name}_pair", f"{name}_neighbor_list"
    pair.__doc__ = (
        f"Energy function ``U(R, box=..., strain=...)`` summing :func:`{name}` over all pairs (minimum image in "
        "``box``; optional ``cutoff``, energy ``shift`` at the cutoff and CHARMM ``switch=(r_on,)``). "
        f"Keyword ``params`` go to :func:`{name}`."
    )
    neighbor.__doc__ = (
        f"Energy function summing :func:`{name}` over a neighbour list: ``U(R, pairs=...)`` "
        "(``format='pairs'``) or ``U(R, neighbors=...)`` (``format='dense'``, the fused fast path; "
        "``compile`` compiles it). Other arguments as for the ``_pair`` rung."
    )
    return pair, neighbor


lennard_jones_pair, lennard_jones_neighbor_list = _ladder(lennard_jones, lennard_jones_radial_r2)
morse_pair, morse_neighbor_list = _ladder(morse)
soft_sphere_pair, soft_sphere_neighbor_list = _ladder(soft_sphere)
wca_pair, wca_neighbor_list = _ladder(wca)
buckingham_pair, buckingham_neighbor_list = _ladder(buckingham)

LJ_MINIMUM = 2 ** (1 / 6)  # r_min / σ
