"""Checks made before a file is read: it is a regular file, of a plausible size, inside its folder.

A weight file linked to ``/dev/zero`` would fill memory, a named pipe would block forever, and a
manifest naming ``../../etc/passwd`` would read outside the dataset. Every reader of checkpoints,
zoo entries and datasets calls these first; each refusal names the file and what was wrong.
"""

from __future__ import annotations

import json
import os
import stat
import struct
from pathlib import Path

from sciml.checkpoint.store_errors import CheckpointError

SAFETENSORS_MAX_HEADER = 100 * 2**20


def check_regular_file(
    path: str | os.PathLike, max_bytes: int | None = None, what: str = "file", error: type[Exception] = CheckpointError
) -> int:
    """The size of ``path`` after checking it is a regular file (links are followed) of at most ``max_bytes``."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist.") from None
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a directory"
            if stat.S_ISDIR(st.st_mode)
            else "a named pipe"
            if stat.S_ISFIFO(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "not a regular file"
        )
        target = f" (a link to {os.path.realpath(path)})" if path.is_symlink() else ""
        raise error(
            f"{what} {path}{target} is {kind}, not a regular file; it is not read. Replace it with the real file."
        )
    if max_bytes is not None and st.st_size > max_bytes:
        raise error(
            f"{what} {path} is {st.st_size} bytes, more than the {max_bytes} a file of this kind "
            "can plausibly hold; it is not read."
        )
    return st.st_size


def check_safetensors_size(path: str | os.PathLike) -> int:
    """Check that a safetensors file's size equals what its header declares (8 + header + data); returns it."""
    path = Path(path)
    size = check_regular_file(path, what="safetensors file")
    if size < 8:
        raise CheckpointError(f"safetensors file {path} is corrupted or truncated: {size} bytes cannot hold a header.")
    with open(path, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        if n > SAFETENSORS_MAX_HEADER or 8 + n > size:
            raise CheckpointError(
                f"safetensors file {path} is corrupted or truncated: it declares a {n}-byte header "
                f"but holds {size} bytes. Use an earlier checkpoint or reinstall the file."
            )
        try:
            header = json.loads(fh.read(n))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise CheckpointError(f"safetensors file {path} has an unreadable header: {err}.") from None
    ends = [
        v["data_offsets"][1]
        for k, v in header.items()
        if k != "__metadata__" and isinstance(v, dict) and "data_offsets" in v
    ]
    want = 8 + n + (max(ends) if ends else 0)
    if want != size:
        raise CheckpointError(
            f"safetensors file {path} is corrupted or truncated: it holds {size} bytes but its header "
            f"describes {want} ({'cut short' if size < want else 'extra bytes appended'})."
        )
    return size


def inside(
    folder: str | os.PathLike, relative: str, what: str = "path", error: type[Exception] = CheckpointError
) -> Path:
    """``folder / relative``, refused unless it resolves inside ``folder`` (no absolute paths, no ``..``)."""
    root = Path(folder).resolve()
    rel = Path(relative)
    if rel.is_absolute():
        raise error(f"{what} {relative!r} is absolute; it must be relative to {root}.")
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise error(f"{what} {relative!r} leads outside {root}; it is not read.")
    return target


__all__ = ["check_regular_file", "check_safetensors_size", "inside"]
