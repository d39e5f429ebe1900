"""Native kernels for the MD engine, compiled on first use with the system C++ compiler.

:func:`cell_list` builds a dense neighbour list and :func:`cell_half_pairs` the ``i < j`` pairs
(``cell_list.cpp``, OpenMP); :func:`rattle_clusters` and
:func:`shake_clusters` solve distance constraints cluster by cluster and :func:`settle_waters` rigid waters
(``constraints.cpp``). Each file is
compiled, cached, checked against its recorded SHA-256 and loaded by :class:`sciml.runtime.native.NativeLibrary`.
Without a compiler :func:`available` is False and callers fall back to the pure-torch path.
"""

from __future__ import annotations

import ctypes
import math
from pathlib import Path

import torch
from torch import Tensor

from sciml.runtime.native import NativeLibrary

_ARGS = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_double, ctypes.c_int64]
_ARGS += [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_HALF = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_double, ctypes.c_int]
_HALF += [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int]
CELL_LIST = NativeLibrary(
    Path(__file__).with_name("cell_list.cpp"),
    {"cell_list_f32": _ARGS, "cell_list_f64": _ARGS, "cell_half_pairs_f32": _HALF, "cell_half_pairs_f64": _HALF},
    returns={"cell_half_pairs_f32": ctypes.c_int64, "cell_half_pairs_f64": ctypes.c_int64},
    tuned=True,
)
_P, _I64 = ctypes.c_void_p, ctypes.c_int64
_RATTLE = [_P, _P, _P, _P, _P, _P, _P, _I64, ctypes.c_int]
_SHAKE = [_P, _P, _P, _P, _P, _P, _P, _P, _I64, ctypes.c_double, ctypes.c_int, _P, ctypes.c_int, _P]
_SETTLE = [_P, _P, _P, _P, _P, _P, _P, _I64, ctypes.c_int, _P]
CONSTRAINTS = NativeLibrary(
    Path(__file__).with_name("constraints.cpp"),
    {"rattle_f32": _RATTLE, "rattle_f64": _RATTLE, "shake_f32": _SHAKE, "shake_f64": _SHAKE}
    | {"settle_f32": _SETTLE, "settle_f64": _SETTLE},
)


def available() -> bool:
    """Whether the native kernels compiled and loaded (compiles them on the first call)."""
    return CELL_LIST.load() is not None


def cell_grid(box: Tensor, reach: float) -> tuple[tuple[int, int, int], int] | None:
    """Cells per axis and the stencil half-width for ``reach``: half-width cells with a stencil of 2 where the
    box holds at least 5 of them (they scan 125/216 of the volume that full-width cells scan: 1.7-1.9× faster on
    solvated alanine dipeptide and DHFR), else cells at least ``reach`` wide with a stencil of 1, ``None`` when
    the box holds fewer than 3."""
    for stencil in (2, 1):
        nc = tuple(int(v) for v in torch.floor(box.detach().double().cpu() * stencil / reach).tolist())
        if min(nc) >= 2 * stencil + 1:
            return nc, stencil
    return None


def _cell_inputs(R: Tensor, box: Tensor, reach: float):
    """``(positions, box, cells per axis, stencil half-width)`` as the cell-list kernels read them; clear errors
    for tensors or boxes they cannot take."""
    if not available():
        raise RuntimeError(f"native kernels unavailable: {CELL_LIST.error}")
    if R.device.type != "cpu" or R.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"the native cell list takes float32/float64 CPU positions, got {R.dtype} on {R.device}.")
    grid = cell_grid(box, reach)
    if grid is None:
        raise ValueError(f"box {box.tolist()} holds fewer than 3 cells of width {reach} per axis; use all pairs.")
    n_cells, stencil = grid
    b = box.detach().to(device="cpu", dtype=torch.float64).contiguous()
    return R.detach().contiguous(), b, torch.tensor(n_cells, dtype=torch.int64), stencil


def cell_list(R: Tensor, box: Tensor, reach: float, capacity: int) -> tuple[Tensor, Tensor]:
    """Dense list ``idx`` ``[N, capacity]`` (int32, padded with ``N``) and true row counts ``[N]`` (CPU tensors)."""
    Rc, b, nc, stencil = _cell_inputs(R, box, reach)
    n = Rc.shape[0]
    idx = torch.empty((n, capacity), dtype=torch.int32)  # every row is written in full, padding included
    count = torch.empty(n, dtype=torch.int32)
    lib = CELL_LIST.load()
    fn = lib.cell_list_f32 if Rc.dtype == torch.float32 else lib.cell_list_f64
    fn(
        Rc.data_ptr(),
        n,
        b.data_ptr(),
        nc.data_ptr(),
        float(reach),
        capacity,
        idx.data_ptr(),
        count.data_ptr(),
        torch.get_num_threads(),
        stencil,
    )
    return idx, count


def cell_half_pairs(R: Tensor, box: Tensor, reach: float, hint: int = 0, excluded=None) -> Tensor:
    """Every pair ``i < j`` within ``reach`` (minimum image in the rectangular ``box``) once, ``[P, 2]`` int32 on
    the CPU, grouped by ``i``: the list the biomolecular pair kernel reads, built without dense rows. ``hint``: the
    pair count of the last build, so that a system denser than its box's average is not scanned twice.
    ``excluded``: ``(offsets [N + 1], partners)`` int64, each atom's partners ``j > i`` sorted (the layout of
    :func:`physics.forcefields.biomolecular.pair_kernel.exception_rows`): those pairs are left out."""
    Rc, b, nc, stencil = _cell_inputs(R, box, reach)
    n = Rc.shape[0]
    lib = CELL_LIST.load()
    fn = lib.cell_half_pairs_f32 if Rc.dtype == torch.float32 else lib.cell_half_pairs_f64
    # room for the pairs a uniform density puts within reach, with a margin; a denser system calls twice
    expected = 0.5 * n * (n / float(b.prod())) * (4 / 3) * math.pi * reach**3
    room = max(int(1.25 * expected), int(1.1 * hint)) + 1024
    if excluded is not None:
        offsets, partners = (t.to(device="cpu", dtype=torch.int64).contiguous() for t in excluded)
        if offsets.shape != (n + 1,):
            raise ValueError(f"excluded offsets have shape {tuple(offsets.shape)}; {n} atoms need ({n + 1},).")
        ex = (offsets.data_ptr(), partners.data_ptr())
    else:
        ex = (None, None)
    for _ in range(2):
        out = torch.empty((room, 2), dtype=torch.int32)
        total = fn(Rc.data_ptr(), n, b.data_ptr(), nc.data_ptr(), float(reach), stencil, *ex, out.data_ptr(), room,
                   torch.get_num_threads())  # fmt: skip
        if total < 0:
            raise MemoryError(f"the native cell list ran out of memory collecting about {room} pairs.")
        if total <= room:
            return out[:total]
        room = total
    raise RuntimeError("the pair count changed between two passes over the same positions.")


def usable(*tensors: Tensor) -> bool:
    """Whether the constraint kernels can stand in for the torch path: CPU float32/float64 tensors, none
    requiring grad (a differentiable simulation keeps the torch path), and a library that compiled."""
    return (
        all(t.device.type == "cpu" and t.dtype in (torch.float32, torch.float64) for t in tensors)
        and not any(t.requires_grad for t in tensors)
        and CONSTRAINTS.load() is not None
    )


def _box_pointer(box: Tensor | None):
    b = box.detach().to(device="cpu", dtype=torch.float64).contiguous() if box is not None else None
    return b, (b.data_ptr() if b is not None else None)


def _doubles(t: Tensor) -> Tensor:
    return t.detach().to(device="cpu", dtype=torch.float64).reshape(-1).contiguous()


def rattle_clusters(index: Tensor, clusters, R: Tensor, V: Tensor, inv_mass: Tensor, box: Tensor | None) -> Tensor:
    """RATTLE (``constraints.cpp``): ``V`` with every component along a constrained bond removed.

    ``index`` ``[Nc, 2]``: the constrained pairs; ``clusters``: ``(rows, start)`` int64, the constraint rows of
    each cluster back to back and their offsets; ``inv_mass`` ``[N]``. Returns a new velocity tensor."""
    lib = CONSTRAINTS.load()
    rows, start = clusters
    pairs, w = index.to(torch.int64).contiguous(), _doubles(inv_mass)
    out = V.detach().clone().contiguous()
    b, bp = _box_pointer(box)
    fn = lib.rattle_f32 if R.dtype == torch.float32 else lib.rattle_f64
    Rc = R.detach().contiguous()
    fn(Rc.data_ptr(), out.data_ptr(), w.data_ptr(), bp, pairs.data_ptr(), rows.data_ptr(), start.data_ptr(),
       len(start) - 1, torch.get_num_threads())  # fmt: skip
    return out


def shake_clusters(index: Tensor, clusters, distance: Tensor, R_new: Tensor, R_old: Tensor, inv_mass: Tensor,
                   box: Tensor | None, tolerance: float, max_iterations: int) -> tuple[Tensor, int | None]:  # fmt: skip
    """SHAKE (``constraints.cpp``): ``(R, None)`` with every constraint of ``clusters`` (as in
    :func:`rattle_clusters`) held at ``distance`` ``[Nc]`` to ``tolerance`` (relative, on ``|r|² − d²``), or
    ``(R, row)`` naming a constraint row of a cluster that did not converge."""
    lib = CONSTRAINTS.load()
    rows, start = clusters
    pairs, w, d2 = index.to(torch.int64).contiguous(), _doubles(inv_mass), _doubles(distance) ** 2
    out = R_new.detach().clone().contiguous()
    Ro = R_old.detach().contiguous()
    b, bp = _box_pointer(box)
    worst = torch.zeros(1, dtype=torch.int64)
    failed = torch.zeros(1, dtype=torch.int64)
    fn = lib.shake_f32 if R_new.dtype == torch.float32 else lib.shake_f64
    fn(out.data_ptr(), Ro.data_ptr(), w.data_ptr(), bp, pairs.data_ptr(), d2.data_ptr(), rows.data_ptr(),
       start.data_ptr(), len(start) - 1, float(tolerance), int(max_iterations), worst.data_ptr(),
       torch.get_num_threads(), failed.data_ptr())  # fmt: skip
    return out, (int(worst) if int(failed) else None)


def settle_waters(atoms: Tensor, d_oh: Tensor, d_hh: Tensor, R_new: Tensor, R_old: Tensor, mass: Tensor,
                  box: Tensor | None) -> tuple[Tensor, int | None]:  # fmt: skip
    """SETTLE (``constraints.cpp``): ``(R, failed)`` with every water ``atoms`` ``[W, 3]`` (O, H, H) rigid
    again; ``failed`` is the oxygen of a water without a rigid solution, else ``None``. ``mass`` ``[N]``."""
    lib = CONSTRAINTS.load()
    out = R_new.detach().clone().contiguous()
    Ro = R_old.detach().contiguous()
    m = _doubles(mass)
    a = atoms.to(torch.int64).contiguous()
    oh, hh = _doubles(d_oh), _doubles(d_hh)
    b, bp = _box_pointer(box)
    failed = torch.zeros(1, dtype=torch.int64)
    fn = lib.settle_f32 if R_new.dtype == torch.float32 else lib.settle_f64
    fn(out.data_ptr(), Ro.data_ptr(), m.data_ptr(), bp, a.data_ptr(), oh.data_ptr(), hh.data_ptr(), a.shape[0],
       torch.get_num_threads(), failed.data_ptr())  # fmt: skip
    return out, (int(failed) if int(failed) >= 0 else None)
