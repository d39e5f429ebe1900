"""Reading sharded HDF5 datasets: a ``torch.utils.data.Dataset`` with O(1) random access.

``ShardedDataset(path)`` reads the manifest, checks every listed shard against the schema
(present, size as recorded, fields with the right shapes and dtypes) and refuses to open on
any mismatch, naming the file and field. Sample ``i`` is found by a binary search over the
shards' cumulative counts, then one HDF5 chunk read. File handles are opened lazily and per
process, so DataLoader workers (fork or spawn) each open their own.

Splits: :meth:`split` by sample (shuffled) or by shard (whole shards, for distributed
reads); :meth:`for_rank` gives rank ``r`` of ``w`` its shards. :attr:`metadata` and
:meth:`where` query the per-sample scalar metadata.
"""
from __future__ import annotations

import bisect
import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import h5py
import numpy as np
import torch

from sciml.checkpoint.files import check_regular_file, inside
from sciml.data.schema import DatasetError, Schema
from sciml.data.statistics import RunningMoments
from sciml.data.writer import FORMAT, MANIFEST, load_stats


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    """The parsed ``manifest.json`` of a dataset folder, with clear errors if it is missing or malformed."""
    path = Path(path)
    man = path / MANIFEST
    if not path.exists():
        raise DatasetError(f"dataset {path} does not exist. Generate one with `sciml generate dataset=<name>`.")
    if not man.exists():
        raise DatasetError(f"{path} has no {MANIFEST}; it is not a sciml dataset folder (or its writer never started).")
    check_regular_file(man, max_bytes=64 * 2**20, what="dataset manifest", error=DatasetError)
    try:
        manifest = json.loads(man.read_text())
    except json.JSONDecodeError as err:
        raise DatasetError(f"{man} is not valid JSON ({err}); the dataset index is corrupted.") from err
    if manifest.get("format") != FORMAT:
        raise DatasetError(f"{man} has format {manifest.get('format')!r}, expected {FORMAT!r}.")
    for rec in manifest.get("shards", []):  # every listed shard must stay inside the dataset folder
        inside(path, str(rec.get("file", "")), what=f"shard listed in {man}", error=DatasetError)
    return manifest


class ShardedDataset(torch.utils.data.Dataset):
    """Samples of a sharded dataset as dicts of tensors (``fields`` selects which).

    ``allow_incomplete=True`` opens a dataset whose writer has not finished (its committed
    shards only). ``indices`` restricts to a subset (global sample numbers).
    """

    def __init__(self, path: str | os.PathLike, fields: Sequence[str] | None = None, allow_incomplete: bool = False,
                 indices: Sequence[int] | None = None, transform: Callable[[dict], dict] | None = None,
                 check_shards: bool = True):
        self.path = Path(path)
        self.manifest = read_manifest(self.path)
        self.schema = Schema.from_dict(self.manifest["schema"])
        if not self.manifest.get("complete") and not allow_incomplete:
            raise DatasetError(f"{self.path} is incomplete: its writer stopped after {self.manifest['samples']} "
                               "samples. Resume the generation, or open with allow_incomplete=True.")
        self.fields = tuple(fields) if fields is not None else self.schema.names
        for name in self.fields:
            self.schema[name]  # raises naming the valid fields
        self.shards = self.manifest["shards"]
        self._offsets = np.cumsum([0] + [s["samples"] for s in self.shards]).tolist()
        self.total = self._offsets[-1]
        self.indices = None if indices is None else np.asarray(indices, dtype=np.int64)
        if self.indices is not None and len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= self.total):
            raise DatasetError(f"indices must lie in [0, {self.total}) for {self.path}.")
        self.transform = transform
        self._handles: dict[int, h5py.File] = {}
        self._pid = os.getpid()
        if check_shards:
            for i in range(len(self.shards)):
                self._check_shard(i)

    # -- shard access -----------------------------------------------------
    def _shard_path(self, i: int) -> Path:
        return inside(self.path, self.shards[i]["file"], what="shard", error=DatasetError)

    def _check_shard(self, i: int) -> None:
        rec, p = self.shards[i], self._shard_path(i)
        if not p.exists():
            raise DatasetError(f"shard {p} is listed in {self.path / MANIFEST} but missing.")
        check_regular_file(p, what="shard", error=DatasetError)
        if p.stat().st_size != rec["bytes"]:
            raise DatasetError(f"shard {p} has {p.stat().st_size} bytes but the manifest records {rec['bytes']}: "
                               "it was truncated or modified. Run `sciml data verify` and regenerate that shard.")
        f = self._handle(i)
        for spec in self.schema.fields:
            key = f"fields/{spec.name}"
            if key not in f:
                raise DatasetError(f"shard {p}: field {spec.name!r} is missing (schema fields: {list(self.schema.names)}).")
            ds = f[key]
            if ds.shape != (rec["samples"], *spec.shape) or ds.dtype != np.dtype(spec.dtype):
                raise DatasetError(f"shard {p}, field {spec.name!r}: stored {ds.shape} {ds.dtype}, schema expects "
                                   f"({rec['samples']}, {', '.join(map(str, spec.shape))}) {spec.dtype}.")

    def _handle(self, i: int) -> h5py.File:
        if os.getpid() != self._pid:  # a forked worker: never share HDF5 handles across processes
            self._handles, self._pid = {}, os.getpid()
        f = self._handles.get(i)
        if f is None:
            try:
                f = h5py.File(self._shard_path(i), "r")
            except OSError as err:
                raise DatasetError(f"shard {self._shard_path(i)} cannot be opened as HDF5 ({err}); it is corrupted. "
                                   "Run `sciml data verify` on the dataset.") from err
            self._handles[i] = f
        return f

    def locate(self, index: int) -> tuple[int, int]:
        """``(shard, row)`` of global sample ``index``."""
        if not 0 <= index < self.total:
            raise IndexError(f"sample {index} is out of range for {self.path} ({self.total} samples).")
        s = bisect.bisect_right(self._offsets, index) - 1
        return s, index - self._offsets[s]

    # -- Dataset protocol -------------------------------------------------
    def __len__(self) -> int:
        return self.total if self.indices is None else len(self.indices)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        index = int(self.indices[i]) if self.indices is not None else int(i)
        s, row = self.locate(index)
        f = self._handle(s)
        out = {}
        for name in self.fields:
            try:
                out[name] = torch.from_numpy(np.asarray(f[f"fields/{name}"][row]))
            except (OSError, RuntimeError, KeyError) as err:
                raise DatasetError(f"reading sample {index} (shard {self._shard_path(s)}, row {row}), field {name!r} "
                                   f"failed: {err}. The shard is corrupted; run `sciml data verify {self.path}`.") from err
        return self.transform(out) if self.transform else out

    def read(self, name: str, indices: Sequence[int] | None = None) -> np.ndarray:
        """All values of field ``name`` (``[n, *shape]``) for this view, read shard by shard."""
        idx = np.arange(self.total) if self.indices is None and indices is None else np.asarray(
            indices if indices is not None else self.indices)
        out = np.empty((len(idx), *self.schema[name].shape), dtype=self.schema[name].dtype)
        shard_of = np.searchsorted(self._offsets, idx, side="right") - 1
        for s in np.unique(shard_of):
            sel = np.nonzero(shard_of == s)[0]
            rows = idx[sel] - self._offsets[s]
            lo, hi = int(rows.min()), int(rows.max()) + 1
            out[sel] = self._handle(int(s))[f"fields/{name}"][lo:hi][rows - lo]
        return out

    # -- metadata, statistics, splits ------------------------------------
    @property
    def metadata(self) -> dict[str, np.ndarray]:
        """Per-sample scalar metadata ``key -> [len(self)]``."""
        allm = {k: np.concatenate([self._handle(i)[f"meta/{k}"][()] for i in range(len(self.shards))] or [np.zeros(0)])
                for k in self.schema.metadata}
        return allm if self.indices is None else {k: v[self.indices] for k, v in allm.items()}

    def where(self, predicate: Callable[[dict[str, np.ndarray]], np.ndarray]) -> "ShardedDataset":
        """View of the samples whose metadata satisfy ``predicate(meta) -> bool mask``."""
        mask = np.asarray(predicate(self.metadata), dtype=bool)
        base = np.arange(self.total) if self.indices is None else self.indices
        return self._view(base[mask])

    def statistics(self) -> dict[str, RunningMoments]:
        """Pointwise mean/std per field, computed while writing (over the whole dataset)."""
        return load_stats(self.path, self.schema)

    def _view(self, indices) -> "ShardedDataset":
        return ShardedDataset(self.path, self.fields, allow_incomplete=True, indices=indices, transform=self.transform,
                              check_shards=False)

    def split(self, fractions: Sequence[float], by: str = "sample", seed: int = 0) -> list["ShardedDataset"]:
        """Disjoint views with the given fractions (summing to ≤ 1), by shuffled ``sample`` or whole ``shard``."""
        if by not in ("sample", "shard"):
            raise DatasetError(f"split by={by!r}; use 'sample' or 'shard'.")
        if any(f < 0 for f in fractions) or sum(fractions) > 1 + 1e-9:
            raise DatasetError(f"split fractions must be non-negative and sum to at most 1, got {list(fractions)}.")
        rng = np.random.default_rng(seed)
        if by == "sample":
            base = np.arange(self.total) if self.indices is None else self.indices
            order = rng.permutation(base)
            counts = [int(round(f * len(order))) for f in fractions]
            bounds = np.cumsum([0] + counts)
            return [self._view(np.sort(order[a:b])) for a, b in zip(bounds[:-1], bounds[1:])]
        shards = rng.permutation(len(self.shards))
        counts = [int(round(f * len(shards))) for f in fractions]
        bounds = np.cumsum([0] + counts)
        return [self._view(np.concatenate([np.arange(self._offsets[s], self._offsets[s + 1]) for s in sorted(shards[a:b])]
                                          or [np.zeros(0, np.int64)]).astype(np.int64))
                for a, b in zip(bounds[:-1], bounds[1:])]

    def for_rank(self, rank: int, world_size: int) -> "ShardedDataset":
        """Shards ``rank, rank + world_size, ...`` (each rank reads only its own files)."""
        if not 0 <= rank < world_size:
            raise DatasetError(f"rank {rank} is not in [0, {world_size}).")
        if world_size > len(self.shards):
            raise DatasetError(f"{world_size} ranks but only {len(self.shards)} shards in {self.path}; write smaller "
                               "shards (max_shard_bytes) or split by sample with a DistributedSampler.")
        mine = [np.arange(self._offsets[s], self._offsets[s + 1]) for s in range(rank, len(self.shards), world_size)]
        return self._view(np.concatenate(mine))

    def close(self) -> None:
        for f in self._handles.values():
            f.close()
        self._handles = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_handles"] = {}
        return state


def make_loader(dataset: torch.utils.data.Dataset, batch_size: int, shuffle: bool = True, workers: int = 0,
                seed: int = 0, drop_last: bool = False) -> torch.utils.data.DataLoader:
    """A DataLoader over a :class:`ShardedDataset` (workers open their own HDF5 handles)."""
    g = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=workers,
                                       generator=g, drop_last=drop_last, persistent_workers=workers > 0)
