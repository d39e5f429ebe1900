"""One run per folder: a run claims its output folder for as long as it lives.

:func:`claim_run_folder` takes an exclusive, non-blocking ``flock`` on ``<folder>/.sciml-run.lock``
(released by the kernel when the process ends, however it ends) and refuses a folder that another
live run holds or that already holds an earlier run's results, naming the folder and the fix. Two
runs started in the same second get different default folders anyway (the folder name carries
the process id, ``configs/config.yaml``), so this guards explicit ``hydra.run.dir`` choices.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: fall back to an exclusive lock file
    fcntl = None

LOCK_NAME = ".sciml-run.lock"
EARLIER_RUN_MARKERS = ("metrics.json", "FAILED.txt", "metrics_failed.json", "checkpoints")


class RunFolderInUse(RuntimeError):
    """The output folder belongs to another run (live, or finished earlier)."""


class RunFolderClaim:
    """The held lock; :meth:`release` (or process exit) frees the folder."""

    def __init__(self, path: Path, fd: int):
        self.path, self.fd = path, fd

    def release(self) -> None:
        """Unlock and remove the lock file."""
        if self.fd >= 0:
            try:
                if fcntl is not None:
                    fcntl.flock(self.fd, fcntl.LOCK_UN)
                os.close(self.fd)
            finally:
                self.fd = -1
                try:
                    self.path.unlink()
                except FileNotFoundError:
                    pass


def claim_run_folder(folder: str | os.PathLike) -> RunFolderClaim:
    """Claim ``folder`` for this process or raise :class:`RunFolderInUse` naming the holder and the fix."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK_NAME
    if fcntl is not None:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise RunFolderInUse(
                f"output folder {folder} is in use by another run (pid {holder}); give this run "
                "its own folder (hydra.run.dir=...) or wait for the other to finish."
            ) from None
    else:  # pragma: no cover
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            raise RunFolderInUse(f"output folder {folder} is in use by another run ({lock} exists).") from None
    earlier = [m for m in EARLIER_RUN_MARKERS if (folder / m).exists()]
    if earlier:
        os.close(fd)
        raise RunFolderInUse(
            f"output folder {folder} already holds an earlier run ({', '.join(earlier)}); results "
            "are never overwritten. Choose another hydra.run.dir, or delete that folder first."
        )
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return RunFolderClaim(lock, fd)


__all__ = ["claim_run_folder", "RunFolderClaim", "RunFolderInUse", "LOCK_NAME"]
