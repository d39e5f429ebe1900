"""``sciml generate dataset=<name>``: run a registered generator on random inputs and stream a sharded HDF5 dataset.

Generators are plug-ins (:class:`sciml.plugins.DatasetGenerator`, entry-point group ``sciml.datasets``);
sciml's own (``darcy``, ``burgers``, ``ns2d``) run its solvers.

Sample ``i`` is drawn from its own random stream ``(seed, i)``, so the dataset does not
depend on the number of processes or on interruptions: ``resume=True`` continues after the
last committed sample and produces the same file contents as an uninterrupted run.
Work is split into chunks solved by ``processes`` worker processes (results are written in
order by the parent), with a progress bar.
"""
from __future__ import annotations

import inspect
import json
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as np

from sciml.checks import check_choice, check_range
from sciml.data.schema import Schema
from sciml.runtime.paths import launch_path
from sciml.data.writer import DatasetWriter

log = logging.getLogger("sciml.generate")


@dataclass(frozen=True)
class DatasetSpec:
    """A solver-generated dataset: which generator (``name``, a registered :class:`sciml.plugins.DatasetGenerator`),
    how many samples, where, and the generator's ``params``."""

    name: str = "???"
    folder: str = "???"
    path: Optional[str] = None  # absolute or relative folder; default $SCIML_DATA (or ./data) / folder
    samples: int = 100
    seed: int = 0
    processes: int = 1
    chunk: int = 8
    max_shard_mb: float = 256.0
    compression: Optional[str] = None  # null (fastest reads) | lzf | gzip
    params: dict = field(default_factory=dict)
    generate_if_missing: bool = True

    def __post_init__(self):
        check_range("samples", self.samples, low=1, integer=True)
        check_range("processes", self.processes, low=1, integer=True)
        check_range("chunk", self.chunk, low=1, integer=True)
        check_range("max_shard_mb", self.max_shard_mb, low=0, low_open=True)
        if self.compression is not None:
            check_choice("compression", self.compression, ("lzf", "gzip"))


def generator(name: str):
    """The registered :class:`sciml.plugins.DatasetGenerator` ``name``."""
    from sciml.plugins import load

    return load("sciml.datasets", name)


def resolved_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The generator's keyword defaults overlaid with ``params`` (``None`` = default), checked for unknown keys."""
    sig = inspect.signature(generator(name).samples)
    defaults = {k: p.default for k, p in sig.parameters.items() if k not in ("indices", "seed")}
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(f"dataset {name!r} has no parameters {unknown}; it takes {sorted(defaults)}.")
    return {k: (params[k] if params.get(k) is not None else v) for k, v in defaults.items()}


def _watch_parent(parent_pid: int) -> None:
    """Worker initialiser: end this worker when the parent dies (SIGKILL included), instead of blocking forever.

    On Linux the kernel delivers SIGKILL to the worker when its parent exits (``PR_SET_PDEATHSIG``); elsewhere, and
    as a second guard, a daemon thread polls the parent's pid once a second.
    """
    import ctypes
    import signal
    import sys
    import threading

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
        except OSError:
            pass
    if os.getppid() != parent_pid:  # the parent died before the hook was in place
        os._exit(1)

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="sciml-parent-watch").start()


def _work(args):
    name, indices, seed, params = args
    import torch

    torch.set_num_threads(1)
    return generator(name).samples(indices, seed, **params)


def generate(name: str, out: str | os.PathLike, samples: int, seed: int = 0, processes: int = 1, chunk: int = 8,
             max_shard_mb: float = 256.0, compression: str | None = None, resume: bool = True, overwrite: bool = False,
             progress: bool = True, params: dict[str, Any] | None = None) -> Path:
    """Generate ``samples`` samples of dataset ``name`` into folder ``out``; returns the folder.

    ``params`` go to the generator (e.g. ``resolution``, ``nu``, ``solve_resolution``).
    """
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}.")
    params = resolved_params(name, params or {})
    schema = generator(name).schema(**params)
    recipe = json.dumps({"dataset": name, "seed": seed, "params": params}, sort_keys=True)
    schema = Schema(schema.fields, schema.metadata, schema.description, {**schema.attrs, "recipe": recipe})
    out = Path(out)
    if (out / "manifest.json").exists() and not overwrite:
        from sciml.data.reader import read_manifest

        m = read_manifest(out)
        old = m["schema"].get("attrs", {}).get("recipe")
        if old != recipe:
            raise ValueError(f"{out} holds a dataset made with a different recipe ({old}) than the one asked for "
                             f"({recipe}). Use another folder (dataset.folder / dataset.path) or overwrite=true.")
        if m.get("complete"):
            if m["samples"] >= samples:
                log.info("dataset %s already complete with %d samples", out, m["samples"])
                return out
            raise ValueError(f"{out} is complete with {m['samples']} samples but {samples} were asked for; "
                             "pass overwrite=true to regenerate it.")
    writer = DatasetWriter(out, schema, max_shard_bytes=int(max_shard_mb * 2**20), compression=compression,
                           resume=resume and not overwrite, overwrite=overwrite)
    start = writer.samples_written
    todo = list(range(start, samples))
    chunks = [todo[i:i + chunk] for i in range(0, len(todo), chunk)]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=samples, initial=start, desc=f"generate {name}", unit="sample")
    t0 = time.perf_counter()
    try:
        jobs = [(name, c, seed, params) for c in chunks]
        if processes > 1 and len(chunks) > 1:
            import multiprocessing as mp

            with ProcessPoolExecutor(processes, mp_context=mp.get_context("spawn"), initializer=_watch_parent,
                                     initargs=(os.getpid(),)) as pool:
                for res in pool.map(_work, jobs):
                    _write(writer, schema, res, bar)
        else:
            for job in jobs:
                _write(writer, schema, _work(job), bar)
    except BaseException:
        writer.abandon()  # keep the committed shards; a failed write (a full disk) must not be committed again
        raise
    finally:
        if bar is not None:
            bar.close()
    writer.close(complete=True)
    log.info("wrote %d samples to %s in %.1f s", samples - start, out, time.perf_counter() - t0)
    return out


def _write(writer: DatasetWriter, schema, res: dict[str, np.ndarray], bar) -> None:
    fields = {f.name: res[f.name] for f in schema.fields}
    meta = {k: res[k] for k in schema.metadata}
    writer.extend(fields, meta)
    if bar is not None:
        bar.update(len(next(iter(fields.values()))))


def dataset_path(spec: dict[str, Any]) -> Path:
    """Folder of a dataset config node: ``path`` if set, else ``$SCIML_DATA`` (default ``./data``) / ``folder``.

    Relative paths are taken from the directory ``sciml`` was started in (not Hydra's run folder).
    """
    p = Path(spec["path"]) if spec.get("path") else Path(os.environ.get("SCIML_DATA", "data")) / spec["folder"]
    return launch_path(p)


def ensure_dataset(spec: dict[str, Any], progress: bool = True) -> Path:
    """Generate (or finish generating) the dataset a config's ``dataset`` node describes; returns its folder.

    Keys ``spec`` leaves out take :class:`DatasetSpec`'s defaults (``name`` and ``folder`` are required).
    """
    for key in ("name", "folder"):
        if key not in spec and not (key == "folder" and spec.get("path")):
            raise ValueError(f"a dataset spec needs {key!r}; got keys {sorted(spec)}.")
    spec = asdict(DatasetSpec(**{"folder": "", **spec}))
    path = dataset_path(spec)
    if not spec.get("generate_if_missing", True) and not (path / "manifest.json").exists():
        raise FileNotFoundError(f"dataset {path} does not exist and dataset.generate_if_missing is false; generate it "
                                f"with `sciml generate dataset=...` or point dataset.path at an existing one.")
    return generate(spec["name"], path, int(spec["samples"]), seed=int(spec["seed"]), processes=int(spec["processes"]),
                    chunk=int(spec["chunk"]), max_shard_mb=float(spec["max_shard_mb"]), compression=spec["compression"],
                    progress=progress, params=dict(spec["params"] or {}))
