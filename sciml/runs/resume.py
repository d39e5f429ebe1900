"""``resume_from=latest``: which earlier run to continue, and why.

Runs of one experiment live side by side (``outputs/<experiment>/<time>/``). A finished run has a
``metrics.json``; an interrupted one does not. ``latest`` takes the newest checkpoint of the newest
*unfinished* sibling run; only when every sibling finished does it take the newest finished one
(useful with a longer schedule), and it says which it chose and why.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sciml.checkpoint import list_checkpoints

log = logging.getLogger("sciml.run")


def latest_checkpoint(run_dir: Path, directory: str = "checkpoints", prefix: str = "ckpt") -> tuple[Path, str]:
    """``(checkpoint, reason)`` for ``resume_from=latest`` from the run folder ``run_dir`` (which is excluded).

    Raises ``FileNotFoundError`` naming the folder searched when no sibling run has a checkpoint.
    """
    parent = Path(run_dir).parent
    runs = (
        [r for r in parent.iterdir() if r.is_dir() and r.resolve() != Path(run_dir).resolve()]
        if parent.is_dir()
        else []
    )
    with_ckpt = [(r, list_checkpoints(r / directory, prefix)) for r in runs]
    with_ckpt = [(r, c[-1]) for r, c in with_ckpt if c]
    if not with_ckpt:
        raise FileNotFoundError(
            f"resume_from=latest found no checkpoint under {parent}/*/{directory}; run the "
            "experiment first, or name a checkpoint folder: resume_from=PATH."
        )

    def newest(items):
        return max(items, key=lambda rc: (rc[1] / "meta.json").stat().st_mtime)

    unfinished = [rc for rc in with_ckpt if not (rc[0] / "metrics.json").exists()]
    if unfinished:
        run, ckpt = newest(unfinished)
        reason = f"the newest unfinished run of this experiment ({run.name}, no metrics.json)"
    else:
        run, ckpt = newest(with_ckpt)
        reason = (
            f"every earlier run of this experiment finished; continuing the newest finished one ({run.name}) — "
            "only useful with a longer schedule"
        )
    log.info("resume_from=latest: %s from %s", reason, ckpt)
    return ckpt, reason


__all__ = ["latest_checkpoint"]
