"""How a failed command ends: one clear line on stderr, ``FAILED.txt`` in the run folder, a non-zero exit.

:func:`describe` turns an exception into that line (naming the error type and, for the common
system errors, what to do); :func:`record_failure` writes ``FAILED.txt`` with the line and the
traceback (for a bug report). Exit codes: 2 for a failed run or bad input, 130 for an
interruption (SIGINT/SIGTERM), the shell's convention.
"""

from __future__ import annotations

import errno
import logging
import sys
import traceback
from pathlib import Path

log = logging.getLogger("sciml")

EXIT_FAILED = 2
EXIT_INTERRUPTED = 130


class Interrupted(KeyboardInterrupt):
    """SIGTERM turned into an exception (SIGINT is Python's own KeyboardInterrupt)."""

    def __init__(self, signal_name: str = "SIGTERM"):
        super().__init__(signal_name)
        self.signal_name = signal_name


def raise_on_sigterm() -> None:
    """Make SIGTERM end the process like SIGINT does (cleanly, with ``FAILED.txt``), in the main thread."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, frame):
        raise Interrupted("SIGTERM")

    signal.signal(signal.SIGTERM, handler)


def describe(err: BaseException) -> str:
    """One line for the user: what failed and, where we know it, how to fix it."""
    if isinstance(err, KeyboardInterrupt):
        step = getattr(err, "step", None)
        ckpt = getattr(err, "checkpoint", None)
        where = f" at step {step}" if step is not None else ""
        how = (
            f"; resume with `sciml run <same overrides> resume_from={ckpt}`"
            if ckpt
            else "; no checkpoint had been written yet"
        )
        return f"interrupted ({getattr(err, 'signal_name', 'SIGINT')}){where}{how}."
    if isinstance(err, MemoryError):
        text = str(err) or "out of memory"
        return f"out of memory: {text}"
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        return (
            f"the disk is full (while writing {err.filename or 'results'}); free space and run again — "
            "datasets and checkpoints resume where they stopped."
        )
    if isinstance(err, OSError) and err.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied: {err.filename or err}; choose a folder you can write to."
    text = str(err).strip() or repr(err)
    return f"{type(err).__name__}: {text}"


def record_failure(folder: str | Path | None, err: BaseException, what: str = "run") -> str:
    """Write ``FAILED.txt`` (the line and the traceback) into ``folder``; log and print the line; return it."""
    line = describe(err)
    if folder is not None:
        path = Path(folder) / "FAILED.txt"
        try:
            tb = "".join(traceback.format_exception(type(err), err, err.__traceback__))
            path.write_text(f"{line}\n\n{tb}")
            where = f"; see {path}"
        except OSError:  # the disk may be the problem: the line still reaches the user
            where = ""
    else:
        where = ""
    if logging.getLogger().handlers:  # inside a Hydra job the log file keeps it too; elsewhere one line is enough
        log.error("%s", line)
    print(f"sciml: {what} failed: {line}{where}", file=sys.stderr)
    return line


def exit_code(err: BaseException) -> int:
    """130 for an interruption, 2 for every other failure."""
    return EXIT_INTERRUPTED if isinstance(err, KeyboardInterrupt) else EXIT_FAILED


__all__ = [
    "Interrupted",
    "raise_on_sigterm",
    "describe",
    "record_failure",
    "exit_code",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
]
