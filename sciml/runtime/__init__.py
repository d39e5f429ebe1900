"""Device, execution mode, dtype and reproducibility switches.

``device``: ``auto | cpu | gpu | ascend`` (torch devices ``cpu``, ``cuda``, ``npu``).
``mode``: ``pynative`` (eager) or ``graph`` (``torch.compile``), named after MindSpore's two modes.
"""
from sciml.runtime.device import resolve_device, available_devices
from sciml.runtime.mode import compile_if_graph, validate_mode, MODES
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
