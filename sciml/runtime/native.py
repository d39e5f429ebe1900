"""Native C++ kernels compiled on first use with the system compiler and loaded with :mod:`ctypes`.

A :class:`NativeLibrary` names one ``.cpp`` file shipped inside a package and the C functions it exports.
The first call to :meth:`NativeLibrary.load` compiles it once into ``$SCIML_CACHE`` (default
``~/.cache/sciml/native``) under a name that hashes the source and flags, writes it atomically, and loads
it with :mod:`ctypes` (no Python extension ABI, so no rebuild across Python or torch versions). The
SHA-256 of each library is recorded beside it when it is built (``<name>.so.sha256``); a library whose
bytes do not match its record (planted or damaged), or that is not a regular file, is rebuilt before
anything loads it. Without a compiler, or with ``SCIML_NO_NATIVE=1``, :meth:`load` returns ``None`` (with
one warning naming why) and callers use their pure-torch path.

    KERNEL = NativeLibrary(Path(__file__).with_name("kernel.cpp"), {"f_f32": [ctypes.c_void_p, ctypes.c_int64]})
    lib = KERNEL.load()            # a ctypes.CDLL, or None
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
import warnings
from pathlib import Path

FLAGS = ("-O3", "-fno-math-errno", "-fopenmp", "-shared", "-fPIC", "-std=c++17")
# for kernels written to vectorise; the library is then keyed to this CPU too. -fno-trapping-math lets GCC turn a
# select (a ? b : c) into a vector blend; it changes no result (no reassociation), only what may be vectorised.
TUNED = ("-march=native", "-fno-trapping-math")


def cache_root() -> Path:
    """sciml's cache folder: ``$SCIML_CACHE``, default ``~/.cache/sciml`` (native kernels, compile cache, machine
    facts each in a folder below it)."""
    return Path(os.environ.get("SCIML_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "sciml"))


def cache_dir() -> Path:
    """Where compiled kernels live: ``$SCIML_CACHE/native`` (default ``~/.cache/sciml/native``)."""
    return cache_root() / "native"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _trusted(lib: Path, record: Path) -> bool:
    """Whether ``lib`` is a regular file whose SHA-256 equals the one recorded when it was built."""
    try:
        if not stat.S_ISREG(os.stat(lib).st_mode) or not stat.S_ISREG(os.stat(record).st_mode):
            return False
        return record.read_text().strip() == _sha256(lib)
    except OSError:
        return False


def cpu_identity() -> str:
    """The CPU's model and feature flags (Linux ``/proc/cpuinfo``), else the platform's description: part of
    the cache key of a library built for this CPU, so a home directory shared by other machines never hands
    one a library with instructions it lacks."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = [
                ln for ln in f.read().splitlines() if ln.split(":")[0].strip() in ("model name", "flags", "Features")
            ]
        return "\n".join(dict.fromkeys(lines))
    except OSError:
        import platform

        return f"{platform.machine()} {platform.processor()}"


class CompileError(RuntimeError):
    """The compiler ran and rejected the source or its flags (its message ends with the compiler's)."""


def compile_library(source: Path, flags=FLAGS, tuned: bool = False) -> Path:
    """The path of ``source`` compiled into the cache (built now unless a trusted copy is there). ``tuned``
    adds :data:`TUNED` (falling back to the plain build if the compiler refuses it)."""
    if tuned:
        try:
            return compile_library(source, (*flags, *TUNED))
        except CompileError:
            return compile_library(source, flags)
    compiler = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
    if compiler is None:
        raise RuntimeError("no C++ compiler found (g++, c++ or clang++); install one or set CXX")
    src = source.read_bytes()
    machine = cpu_identity() if any(f.startswith(("-march", "-mcpu")) for f in flags) else ""
    tag = hashlib.sha256(src + " ".join([compiler, *flags, machine]).encode()).hexdigest()[:16]
    out = cache_dir() / f"{source.stem}_{tag}.so"
    record = out.with_name(out.name + ".sha256")
    if _trusted(out, record):
        return out
    if out.exists() or record.exists():
        warnings.warn(f"{out} does not match its recorded SHA-256 (or has no record); rebuilding it.", stacklevel=3)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        part = Path(tmp) / out.name
        r = subprocess.run([compiler, *flags, str(source), "-o", str(part)], capture_output=True, text=True)
        if r.returncode != 0:
            raise CompileError(f"compiling {source.name} failed:\n{r.stderr.strip()[-2000:]}")
        part_record = Path(tmp) / record.name
        part_record.write_text(_sha256(part) + "\n")
        os.replace(part_record, record)
        os.replace(part, out)  # atomic: a half-written library is never loaded
    if not _trusted(out, record):
        raise RuntimeError(f"{out} changed while it was being installed; not loading it.")
    return out


class NativeLibrary:
    """One C++ source file and the signatures of its exported functions (``name -> argtypes``; void unless
    ``returns`` names a ctypes result type), built with :data:`TUNED` too when ``tuned``. Loaded once per
    process; :meth:`reset` forgets it (tests, a changed cache directory)."""

    def __init__(
        self, source: Path, functions: dict[str, list], returns: dict[str, object] | None = None, tuned: bool = False
    ):
        self.source = Path(source)
        self.tuned = tuned
        self.functions = functions
        self.returns = returns or {}
        self._lib: ctypes.CDLL | None = None
        self.error: str | None = None

    def reset(self) -> None:
        """Forget the loaded library and any failure, so the next :meth:`load` looks again."""
        self._lib, self.error = None, None

    def load(self) -> ctypes.CDLL | None:
        """The loaded library (compiled on the first call), or ``None`` when it cannot be built."""
        if self._lib is None and self.error is None:
            if os.environ.get("SCIML_NO_NATIVE") == "1":
                self.error = "SCIML_NO_NATIVE=1"
                return None
            try:
                lib = ctypes.CDLL(str(compile_library(self.source, tuned=self.tuned)))
                for name, argtypes in self.functions.items():
                    fn = getattr(lib, name)
                    fn.restype, fn.argtypes = self.returns.get(name), argtypes
                self._lib = lib
            except (OSError, RuntimeError, AttributeError) as err:
                self.error = str(err)
                warnings.warn(
                    f"native kernel {self.source.name} unavailable, using the pure-torch path: {err}", stacklevel=2
                )
        return self._lib


__all__ = ["CompileError", "NativeLibrary", "cache_dir", "cache_root", "compile_library", "cpu_identity"]
