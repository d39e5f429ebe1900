"""Execution modes: ``pynative`` runs eagerly, ``graph`` compiles with ``torch.compile``."""

from __future__ import annotations

import logging
from typing import Callable, TypeVar

import torch

MODES = ("pynative", "graph")
F = TypeVar("F", bound=Callable)
log = logging.getLogger(__name__)


def validate_mode(mode: str) -> str:
    """Return ``mode`` if it is one of ``MODES``, else raise a ``ValueError`` naming the choices."""
    if mode not in MODES:
        raise ValueError(
            f"mode={mode!r} is not a known execution mode. Expected one of {list(MODES)}: "
            "'pynative' runs eagerly, 'graph' compiles the step with torch.compile."
        )
    return mode


def compile_if_graph(fn: F, mode: str, *, dynamic: bool = False) -> F:
    """Return ``torch.compile(fn)`` in graph mode and ``fn`` unchanged in pynative mode."""
    validate_mode(mode)
    if mode == "pynative":
        return fn
    log.debug("compiling %s with torch.compile", getattr(fn, "__name__", fn))
    return torch.compile(fn, dynamic=dynamic)  # type: ignore[return-value]
