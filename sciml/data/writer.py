"""Streaming, resumable writer of sharded HDF5 datasets.

Layout of a dataset folder::

    manifest.json          schema, shard list (samples, bytes, SHA-256), scalar statistics
    stats.safetensors      pointwise mean / m2 per field (for normalisers)
    shard-00000.h5         fields/<name> [n, *shape], meta/<key> [n]; attrs: schema, complete

Every chunk carries a Fletcher-32 checksum, so a corrupted sample fails loudly when read
(not only under ``verify``). A shard holds at most ``max_shard_bytes`` of uncompressed sample data. It is built
in memory (HDF5 writes into a Python buffer), then hashed, written atomically (beside the target, fsynced,
renamed) and *only then* listed in the manifest (written atomically). So a killed writer leaves every earlier
shard valid and listed and no half-written shard at all; and a full disk is an ordinary ``OSError`` from
Python's write, never a failed write inside HDF5 (which leaves the library in a state that crashes the process
with a segmentation fault at exit, h5py issue #914). ``resume=True`` continues after the last committed sample
(``samples_written`` says where), with the streaming statistics restored; ``.partial`` shards left by older
versions are dropped.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Mapping

import h5py
import numpy as np

from sciml.checkpoint.atomic import atomic_write_bytes, atomic_write_text
from sciml.data.schema import DatasetError, Schema
from sciml.data.statistics import RunningMoments

log = logging.getLogger("sciml.data")
FORMAT = "sciml-sharded-hdf5"
MANIFEST = "manifest.json"
STATS = "stats.safetensors"
COMPRESSIONS = (None, "gzip", "lzf")


def sha256_file(path: Path, block: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            h.update(chunk)
    return h.hexdigest()


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.h5"


def _chunk_rows(nbytes: int) -> int:
    """Samples per HDF5 chunk: one sample (a per-sample read touches one chunk), grouped only for tiny fields."""
    return max(1, 4096 // max(nbytes, 1))


def save_stats(folder: Path, moments: Mapping[str, RunningMoments]) -> str:
    from safetensors.numpy import save

    tensors = {}
    for name, m in moments.items():
        tensors[f"{name}.mean"] = np.ascontiguousarray(m.mean)
        tensors[f"{name}.m2"] = np.ascontiguousarray(m.m2)
        tensors[f"{name}.count"] = np.array([m.count], dtype=np.int64)
    data = save(tensors)
    atomic_write_bytes(folder / STATS, data)
    return hashlib.sha256(data).hexdigest()


def load_stats(folder: Path, schema: Schema) -> dict[str, RunningMoments]:
    from safetensors.numpy import load

    path = folder / STATS
    if not path.exists():
        return {f.name: RunningMoments.empty(f.shape) for f in schema.fields}
    t = load(path.read_bytes())
    return {
        f.name: RunningMoments(int(t[f"{f.name}.count"][0]), t[f"{f.name}.mean"], t[f"{f.name}.m2"])
        for f in schema.fields
    }


class DatasetWriter:
    """Append samples to a sharded HDF5 dataset at ``path`` (a folder).

    ``append(sample, metadata)`` writes one sample (a dict ``field -> array`` matching the
    schema) and its scalar metadata; ``extend(batch, metadata)`` writes ``[k, ...]`` arrays.
    Use as a context manager: a clean exit marks the dataset complete; an exception leaves it
    resumable. ``compression`` is ``None`` (fastest reads), ``"lzf"`` or ``"gzip"``.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        schema: Schema,
        max_shard_bytes: int = 256 << 20,
        compression: str | None = None,
        resume: bool = False,
        overwrite: bool = False,
    ):
        if compression not in COMPRESSIONS:
            raise DatasetError(f"compression={compression!r} is not supported; use one of {COMPRESSIONS}.")
        if max_shard_bytes < schema.sample_nbytes:
            raise DatasetError(
                f"max_shard_bytes={max_shard_bytes} is smaller than one sample "
                f"({schema.sample_nbytes} bytes); raise it."
            )
        self.path = Path(path)
        self.schema = schema
        self.compression = compression
        self.capacity = max(1, int(max_shard_bytes // schema.sample_nbytes))
        self.max_shard_bytes = int(max_shard_bytes)
        self.shards: list[dict[str, Any]] = []
        self.moments = {f.name: RunningMoments.empty(f.shape) for f in schema.fields}
        manifest = self.path / MANIFEST
        if manifest.exists() and resume:
            self._resume(json.loads(manifest.read_text()))
        elif self.path.exists() and any(self.path.iterdir()):
            if not overwrite:
                raise DatasetError(
                    f"{self.path} already exists and is not empty. Pass resume=True to continue an "
                    "interrupted write, overwrite=True to replace it, or choose another path."
                )
            for p in self.path.iterdir():
                if p.name.startswith("shard-") or p.name in (MANIFEST, STATS):
                    p.unlink()
        self.path.mkdir(parents=True, exist_ok=True)
        self._file: h5py.File | None = None
        self._buffer: io.BytesIO | None = None
        self._count = 0
        self._shard_moments: dict[str, RunningMoments] = {}
        self.closed = False
        self._write_manifest(complete=False)

    # -- resume -----------------------------------------------------------
    def _resume(self, manifest: dict[str, Any]) -> None:
        old = Schema.from_dict(manifest["schema"])
        if old.to_dict() != self.schema.to_dict():
            raise DatasetError(
                f"cannot resume {self.path}: its schema differs from the one given. "
                f"On disk: {old.to_json()}; given: {self.schema.to_json()}."
            )
        if manifest.get("complete"):
            raise DatasetError(f"{self.path} is already complete ({manifest['samples']} samples); nothing to resume.")
        self.shards = list(manifest["shards"])
        for torn in sorted(self.path.glob("shard-*.h5.partial")):
            log.warning("dropping torn shard %s left by an interrupted write", torn)
            torn.unlink()
        stats = self.path / STATS
        if stats.exists() and sha256_file(stats) == manifest.get("stats_sha256"):
            self.moments = load_stats(self.path, self.schema)
        else:  # killed between writing the statistics and the manifest: rebuild them from the committed shards
            log.warning("statistics in %s do not match the manifest; recomputing them from the committed shards", stats)
            self.moments = self._moments_of_shards()

    def _moments_of_shards(self) -> dict[str, RunningMoments]:
        moments = {f.name: RunningMoments.empty(f.shape) for f in self.schema.fields}
        for rec in self.shards:
            with h5py.File(self.path / rec["file"], "r") as f:
                for spec in self.schema.fields:
                    ds = f[f"fields/{spec.name}"]
                    for start in range(0, rec["samples"], 256):
                        moments[spec.name].update(ds[start : min(start + 256, rec["samples"])])
        return moments

    @property
    def samples_written(self) -> int:
        """Samples committed in closed shards plus those in the open shard."""
        return sum(s["samples"] for s in self.shards) + self._count

    # -- writing ----------------------------------------------------------
    def _open_shard(self) -> None:
        index = len(self.shards)
        self._buffer = io.BytesIO()
        f = h5py.File(self._buffer, "w")
        f.attrs["format"] = FORMAT
        f.attrs["schema"] = self.schema.to_json()
        f.attrs["complete"] = False
        f.attrs["shard"] = index
        for spec in self.schema.fields:
            f.create_dataset(
                f"fields/{spec.name}",
                shape=(self.capacity, *spec.shape),
                dtype=spec.dtype,
                chunks=(min(self.capacity, _chunk_rows(spec.nbytes)), *spec.shape),
                maxshape=(None, *spec.shape),
                compression=self.compression,
                fletcher32=True,
            )
        for key in self.schema.metadata:
            f.create_dataset(f"meta/{key}", shape=(self.capacity,), maxshape=(None,), dtype="f8")
        self._file, self._count = f, 0
        self._shard_moments = {s.name: RunningMoments.empty(s.shape) for s in self.schema.fields}

    def append(self, sample: Mapping[str, Any], metadata: Mapping[str, float] | None = None) -> None:
        """Write one sample; raises :class:`DatasetError` naming the sample and field on any mismatch."""
        self.extend(
            {k: np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v)[None] for k, v in sample.items()},
            {k: [v] for k, v in (metadata or {}).items()},
        )

    def extend(self, batch: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> None:
        """Write ``k`` samples given as ``[k, *shape]`` arrays (and ``[k]`` metadata)."""
        if self.closed:
            raise DatasetError(f"writer for {self.path} is closed.")
        metadata = dict(metadata or {})
        ks = {np.shape(v)[0] if np.ndim(v) else -1 for v in batch.values()}
        if len(ks) != 1 or -1 in ks:
            raise DatasetError(
                f"extend() needs [k, ...] arrays with the same k for every field, got shapes "
                f"{ {n: np.shape(v) for n, v in batch.items()} }."
            )
        k = ks.pop()
        first = self.samples_written
        if k == 0:
            return
        self.schema.check_sample({n: v[0] for n, v in batch.items()}, {n: v[0] for n, v in metadata.items()}, first)
        arrays = {}
        for spec in self.schema.fields:
            arr = np.asarray(batch[spec.name])
            if arr.shape[1:] != spec.shape:
                raise DatasetError(
                    f"samples {first}..{first + k - 1}, field {spec.name!r}: shape {arr.shape[1:]} "
                    f"but the schema says {spec.shape}."
                )
            if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
                bad = first + int(np.argmax(~np.isfinite(arr.reshape(k, -1)).all(axis=1)))
                raise DatasetError(f"sample {bad}, field {spec.name!r} holds NaN or Inf; it was not written.")
            arrays[spec.name] = arr.astype(spec.dtype, copy=False)
        meta = {key: np.asarray(metadata[key], dtype="f8").reshape(k) for key in self.schema.metadata}
        done = 0
        while done < k:
            if self._file is None:
                self._open_shard()
            take = min(k - done, self.capacity - self._count)
            for name, arr in arrays.items():
                block = arr[done : done + take]
                self._file[f"fields/{name}"][self._count : self._count + take] = block
                self._shard_moments[name].update(block)
            for key, vals in meta.items():
                self._file[f"meta/{key}"][self._count : self._count + take] = vals[done : done + take]
            self._count += take
            done += take
            if self._count == self.capacity:
                self._close_shard()

    def _close_shard(self) -> None:
        f, n = self._file, self._count
        if f is None:
            return
        if n < self.capacity:
            for ds in list(f["fields"].values()) + (list(f["meta"].values()) if "meta" in f else []):
                ds.resize(n, axis=0)
        f.attrs["complete"] = True
        f.attrs["samples"] = n
        f.close()
        data = self._buffer.getvalue()
        self._file, self._count, self._buffer = None, 0, None
        final = self.path / shard_name(len(self.shards))
        atomic_write_bytes(final, data)  # ENOSPC here is a plain OSError; nothing half-written stays
        for name, m in self._shard_moments.items():
            self.moments[name].merge(m)
        self.shards.append(
            {"file": final.name, "samples": n, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )
        self._write_manifest(complete=False)

    def _write_manifest(self, complete: bool) -> None:
        stats_sha = save_stats(self.path, self.moments)
        stats = {}
        for name, m in self.moments.items():
            mean, std = m.scalar()
            stats[name] = {"mean": mean, "std": std, "min_pointwise_std": float(m.std.min()) if m.count else None}
        manifest = {
            "format": FORMAT,
            "version": 1,
            "schema": self.schema.to_dict(),
            "complete": complete,
            "samples": sum(s["samples"] for s in self.shards),
            "shards": self.shards,
            "stats": stats,
            "stats_sha256": stats_sha,
            "max_shard_bytes": self.max_shard_bytes,
            "compression": self.compression,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        atomic_write_text(self.path / MANIFEST, json.dumps(manifest, indent=1))

    def close(self, complete: bool = True) -> Path:
        """Commit the open shard; with ``complete`` mark the dataset finished."""
        if self.closed:
            return self.path
        if self._file is not None and self._count > 0:
            self._close_shard()
        elif self._file is not None:
            self._file.close()
            self._file, self._buffer = None, None
        self._write_manifest(complete=complete)
        self.closed = True
        return self.path

    def abandon(self) -> None:
        """Stop after a failure without committing the open shard (it lived in memory only); the committed shards
        stay listed and ``resume=True`` continues after them."""
        if self._file is not None:
            self._file.close()
            self._file, self._buffer = None, None
        self.closed = True

    def __enter__(self) -> "DatasetWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close(complete=True)
        else:
            self.close(complete=False)
