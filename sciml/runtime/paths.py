"""Paths relative to where ``sciml`` was started (Hydra changes into the run folder before a job runs)."""

from __future__ import annotations

from pathlib import Path


def launch_path(path) -> Path:
    """``path`` as an absolute path; a relative one is taken from the directory ``sciml`` was started in
    (Hydra's original working directory), not from the run folder Hydra changed into."""
    p = Path(path)
    if p.is_absolute():
        return p
    try:
        from hydra.utils import get_original_cwd

        return Path(get_original_cwd()) / p
    except (ImportError, ValueError):  # not inside a Hydra app
        return Path.cwd() / p


__all__ = ["launch_path"]
