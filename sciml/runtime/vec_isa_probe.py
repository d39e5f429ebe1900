"""Remember inductor's CPU vector-ISA probe, so a warm start does not build and load test libraries again.

Before its first C++ kernel in a process, ``torch.compile``'s CPU backend asks which vector instruction sets
(AVX2, AVX-512, AVX-512 VNNI, AMX) both the CPU and the compiler support: for each candidate that
``/proc/cpuinfo`` lists it compiles a small test library and loads it in a fresh Python subprocess
(``torch._inductor.cpu_vec_isa``). On the 2-core test machines these four builds and loads cost about 1 s of
every run's start, warm compile cache or not, for an answer that only changes with the CPU, the compiler or
torch.

:func:`trust_recorded_vec_isa_probe` keeps the answer in ``vec_isa_probe.json``, keyed by torch's version, the
CPU's flags and the compiler's name and version. sciml keeps that file in :func:`machine_record_dir`, beside the
native kernels and not in the compile cache: the answer depends on the machine, not on what was compiled, so an
emptied compile cache or a new experiment does not pay for the probe again (about 2.5 s of a cold compiled
start on these machines). When the record says every candidate
passed, it sets ``torch._inductor.config.cpp.vec_isa_ok = True``: inductor then takes the candidates without the
base probe. Where a candidate failed, nothing is changed and torch probes as usual.

The narrower follow-up checks (AVX-512 BF16, VNNI, AMX, AMX-FP16) go through torch's own
``VecISA.check_build``, which builds a test library in the compile cache and loads it in a fresh Python
subprocess: about 2 s on an empty compile cache and 0.3 s on a warm one. :func:`record_isa_checks` answers them
from the same record (each keyed by the ISA, its compiler flags and the test code) and runs torch's check only
for a question the record has not seen, so the instruction set picked and the code generated are the ones torch
would pick.

The probe that makes the record runs one thread per candidate (:func:`_check_in_parallel`): on an empty cache each
check is a compiler run, and they overlap on several cores (about 8 s in sequence, 4.4 s so, on 2 cores). The
narrower checks of a warm start only load cached libraries, and stay sequential (0.29 s; 0.69 s in threads).

The value is set the same way in the run that records the probe and in later ones, so the setting, which is
part of inductor's cache key, does not change between a cold and a warm start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
from pathlib import Path

import torch

from sciml.runtime.native import cache_root

log = logging.getLogger(__name__)
RECORD_NAME = "vec_isa_probe.json"


def _candidate_isas() -> list:
    """torch's ISA objects for the instruction sets this CPU lists (not yet probed)."""
    from torch._inductor import cpu_vec_isa

    flags = cpu_vec_isa.x86_isa_checker()
    return [isa for isa in cpu_vec_isa.supported_vec_isa_list if all(flag in flags for flag in str(isa).split())]


def _check_in_parallel(isas: list) -> None:
    """Evaluate each ISA's checks (``bool(isa)``: build and load its test libraries) in its own thread.

    torch checks the candidates one after another, and every check is a compiler run and a subprocess; on an empty
    cache that is about 8 s on 2 cores, about 4.4 s in parallel. Each ISA object is touched by one thread only,
    and torch caches the answers on the objects, so its own sequential pass afterwards finds them done.
    """
    if len(isas) < 2:
        return
    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(max_workers=len(isas), thread_name_prefix="vec-isa-probe") as pool:
            list(pool.map(bool, isas))
    except Exception as err:  # only a head start: torch's own sequential probe follows and decides
        log.debug("parallel vec-ISA checks failed (%s); torch probes in sequence", err)


def _candidates_and_key() -> tuple[list[str], dict] | None:
    """The ISAs the CPU lists and what their probe depends on; ``None`` off x86 or if torch's helpers moved."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    try:
        from torch._inductor import cpu_vec_isa
        from torch._inductor.cpp_builder import get_compiler_version_info, get_cpp_compiler
    except ImportError:  # a torch release that moved them: leave torch's own probe alone
        return None
    try:
        flags = sorted(cpu_vec_isa.x86_isa_checker())
        candidates = [str(isa) for isa in _candidate_isas()]
        compiler = get_cpp_compiler()
        key = {
            "torch": torch.__version__,
            "cpu_flags": flags,
            "compiler": compiler,
            "compiler_version": get_compiler_version_info(compiler),
        }
    except Exception as err:  # no compiler, unreadable cpuinfo: torch will say so itself when it compiles
        log.debug("vec-ISA probe record skipped: %s", err)
        return None
    return candidates, key


def _read_record(path: Path, key: dict) -> dict | None:
    """The record in ``path`` when it is one for ``key``; ``None`` if absent, foreign or corrupt."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key or not isinstance(record.get("valid"), list):
        return None
    checks = record.get("checks")
    record["checks"] = {str(k): v for k, v in checks.items() if isinstance(v, bool)} if isinstance(checks, dict) else {}
    return record


def _read(path: Path, key: dict) -> list[str] | None:
    """The recorded valid ISAs when ``path`` holds a record for ``key``; ``None`` if absent, foreign or corrupt."""
    record = _read_record(path, key)
    return None if record is None else [str(v) for v in record["valid"]]


def _write(path: Path, key: dict, valid: list[str], checks: dict[str, bool] | None = None) -> None:
    from sciml.checkpoint import atomic_write_text

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"key": key, "valid": valid, "checks": dict(sorted((checks or {}).items()))}
        atomic_write_text(path, json.dumps(record, indent=1) + "\n")
    except OSError as err:  # a read-only cache: the next run probes again, nothing else changes
        log.debug("could not record the vec-ISA probe in %s: %s", path, err)


def _check_name(isa, code: str) -> str:
    """What one ``check_build`` asks: the ISA, the compiler flags it builds with now, and the test code."""
    digest = hashlib.sha256(f"{isa}\0{isa.build_arch_flags()}\0{code}".encode()).hexdigest()[:16]
    return f"{isa}: {digest}"


def record_isa_checks(path: Path, key: dict, valid: list[str]) -> None:
    """Answer torch's narrower ISA checks (``VecISA.check_build``) from the record at ``path`` in this process.

    A check the record holds as passed is answered from it; any other runs torch's check, and a pass is added to
    the record (a failure is asked again, as torch would ask it). torch's method is wrapped once per process; a
    later call points the wrapper at another record. The record's ``key`` (torch, CPU flags, compiler) guards
    every answer.
    """
    from torch._inductor import cpu_vec_isa

    _ACTIVE.update(path=path, key=key, valid=valid, answers=(_read_record(path, key) or {}).get("checks", {}))
    current = cpu_vec_isa.VecISA.check_build
    if getattr(current, "sciml_recorded", False):
        return

    def check_build(isa, code: str) -> bool:
        name, answers = _check_name(isa, code), _ACTIVE["answers"]
        if answers.get(name):
            return True
        passed = bool(current(isa, code))
        if passed:  # only passes are kept: a failure may be transient (a loaded machine timing out the dlopen)
            answers[name] = True
            _write(_ACTIVE["path"], _ACTIVE["key"], _ACTIVE["valid"], answers)
        return passed

    check_build.sciml_recorded = True  # type: ignore[attr-defined]
    check_build.__doc__ = current.__doc__
    cpu_vec_isa.VecISA.check_build = check_build  # type: ignore[method-assign]


_ACTIVE: dict = {}  # the record the wrapped check_build answers from (see record_isa_checks)


def machine_record_dir() -> Path:
    """Where facts about this machine are recorded: ``$SCIML_CACHE/machine`` (default ``~/.cache/sciml/machine``)."""
    return cache_root() / "machine"


def trust_recorded_vec_isa_probe(cache_dir: str | os.PathLike) -> bool:
    """Skip inductor's base vector-ISA probe when ``cache_dir`` records that every candidate passed it.

    The first call on a machine runs torch's probe (:func:`torch._inductor.cpu_vec_isa.valid_vec_isa_list`)
    and records it. Returns whether ``vec_isa_ok`` is now set. A value someone set already
    (``TORCHINDUCTOR_VEC_ISA_OK`` or the config) is left as it is.
    """
    from torch._inductor import config as inductor_config

    if inductor_config.cpp.vec_isa_ok is not None:
        return bool(inductor_config.cpp.vec_isa_ok)
    found = _candidates_and_key()
    if found is None:
        return False
    candidates, key = found
    path = Path(cache_dir) / RECORD_NAME
    valid = _read(path, key)
    from torch._inductor import cpu_vec_isa

    if valid is None:
        _check_in_parallel(_candidate_isas())
        valid = [str(isa) for isa in cpu_vec_isa.valid_vec_isa_list()]
        _write(path, key, valid)
    if not candidates or valid != candidates:
        return False
    inductor_config.cpp.vec_isa_ok = True
    record_isa_checks(path, key, valid)  # the narrower checks, answered from the record after their first run
    return True


__all__ = ["RECORD_NAME", "machine_record_dir", "record_isa_checks", "trust_recorded_vec_isa_probe"]
