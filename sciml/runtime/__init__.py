"""Device, execution mode, dtype and reproducibility switches.

``device``: ``auto | cpu | gpu | ascend`` (torch devices ``cpu``, ``cuda``, ``npu``).
``mode``: ``pynative`` (eager) or ``graph`` (``torch.compile``), named after MindSpore's two modes.
"""

from sciml.runtime.device import available_devices, resolve_device
from sciml.runtime.mode import MODES, compile_if_graph, validate_mode
from sciml.runtime.precision import resolve_dtype, seed_everything, set_deterministic

__all__ = [
    "resolve_device",
    "available_devices",
    "compile_if_graph",
    "validate_mode",
    "MODES",
    "resolve_dtype",
    "seed_everything",
    "set_deterministic",
]
