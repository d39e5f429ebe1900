"""The direct-space pair sum of :mod:`.nonbonded` as one native pass with analytic gradients (CPU).

The autograd path of :mod:`.nonbonded` builds a graph of about twenty tensors of length P (the pair count) and
walks it back for the forces; for a solvated protein that is most of a step. ``pair_kernel.cpp`` evaluates
the same equations (LJ with OpenMP's switch, Coulomb plain / reaction field / Ewald ``erfc``, minimum image in a
rectangular box) pair by pair, accumulating energies in float64 and ``∂E/∂R`` ``[N, 3]`` in per-thread
buffers, in one pass over the pair list. It is used only where no graph through the pair sum is needed:

- integrator steps that are not differentiated (:meth:`.MolecularEnergy.energy_and_forces`), and
- energy evaluations where neither the positions nor any force-field parameter requires grad.

Differentiating through a simulation, a parameter fit, the virial (``strain``), GPU tensors, or
``SCIML_NO_NATIVE=1`` keep the pure-torch path, which is the reference this kernel is tested against
(``tests/physics/test_pair_kernel.py``: energies and forces to 1e-12 relative in float64).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from sciml.runtime.native import NativeLibrary

_P, _I64, _D, _INT = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_int
_ARGS = [_P, _I64, _P, _I64, _P, _P, _P, _P, _I64, _P, _P, _P, _INT, _D, _D, _D, _D, _D, _D, _P, _P, _INT]
_EXCEPTIONS = [_P, _P, _I64, _P, _P, _P, _P, _P, _D, _D, _P, _P]
PAIR_KERNEL = NativeLibrary(
    Path(__file__).with_name("pair_kernel.cpp"),
    {"pair_sum_f32": _ARGS, "pair_sum_f64": _ARGS}
    | {"drop_exceptions": [_P, _I64, _P, _P, _P, _INT], "drop_exceptions_i32": [_P, _I64, _P, _P, _P, _INT]}
    | {"exception_sum_f32": _EXCEPTIONS, "exception_sum_f64": _EXCEPTIONS}
    | {"rows_to_pairs": [_P, _I64, _I64, _P, _P, _P, _I64, _INT]},
    returns={"drop_exceptions": ctypes.c_int64, "drop_exceptions_i32": ctypes.c_int64, "rows_to_pairs": ctypes.c_int64},
    tuned=True,
)
COULOMB_CODES = {"none": 0, "cutoff": 1, "pme": 2}


@dataclass(frozen=True)
class NeighborRows:
    """A dense neighbour list passed as an energy's ``pairs``: ``idx`` ``[N, M]`` int32, row ``i`` holding the
    atoms near atom ``i`` (each pair in both rows), padded with ``N``: the layout of
    :class:`solvers.md.dense_neighbors.DenseNeighborList`. The energy turns it into its ``i < j`` pairs with the
    exceptions dropped in one native pass (:func:`native_rows_to_pairs`), or by :meth:`half_pairs` elsewhere."""

    idx: Tensor

    def half_pairs(self) -> Tensor:
        """The pairs ``i < j`` ``[P, 2]`` int64 of the rows (exceptions not dropped)."""
        idx = self.idx.long()
        n = idx.shape[0]
        i = torch.arange(n, device=idx.device)[:, None].expand_as(idx)
        keep = (idx < n) & (i < idx)
        return torch.stack([i[keep], idx[keep]], 1)


@dataclass(frozen=True)
class ExceptionFreePairs:
    """Pairs ``i < j`` ``[P, 2]`` from which a neighbour list already left out the exceptions in ``rows``.

    ``rows`` must be the very tuple the energy hands out (``MolecularEnergy.exception_rows()``): the energy then
    skips its own pass over the pairs. Any other ``rows`` (another system's, a copy) and the energy drops the
    exceptions itself, so a wrong list costs time, never a wrong energy."""

    pairs: Tensor
    rows: tuple


def native_rows_to_pairs(rows: NeighborRows, exceptions: tuple[Tensor, Tensor]) -> Tensor:
    """The pairs ``i < j`` ``[P, 2]`` (int32) of ``rows`` without the exceptions of :func:`exception_rows`."""
    lib = PAIR_KERNEL.load()
    idx = rows.idx.to(device="cpu", dtype=torch.int32).contiguous()
    n, width = idx.shape
    offsets, targets = exceptions
    args = (idx.data_ptr(), n, width, offsets.data_ptr(), targets.data_ptr())
    total = lib.rows_to_pairs(*args, None, 0, torch.get_num_threads())
    out = torch.empty((total, 2), dtype=torch.int32)
    lib.rows_to_pairs(*args, out.data_ptr(), total, torch.get_num_threads())
    return out


def native_pairs_available() -> bool:
    """Whether the native pair kernel compiled (compiles it on the first call)."""
    return PAIR_KERNEL.load() is not None


def native_applies(R: Tensor, *parameters: Tensor, strain: Tensor | None = None) -> bool:
    """Whether the native pair sum can stand in for the torch one: CPU float32/float64 positions, no
    virial strain, no parameter that requires grad, and a kernel that compiled."""
    return (
        R.device.type == "cpu"
        and R.dtype in (torch.float32, torch.float64)
        and strain is None
        and not any(p.requires_grad for p in parameters)
        and PAIR_KERNEL.load() is not None
    )


def native_pair_sum(
    R: Tensor,
    pairs: Tensor,
    charge: Tensor,
    sigma: Tensor,
    sqrt_epsilon: Tensor,
    box: Tensor | None,
    *,
    method: str,
    cutoff: float | None,
    switch_distance: float | None,
    alpha: float | None,
    k_rf: float = 0.0,
    c_rf: float = 0.0,
    coulomb_scale: float = 1.0,
    gradient: bool = False,
    table: tuple[Tensor, Tensor, Tensor] | None = None,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """``(E_LJ, E_C, ∂(E_LJ + coulomb_scale·E_C)/∂R or None)`` over ``pairs`` ``[P, 2]`` (``i < j``, no padding).

    ``R`` ``[N, 3]`` nm; per-atom ``charge`` (e), ``sigma`` (nm) and ``sqrt_epsilon`` (√(kJ/mol)) ``[N]``; ``box``
    ``[3]`` nm or ``None``; ``method`` as :class:`.NonbondedSettings` (``"cutoff"`` is the reaction field with
    constants ``k_rf`` and ``c_rf``, ``"pme"`` the ``erfc(α r)/r`` direct sum). ``table``: an NBFIX pair table as
    :func:`pair_table_parameters` gives it, which then sets every pair's LJ instead of ``sigma`` and
    ``sqrt_epsilon``. ``E_C`` is in e²/nm (times ``k_e`` for kJ/mol). Energies are 0-d tensors of ``R``'s dtype;
    nothing here is differentiable.
    """
    lib = PAIR_KERNEL.load()
    if lib is None:
        raise RuntimeError(f"the native pair kernel is unavailable: {PAIR_KERNEL.error}")
    dtype = R.dtype
    Rc = R.detach().contiguous()
    pr = pairs.to(torch.int32).contiguous()  # half the memory traffic of int64 indices
    q, sig, se = (t.detach().to(dtype).contiguous() for t in (charge, sigma, sqrt_epsilon))
    b = box.detach().to(torch.float64).contiguous() if box is not None else None
    grad = torch.zeros_like(Rc) if gradient else None
    energy = torch.zeros(2, dtype=torch.float64)
    n_types = 0
    if table is not None:
        types, sig_tab, eps_tab = table
        n_types = round(sig_tab.numel() ** 0.5)
        if types.dtype != torch.int32 or types.numel() != Rc.shape[0] or sig_tab.numel() != n_types**2:
            raise ValueError(
                f"the pair table needs int32 types for the {Rc.shape[0]} atoms and square sigma/epsilon tables; "
                f"got types {types.dtype} {tuple(types.shape)} and {sig_tab.numel()} entries. Build it with "
                "pair_table_parameters(types, a, b)."
            )
        sig_tab, eps_tab = (t.to(dtype).contiguous() for t in (sig_tab, eps_tab))
    fn = lib.pair_sum_f32 if dtype == torch.float32 else lib.pair_sum_f64
    fn(
        Rc.data_ptr(),
        Rc.shape[0],
        pr.data_ptr(),
        pr.shape[0],
        q.data_ptr(),
        sig.data_ptr(),
        se.data_ptr(),
        types.data_ptr() if table is not None else None,
        n_types,
        sig_tab.data_ptr() if table is not None else None,
        eps_tab.data_ptr() if table is not None else None,
        b.data_ptr() if b is not None else None,
        COULOMB_CODES[method],
        float(cutoff) if cutoff is not None else -1.0,
        float(switch_distance) if switch_distance is not None and cutoff is not None else -1.0,
        float(alpha) if alpha is not None else 0.0,
        float(k_rf),
        float(c_rf),
        float(coulomb_scale),
        grad.data_ptr() if grad is not None else None,
        energy.data_ptr(),
        torch.get_num_threads(),
    )
    e = energy.to(dtype)
    return e[0], e[1], grad


def pair_table_parameters(types: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor, Tensor] | None:
    """An NBFIX table ``E = a[t_i, t_j]/r¹² − b[t_i, t_j]/r⁶`` (``types`` ``[N]``, ``a``, ``b`` ``[T, T]``) in the
    kernel's form: ``(types int32 [N], σ [T·T], ε [T·T])`` float64 with ``a = 4εσ¹²``, ``b = 4εσ⁶``, that is
    ``σ = (a/b)^{1/6}`` and ``ε = b²/(4a)`` (``ε = 0`` where ``a = b = 0``). ``None`` when an entry has no such
    form (one of ``a``, ``b`` zero or negative and not the other): the torch path then sums the table as it is."""
    a64, b64 = a.detach().to("cpu", torch.float64), b.detach().to("cpu", torch.float64)
    n_types = a64.shape[0]
    if a64.shape != (n_types, n_types) or b64.shape != a64.shape or types.numel() == 0:
        raise ValueError(f"an NBFIX table needs square a and b of one shape; got {tuple(a.shape)}, {tuple(b.shape)}.")
    low, high = int(types.min()), int(types.max())
    if low < 0 or high >= n_types:
        raise ValueError(
            f"the NBFIX table's atom types run from {low} to {high}, but a and b have {n_types} types; every type "
            f"must be in 0..{n_types - 1}."
        )
    regular, empty = (a64 > 0) & (b64 > 0), (a64 == 0) & (b64 == 0)
    if not bool((regular | empty).all()):
        return None
    sigma = torch.where(regular, (a64 / torch.where(regular, b64, 1.0)) ** (1 / 6), 1.0)
    epsilon = torch.where(regular, b64**2 / (4 * torch.where(regular, a64, 1.0)), 0.0)
    return types.detach().to("cpu", torch.int32).contiguous(), sigma.reshape(-1), epsilon.reshape(-1)


def native_exception_sum(
    R: Tensor,
    pairs: Tensor,
    charge_product: Tensor,
    sigma: Tensor,
    epsilon: Tensor,
    charge: Tensor,
    box: Tensor | None,
    alpha: float | None,
    coulomb_scale: float,
    grad: Tensor | None,
) -> tuple[Tensor, Tensor]:
    """``(E_LJ, E_C)`` of every exception ``pairs`` ``[Ne, 2]`` with its own ``charge_product``, ``sigma`` and
    ``epsilon`` ``[Ne]`` (all zero: excluded), minus ``q_i q_j erf(α r)/r`` when ``alpha`` is given (PME's
    reciprocal sum counted the pair); ``E_C`` in e²/nm. ``grad`` ``[N, 3]`` (optional) is added to in place
    with ``∂(E_LJ + coulomb_scale·E_C)/∂R``."""
    lib = PAIR_KERNEL.load()
    dtype = R.dtype
    Rc = R.detach().contiguous()
    pr = pairs.to(torch.int64).contiguous()
    qq, sig, eps, q = (t.detach().to(dtype).contiguous() for t in (charge_product, sigma, epsilon, charge))
    b = box.detach().to(torch.float64).contiguous() if box is not None else None
    energy = torch.zeros(2, dtype=torch.float64)
    fn = lib.exception_sum_f32 if dtype == torch.float32 else lib.exception_sum_f64
    fn(Rc.data_ptr(), pr.data_ptr(), pr.shape[0], qq.data_ptr(), sig.data_ptr(), eps.data_ptr(), q.data_ptr(),
       b.data_ptr() if b is not None else None, float(alpha or 0.0), float(coulomb_scale),
       grad.data_ptr() if grad is not None else None, energy.data_ptr())  # fmt: skip
    e = energy.to(dtype)
    return e[0], e[1]


def exception_rows(exceptions: Tensor, n_atoms: int) -> tuple[Tensor, Tensor]:
    """``(offsets [N + 1], targets)`` int64: the excepted partners ``j > i`` of each atom ``i``, sorted, as rows."""
    a, b = exceptions.min(1).values.long(), exceptions.max(1).values.long()
    keys = torch.unique(a * n_atoms + b)  # sorted, duplicates dropped
    rows, targets = keys // n_atoms, keys % n_atoms
    offsets = torch.zeros(n_atoms + 1, dtype=torch.int64)
    offsets[1:] = torch.cumsum(torch.bincount(rows, minlength=n_atoms), 0)
    return offsets, targets.contiguous()


def native_drop_exceptions(pairs: Tensor, rows: tuple[Tensor, Tensor]) -> Tensor:
    """The pairs ``[P, 2]`` (int32 or int64, CPU; ``−1`` rows are padding) not listed in the exception ``rows`` of
    :func:`exception_rows`, each as ``(min, max)``, in int32 (what :func:`native_pair_sum` reads)."""
    lib = PAIR_KERNEL.load()
    narrow = pairs.dtype == torch.int32  # a native half list: read as it is, no widening copy
    pr = pairs.contiguous() if narrow else pairs.to(torch.int64).contiguous()
    offsets, targets = rows
    out = torch.empty(pr.shape, dtype=torch.int32)
    fn = lib.drop_exceptions_i32 if narrow else lib.drop_exceptions
    n = fn(pr.data_ptr(), pr.shape[0], offsets.data_ptr(), targets.data_ptr(), out.data_ptr(), torch.get_num_threads())
    return out[:n]


def sqrt_epsilon(epsilon: Tensor) -> Tensor:
    """``√ε`` per atom, so that ``ε_ij = √ε_i √ε_j`` (the combining rule) needs no square root per pair."""
    return torch.sqrt(epsilon.detach().clamp_min(0))


__all__ = [
    "NeighborRows",
    "ExceptionFreePairs",
    "PAIR_KERNEL",
    "native_rows_to_pairs",
    "exception_rows",
    "native_applies",
    "native_pairs_available",
    "native_drop_exceptions",
    "native_exception_sum",
    "native_pair_sum",
    "pair_table_parameters",
    "sqrt_epsilon",
]
