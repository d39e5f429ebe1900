"""Streaming HDF5 snapshots of a running simulation.

``SnapshotWriter(path, attrs)`` appends named arrays at times ``t`` into resizable datasets
(``/t [T]``, ``/<field> [T, ...]``), flushing after each append. While the run is going the
file is ``<path>.partial``; :meth:`close` renames it to ``path``. If the run dies (a NaN, a
crash), the ``.partial`` file holds every snapshot written so far, and it is never mistaken
for a finished result. Files open in any HDF5 tool (h5py, h5dump, ParaView's HDF5 reader).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np


class SnapshotWriter:
    """Append-only writer; use as a context manager (``with SnapshotWriter(p) as w: w.append(t, u=u)``)."""

    def __init__(self, path: str | os.PathLike, attrs: dict[str, Any] | None = None, compression: str | None = "gzip"):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = h5py.File(self.partial, "w")
        for k, v in (attrs or {}).items():
            self._f.attrs[k] = v
        self._f.attrs["complete"] = False
        self._f.create_dataset("t", shape=(0,), maxshape=(None,), dtype="f8")
        self.compression = compression
        self.count = 0

    def append(self, t: float, **fields) -> None:
        """Write one snapshot of ``fields`` (arrays or tensors, fixed shape per field) at time ``t``."""
        for name, val in fields.items():
            arr = np.asarray(val.detach().cpu().numpy() if hasattr(val, "detach") else val)
            if not np.all(np.isfinite(arr)):
                raise FloatingPointError(f"snapshot {self.count} of field {name!r} at t={t:g} is not finite; not written.")
            if name not in self._f:
                self._f.create_dataset(name, shape=(0, *arr.shape), maxshape=(None, *arr.shape), dtype=arr.dtype,
                                       chunks=(1, *arr.shape), compression=self.compression)
            ds = self._f[name]
            if ds.shape[1:] != arr.shape:
                raise ValueError(f"field {name!r} changed shape from {ds.shape[1:]} to {arr.shape} at snapshot {self.count}.")
            ds.resize(self.count + 1, axis=0)
            ds[self.count] = arr
        self._f["t"].resize(self.count + 1, axis=0)
        self._f["t"][self.count] = t
        self.count += 1
        self._f.flush()

    def close(self, complete: bool = True) -> Path:
        """Close; on ``complete`` mark the file finished and move it to its final name."""
        self._f.attrs["complete"] = complete
        self._f.close()
        if complete:
            os.replace(self.partial, self.path)
            return self.path
        return self.partial

    def __enter__(self) -> "SnapshotWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(complete=exc_type is None)


def read_snapshots(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All datasets of a finished snapshot file; refuses ``.partial`` or unfinished files."""
    path = Path(path)
    with h5py.File(path, "r") as f:
        if not bool(f.attrs.get("complete", False)):
            raise ValueError(f"{path} is an unfinished snapshot file (the run did not complete); its data stop early.")
        return {k: f[k][()] for k in f.keys()}
