"""Native kernels for the MD engine, compiled on first use with the system C++ compiler.

:func:`cell_list` builds a dense neighbour list (``cell_list.cpp``, OpenMP). The shared library is
compiled once into ``$SCIML_CACHE`` (default ``~/.cache/sciml/native``) under a name that hashes the
source and flags, written atomically, and loaded with :mod:`ctypes` (no Python extension ABI, so no
rebuild across Python or torch versions). The SHA-256 of each library is recorded beside it when it is
built (``<name>.so.sha256``); a library whose bytes do not match its record (planted or damaged), or
that is not a regular file, is rebuilt before anything loads it. Without a compiler :func:`available`
is False and callers fall back to the pure-torch path.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import torch
from torch import Tensor

_SOURCE = Path(__file__).with_name("cell_list.cpp")
_FLAGS = ["-O3", "-fopenmp", "-shared", "-fPIC", "-std=c++17"]
_LIB = None
_FAILED: str | None = None


def _cache_dir() -> Path:
    root = os.environ.get("SCIML_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "sciml")
    return Path(root) / "native"


def _compile() -> ctypes.CDLL:
    compiler = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
    if compiler is None:
        raise RuntimeError("no C++ compiler found (g++, c++ or clang++); install one or set CXX")
    src = _SOURCE.read_bytes()
    tag = hashlib.sha256(src + " ".join([compiler, *_FLAGS]).encode()).hexdigest()[:16]
    out = _cache_dir() / f"cell_list_{tag}.so"
    record = out.with_name(out.name + ".sha256")
    if not _trusted(out, record):
        if out.exists() or record.exists():
            warnings.warn(f"{out} does not match its recorded SHA-256 (or has no record); rebuilding it.", stacklevel=3)
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
            part = Path(tmp) / out.name
            r = subprocess.run([compiler, *_FLAGS, str(_SOURCE), "-o", str(part)], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"compiling {_SOURCE.name} failed:\n{r.stderr.strip()[-2000:]}")
            digest = _sha256(part)
            part_record = Path(tmp) / record.name
            part_record.write_text(digest + "\n")
            os.replace(part_record, record)
            os.replace(part, out)  # atomic: a half-written library is never loaded
        if not _trusted(out, record):
            raise RuntimeError(f"{out} changed while it was being installed; not loading it.")
    lib = ctypes.CDLL(str(out))
    for name in ("cell_list_f32", "cell_list_f64"):
        fn = getattr(lib, name)
        fn.restype = None
        fn.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int64,
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_double,
            ctypes.c_int64,
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
        ]
    return lib


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _trusted(lib: Path, record: Path) -> bool:
    """Whether ``lib`` is a regular file whose SHA-256 equals the one recorded when it was built."""
    import stat

    try:
        if not stat.S_ISREG(os.stat(lib).st_mode) or not stat.S_ISREG(os.stat(record).st_mode):
            return False
        return record.read_text().strip() == _sha256(lib)
    except OSError:
        return False


def available() -> bool:
    """Whether the native kernels compiled and loaded (compiles them on the first call)."""
    global _LIB, _FAILED
    if _LIB is None and _FAILED is None and os.environ.get("SCIML_NO_NATIVE") != "1":
        try:
            _LIB = _compile()
        except (OSError, RuntimeError) as err:
            _FAILED = str(err)
            warnings.warn(f"native MD kernels unavailable, using the pure-torch neighbour list: {err}", stacklevel=2)
    return _LIB is not None


def cell_grid(box: Tensor, reach: float) -> tuple[tuple[int, int, int], int] | None:
    """Cells per axis and the stencil half-width for ``reach``: cells at least ``reach`` wide (stencil 1;
    as fast here as half-width cells with stencil 2, with less padding), ``None`` when the box holds fewer than 3."""
    for stencil in (1,):
        nc = tuple(int(v) for v in torch.floor(box.detach().double().cpu() * stencil / reach).tolist())
        if min(nc) >= 2 * stencil + 1:
            return nc, stencil
    return None


def cell_list(R: Tensor, box: Tensor, reach: float, capacity: int) -> tuple[Tensor, Tensor]:
    """Dense list ``idx`` ``[N, capacity]`` (int32, padded with ``N``) and true row counts ``[N]`` (CPU tensors)."""
    if not available():
        raise RuntimeError(f"native kernels unavailable: {_FAILED}")
    if R.device.type != "cpu" or R.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"the native cell list takes float32/float64 CPU positions, got {R.dtype} on {R.device}.")
    grid = cell_grid(box, reach)
    if grid is None:
        raise ValueError(f"box {box.tolist()} holds fewer than 3 cells of width {reach} per axis; use all pairs.")
    n_cells, stencil = grid
    Rc = R.detach().contiguous()
    n = Rc.shape[0]
    b = box.detach().to(device="cpu", dtype=torch.float64).contiguous()
    nc = torch.tensor(n_cells, dtype=torch.int64)
    idx = torch.full((n, capacity), n, dtype=torch.int32)
    count = torch.empty(n, dtype=torch.int32)
    fn = _LIB.cell_list_f32 if Rc.dtype == torch.float32 else _LIB.cell_list_f64
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
