"""Execution modes: ``pynative`` runs eagerly, ``graph`` compiles with ``torch.compile``; ``auto`` picks one.

``auto`` compiles only runs long enough to repay compilation: :func:`resolve_mode` returns ``graph`` when
the run has at least :data:`AUTO_GRAPH_MIN_STEPS` optimiser steps, else ``pynative``. The threshold comes
from the Burgers PINN on 2 CPU cores (issue 21; ``benchmarks/pinn_cold_start.py`` and ``pinn_step.py``):
compiling adds about 7 s to the start with an empty compile cache and 2.5 s with a warm one, and the compiled
step saves about 0.5 ms, so compilation is repaid after roughly 5,000 steps warm and 14,000 cold. Where the
native jet kernel does most of a step's work (wide networks, many points) compiling saves almost nothing.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, TypeVar

import torch

from sciml.runtime.native import cache_root
from sciml.runtime.vec_isa_probe import machine_record_dir, trust_recorded_vec_isa_probe

MODES = ("pynative", "graph")
AUTO_GRAPH_MIN_STEPS = 5000
F = TypeVar("F", bound=Callable)
log = logging.getLogger(__name__)


def validate_mode(mode: str) -> str:
    """Return ``mode`` if it is one of ``MODES``, else raise a ``ValueError`` naming the choices."""
    if mode not in MODES:
        raise ValueError(
            f"mode={mode!r} is not a known execution mode. Expected one of {list(MODES)} or 'auto': "
            "'pynative' runs eagerly, 'graph' compiles the step with torch.compile, 'auto' compiles long runs."
        )
    return mode


def resolve_mode(mode: str, steps: int) -> str:
    """``mode`` itself, or for ``"auto"`` the mode that suits a run of ``steps`` optimiser steps."""
    if mode == "auto":
        chosen = "graph" if steps >= AUTO_GRAPH_MIN_STEPS else "pynative"
        log.info("mode=auto: %d steps -> %s (graph from %d steps)", steps, chosen, AUTO_GRAPH_MIN_STEPS)
        return chosen
    return validate_mode(mode)


def compile_cache_dir() -> Path:
    """Where ``torch.compile`` keeps compiled kernels: ``$TORCHINDUCTOR_CACHE_DIR`` when someone chose a folder
    there, else ``$SCIML_CACHE/inductor/torch-<version>`` (default ``~/.cache/sciml/...``).

    A folder per torch version, so an upgrade starts from an empty cache instead of sifting stale entries, and
    under the home directory rather than ``/tmp``, so a warm start survives a reboot.
    """
    chosen = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    # torch writes its own default (/tmp/torchinductor_<user>) into the variable on first use: not a choice
    default = _torch_default_cache_dir()
    if chosen and not (default and os.path.abspath(chosen) == os.path.abspath(default)):
        return Path(chosen)
    return cache_root() / "inductor" / f"torch-{torch.__version__.replace('+', '_')}"


def _torch_default_cache_dir() -> str:
    """torch's own default folder (a private helper; "" if a torch release moves it)."""
    try:
        from torch._inductor.runtime.cache_dir_utils import default_cache_dir
    except ImportError:
        return ""
    return default_cache_dir()


def compile_if_graph(fn: F, mode: str, *, dynamic: bool = False, device: torch.device | str | None = None) -> F:
    """Return ``torch.compile(fn)`` in graph mode and ``fn`` unchanged in pynative mode.

    The compiled kernels are cached in :func:`compile_cache_dir` (set as ``TORCHINDUCTOR_CACHE_DIR``). When
    ``device`` (where ``fn`` computes) is the CPU or not given, inductor's CPU instruction-set probe is recorded
    once per machine (:func:`~sciml.runtime.vec_isa_probe.trust_recorded_vec_isa_probe`).
    """
    validate_mode(mode)
    if mode == "pynative":
        return fn
    cache = compile_cache_dir()
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(cache)
    if device is None or torch.device(device).type == "cpu":  # only CPU kernels need the probe
        trust_recorded_vec_isa_probe(machine_record_dir())  # see sciml.runtime.vec_isa_probe
    log.debug("compiling %s with torch.compile", getattr(fn, "__name__", fn))
    return torch.compile(fn, dynamic=dynamic)  # type: ignore[return-value]
