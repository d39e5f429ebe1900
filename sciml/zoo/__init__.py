"""The ModelZoo: pretrained solvers shipped inside the package, each proving its own card.

An entry is a folder ``sciml/zoo/entries/<name>/`` holding

- ``config.yaml`` — the resolved Hydra config that trained it;
- ``checkpoint/`` — a sciml checkpoint (``model.safetensors`` + ``meta.json`` with its SHA-256);
- ``card.json`` — the model card as data: problem, equations, domain, data, architecture, training command,
  time and hardware, metrics with their reference, licence, citation, and ``loader`` (a registered
  :class:`sciml.plugins.ZooLoader` name: ``pinn`` or ``operator``);
- ``card.md`` — the same card for people;
- ``reference.safetensors`` — evaluation points and reference values (the fast, offline ``eval`` path).

The registry is data: ``registry.json`` lists the entries. ``load(name)`` reads the card and calls its
``loader`` through the ``sciml.zoo_loaders`` entry points, so this core package never imports ``solvers``;
:mod:`sciml.zoo.packaging` turns a finished run into an entry. Nothing is downloaded and nothing is
unpickled; a tampered or truncated weight file fails its checksum, and a weight file that is not a
regular file (a link to a device, a pipe) is refused before it is read.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
ENTRIES = ROOT / "entries"


class ZooError(ValueError):
    """An unknown entry, or an entry whose files are missing or do not match their card."""


def _registry() -> dict[str, Any]:
    return json.loads((ROOT / "registry.json").read_text())


def list() -> builtins.list[str]:
    """Names of the shipped entries."""
    return sorted(_registry()["entries"])


def path(name: str) -> Path:
    """The entry's folder, checked to hold its files."""
    reg = _registry()["entries"]
    if name not in reg:
        raise ZooError(f"no zoo entry {name!r}; available: {', '.join(sorted(reg))}.")
    p = ENTRIES / reg[name]["folder"]
    for f in ("config.yaml", "card.json", "checkpoint/meta.json", "checkpoint/model.safetensors"):
        if not (p / f).exists():
            raise ZooError(
                f"zoo entry {name!r} is incomplete: {p / f} is missing. Reinstall the package or retrain "
                f"it with scripts/train_zoo.py --only {name}."
            )
    return p


def info(name: str) -> dict[str, Any]:
    """The model card of ``name`` (a dict; ``card.md`` holds the same for people)."""
    return json.loads((path(name) / "card.json").read_text())


def sha256(name: str) -> str:
    """SHA-256 of the entry's weight file (checked to be a regular file of plausible size first)."""
    from sciml.checkpoint.files import check_regular_file

    weights = path(name) / "checkpoint" / "model.safetensors"
    check_regular_file(weights, max_bytes=2**31)
    return hashlib.sha256(weights.read_bytes()).hexdigest()


def config(name: str):
    """The resolved config that trained ``name``."""
    from omegaconf import OmegaConf

    return OmegaConf.load(path(name) / "config.yaml")


def load(name: str, device: str = "cpu"):
    """A ready solver for ``name``: ``.predict(points)`` and ``.evaluate(full=False)`` (see the card's loader)."""
    from sciml.plugins import load as load_plugin

    card = info(name)
    want = card.get("sha256")
    got = sha256(name)
    if want and got != want:
        raise ZooError(
            f"zoo entry {name!r}: weights SHA-256 {got[:12]}… does not match the card's "
            f"{want[:12]}…; the file was modified or damaged. Reinstall the package."
        )
    return load_plugin("sciml.zoo_loaders", card["loader"]).load(name, config(name), path(name), device)


def weights_dir(name: str) -> Path:
    """The entry's checkpoint folder (``init_from=zoo:NAME`` fine-tunes from it)."""
    return path(name) / "checkpoint"


__all__ = ["list", "info", "load", "path", "config", "sha256", "weights_dir", "ZooError"]
