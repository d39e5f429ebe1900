"""``sciml generate dataset=<name>``: run our solvers on random inputs and stream a sharded HDF5 dataset.

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
from typing import Any, Callable

import numpy as np

from sciml.config import launch_path
from sciml.data import DatasetWriter, Schema
from solvers.datasets import burgers, darcy, ns2d

log = logging.getLogger("sciml.generate")

# name -> (schema(**params), samples(indices, seed, **params)); both take the same resolved parameters
GENERATORS: dict[str, tuple[Callable, Callable]] = {
    "darcy": (darcy.schema, darcy.samples),
    "burgers": (burgers.schema, burgers.samples),
    "ns2d": (ns2d.schema, ns2d.samples),
}


def resolved_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The generator's keyword defaults overlaid with ``params`` (``None`` = default), checked for unknown keys."""
    sig = inspect.signature(GENERATORS[name][1])
    defaults = {k: p.default for k, p in sig.parameters.items() if k not in ("indices", "seed")}
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(f"dataset {name!r} has no parameters {unknown}; it takes {sorted(defaults)}.")
    return {k: (params[k] if params.get(k) is not None else v) for k, v in defaults.items()}


def _work(args):
    name, indices, seed, params = args
    import torch

    torch.set_num_threads(1)
    return GENERATORS[name][1](indices, seed, **params)


def generate(name: str, out: str | os.PathLike, samples: int, seed: int = 0, processes: int = 1, chunk: int = 8,
             max_shard_mb: float = 256.0, compression: str | None = None, resume: bool = True, overwrite: bool = False,
             progress: bool = True, params: dict[str, Any] | None = None) -> Path:
    """Generate ``samples`` samples of dataset ``name`` into folder ``out``; returns the folder.

    ``params`` go to the generator (e.g. ``resolution``, ``nu``, ``solve_resolution``).
    """
    if name not in GENERATORS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(GENERATORS)}.")
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}.")
    params = resolved_params(name, params or {})
    schema = GENERATORS[name][0](**params)
    recipe = json.dumps({"dataset": name, "seed": seed, "params": params}, sort_keys=True)
    schema = Schema(schema.fields, schema.metadata, schema.description, {**schema.attrs, "recipe": recipe})
    out = Path(out)
    if (out / "manifest.json").exists() and not overwrite:
        from sciml.data import read_manifest

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

            with ProcessPoolExecutor(processes, mp_context=mp.get_context("spawn")) as pool:
                for res in pool.map(_work, jobs):
                    _write(writer, schema, res, bar)
        else:
            for job in jobs:
                _write(writer, schema, _work(job), bar)
    except BaseException:
        writer.close(complete=False)
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
    """Generate (or finish generating) the dataset a config's ``dataset`` node describes; returns its folder."""
    for key in ("name", "samples"):
        if key not in spec:
            raise ValueError(f"dataset config needs {key!r}; got keys {sorted(spec)}.")
    path = dataset_path(spec)
    return generate(spec["name"], path, int(spec["samples"]), seed=int(spec.get("seed", 0)),
                    processes=int(spec.get("processes", 1)), chunk=int(spec.get("chunk", 8)),
                    max_shard_mb=float(spec.get("max_shard_mb", 256)), compression=spec.get("compression"),
                    progress=progress, params=dict(spec.get("params") or {}))
