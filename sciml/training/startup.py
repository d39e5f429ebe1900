"""Cold start: how long a run takes from process start to its first completed training step.

A user who types ``sciml run`` waits for Python and the libraries to import, the problem to be built, and,
in graph mode, ``torch.compile`` to trace and compile the step: all of it before the first step ends.
:class:`StartupTimer` records two figures, both in seconds:

- ``process_to_first_step_seconds``: from the process's start (Linux ``/proc``; elsewhere from the import of
  this module, which then undercounts the interpreter's own start-up) to the end of the first step;
- ``first_step_seconds``: from the start of training to the end of the first step (graph capture and
  compilation in graph mode, one step in eager mode).

Compiled kernels are cached on disk (:func:`sciml.runtime.mode.compile_cache_dir`), so the second run of the
same experiment starts warm.
"""

from __future__ import annotations

import logging
import os
import time

from sciml.training.callbacks import Callback
from sciml.training.records import StepRecord, TrainerView

log = logging.getLogger("sciml.train")
_IMPORTED_AT = time.time()


def process_start_time() -> tuple[float, str]:
    """The wall-clock time (``time.time()`` scale) at which this process started, and how it was found.

    On Linux: field 22 of ``/proc/self/stat`` (start time in clock ticks after boot) plus the boot time from
    ``/proc/stat``. Elsewhere: the import of this module (``"module import"``), which misses interpreter start.
    """
    try:
        with open("/proc/self/stat") as f:
            stat = f.read()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # fields after the command name; 22nd overall
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK"), "process start (/proc)"
    except (OSError, ValueError, IndexError, StopIteration):
        return _IMPORTED_AT, "module import"


class StartupTimer(Callback):
    """Time to the first completed step; the figures land in :attr:`figures` and in the log.

    ``figures`` holds ``process_to_first_step_seconds``, ``first_step_seconds`` and ``measured_from`` once the
    first step has ended (empty before).
    """

    def __init__(self):
        self.figures: dict[str, float | str] = {}
        self._begin: float | None = None

    def on_train_begin(self, trainer: TrainerView) -> None:
        """Note when training starts."""
        self._begin = time.time()

    def on_step_end(self, trainer: TrainerView, record: StepRecord) -> None:
        """At the end of the first step, record both figures and log them."""
        if self.figures or self._begin is None:
            return
        now = time.time()
        start, source = process_start_time()
        # /proc's start time has clock-tick resolution (10 ms) and a boot time in whole seconds
        self.figures = {
            "process_to_first_step_seconds": round(max(now - start, now - self._begin), 3),
            "first_step_seconds": round(now - self._begin, 3),
            "measured_from": source,
        }
        log.info(
            "first step done %.1f s after %s (%.1f s of it in the first step)",
            self.figures["process_to_first_step_seconds"],
            source,
            self.figures["first_step_seconds"],
        )


__all__ = ["StartupTimer", "process_start_time"]
