"""Device, execution mode, dtype and reproducibility switches.

``device``: ``auto | cpu | gpu | ascend`` (torch devices ``cpu``, ``cuda``, ``npu``).
``mode``: ``pynative`` (eager) or ``graph`` (``torch.compile``), named after MindSpore's two modes, or ``auto``
(graph for runs long enough to repay compilation).
"""

from sciml.runtime.device import available_devices, resolve_device
from sciml.runtime.mode import (
    AUTO_GRAPH_MIN_STEPS,
    MODES,
    compile_cache_dir,
    compile_if_graph,
    resolve_mode,
    validate_mode,
)
from sciml.runtime.precision import resolve_dtype, seed_everything, set_deterministic

__all__ = [
    "resolve_device",
    "available_devices",
    "compile_cache_dir",
    "compile_if_graph",
    "validate_mode",
    "resolve_mode",
    "AUTO_GRAPH_MIN_STEPS",
    "MODES",
    "resolve_dtype",
    "seed_everything",
    "set_deterministic",
]
