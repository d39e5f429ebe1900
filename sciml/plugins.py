"""Plug-ins: what a config or a zoo card may name, registered as Python entry points.

A config is data, not code: it names experiments, dataset generators, zoo loaders and buildable
components by *registered name*, never by an import path. Packages register them in their
``pyproject.toml``; sciml's own solvers do so in the same way a third-party package would::

    [project.entry-points."sciml.experiments"]
    my_solver = "my_package.experiment:EXPERIMENT"      # an Experiment: runner + typed config nodes

    [project.entry-points."sciml.components"]
    "my_package.MyPDE" = "my_package.pdes:MyPDE"         # a class a config may build with _target_

========================  =======================================  ==================================
group                     what the entry point is                  named by
========================  =======================================  ==================================
``sciml.experiments``     :class:`Experiment`                      ``runner:`` in a config
``sciml.datasets``        :class:`DatasetGenerator`                ``dataset.name``
``sciml.zoo_loaders``     :class:`ZooLoader`                       ``loader`` in a zoo card
``sciml.components``      a class or function                      ``_target_`` in a config node
========================  =======================================  ==================================

The core (:mod:`sciml`) finds them by name and never holds an import path to ``solvers``. When
the ``sciml`` distribution is not installed (a bare checkout on ``PYTHONPATH``), the entry points
are read from the checkout's ``pyproject.toml``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Mapping

GROUPS = {
    "sciml.experiments": "experiment runner (config key 'runner')",
    "sciml.datasets": "dataset generator (config key 'dataset.name')",
    "sciml.zoo_loaders": "zoo loader (card key 'loader')",
    "sciml.components": "buildable component (config key '_target_')",
}


class PluginError(ValueError):
    """A name that no installed package registered, or an entry point that does not load."""


@dataclass(frozen=True)
class Experiment:
    """An experiment runner and the typed config nodes it reads.

    ``run(cfg, out_dir) -> metrics`` trains or simulates, writes its run folder and returns the metrics dict.
    ``nodes`` maps a top-level config key to the dataclass that types it (its defaults live there, an unknown key
    fails at composition). ``description`` is one line for ``sciml list``.
    """

    run: Callable[..., dict]
    nodes: Mapping[str, type] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class DatasetGenerator:
    """A generator of a sharded HDF5 dataset (``sciml generate dataset=NAME``).

    ``schema(**params) -> sciml.data.Schema`` describes the fields; ``samples(indices, seed, **params)`` returns
    ``{field: array [len(indices), ...]}``; sample ``i`` must depend only on ``(seed, i)``. The keyword defaults of
    ``samples`` are the generator's parameters.
    """

    schema: Callable[..., Any]
    samples: Callable[..., dict]
    description: str = ""


@dataclass(frozen=True)
class ZooLoader:
    """How a kind of zoo entry is rebuilt and what reference it is checked against.

    ``load(name, cfg, folder, device)`` returns an object with ``predict`` and ``evaluate(full=False)``;
    ``reference(cfg)`` returns the tensors stored as ``reference.safetensors`` when an entry is packaged.
    """

    load: Callable[..., Any]
    reference: Callable[..., dict]


def _checkout_entry_points() -> dict[str, dict[str, str]]:
    """``{group: {name: "module:attr"}}`` from the checkout's ``pyproject.toml`` (no installed distribution)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: install the package (pip install -e .) to use its entry points
        return {}
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    with open(pyproject, "rb") as fh:
        declared = tomllib.load(fh).get("project", {}).get("entry-points", {})
    return {g: dict(v) for g, v in declared.items() if g in GROUPS}


@functools.cache
def _entry_points(group: str) -> dict[str, metadata.EntryPoint]:
    found = {ep.name: ep for ep in metadata.entry_points(group=group)}
    try:
        metadata.distribution("sciml")
        installed = True
    except metadata.PackageNotFoundError:
        installed = False
    if not installed:
        for name, value in _checkout_entry_points().get(group, {}).items():
            found.setdefault(name, metadata.EntryPoint(name, value, group))
    return found


def available(group: str) -> list[str]:
    """Registered names in ``group`` (one of :data:`GROUPS`), sorted."""
    if group not in GROUPS:
        raise PluginError(f"unknown plug-in group {group!r}; the groups are {sorted(GROUPS)}.")
    return sorted(_entry_points(group))


@functools.cache
def load(group: str, name: str) -> Any:
    """The object registered as ``name`` in ``group``; a clear error names the valid names and how to register."""
    names = available(group)
    if not isinstance(name, str) or name not in names:
        raise PluginError(
            f"no {GROUPS[group]} is registered as {name!r}. Registered: {names}. A config names registered "
            f'plug-ins, not import paths; a package adds one under [project.entry-points."{group}"] in its '
            "pyproject.toml."
        )
    ep = _entry_points(group)[name]
    try:
        return ep.load()
    except Exception as err:  # a broken plug-in: say which package and entry point
        raise PluginError(
            f"the {GROUPS[group]} {name!r} ({ep.value}) could not be loaded: {type(err).__name__}: {err}"
        ) from err


def experiments() -> dict[str, Experiment]:
    """Every registered experiment runner, loaded."""
    out = {}
    for name in available("sciml.experiments"):
        obj = load("sciml.experiments", name)
        if not isinstance(obj, Experiment):
            raise PluginError(
                f"the experiment entry point {name!r} is a {type(obj).__name__}, not a "
                "sciml.plugins.Experiment(run=..., nodes=...)."
            )
        out[name] = obj
    return out


def clear_cache() -> None:
    """Forget loaded entry points (after installing a package into the running interpreter)."""
    _entry_points.cache_clear()
    load.cache_clear()


__all__ = [
    "GROUPS",
    "Experiment",
    "DatasetGenerator",
    "ZooLoader",
    "PluginError",
    "available",
    "load",
    "experiments",
    "clear_cache",
]
