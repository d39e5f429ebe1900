"""Build ``_target_`` config nodes from registered components only, so a shared config is data, not code.

``_target_`` names a component registered under the ``sciml.components`` entry-point group
(:mod:`sciml.plugins`), for example ``physics.Burgers`` or ``sciml.geometry.Rectangle``; the
other keys are its keyword arguments, built recursively. A name nobody registered (``os.system``,
a typo) fails before anything is imported, naming the registered components.
"""

from __future__ import annotations

import inspect
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from sciml.config.errors import ConfigError


def targets(node: Any, path: str = "") -> list[tuple[str, str]]:
    """Every ``(config path, _target_)`` pair inside ``node``."""
    if isinstance(node, (DictConfig, ListConfig)):
        node = OmegaConf.to_container(node, resolve=False)
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if "_target_" in node:
            found.append((path or "<root>", str(node["_target_"])))
        for k, v in node.items():
            found += targets(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += targets(v, f"{path}[{i}]")
    return found


def check_targets(node: Any, path: str = "") -> None:
    """Raise :class:`ConfigError` for a ``_target_`` that is not a registered component."""
    from sciml.plugins import available

    known = set(available("sciml.components"))
    for where, target in targets(node, path):
        if target not in known:
            raise ConfigError(
                f"{where}._target_ = {target!r} is not a registered component, so it will not be built. "
                f"Registered components: {sorted(known)}. A config names registered components, not "
                'import paths; a package adds one under [project.entry-points."sciml.components"].'
            )


def _build(obj: Any, path: str) -> Any:
    from sciml.plugins import load

    if isinstance(obj, list):
        return [_build(v, f"{path}[{i}]") for i, v in enumerate(obj)]
    if not isinstance(obj, dict):
        return obj
    kwargs = {k: _build(v, f"{path}.{k}") for k, v in obj.items() if k != "_target_"}
    if "_target_" not in obj:
        return kwargs
    fn = load("sciml.components", obj["_target_"])
    try:
        return fn(**kwargs)
    except TypeError as err:
        try:
            takes = f" It takes {inspect.signature(fn)}."
        except (TypeError, ValueError):
            takes = ""
        raise ConfigError(
            f"{path}: could not build {obj['_target_']} from keys {sorted(kwargs)}: {err}.{takes}"
        ) from err


def instantiate(node: Any, what: str, **extra: Any) -> Any:
    """Build config ``node`` (``_target_`` plus keyword arguments; ``extra`` added to the top level).

    ``what`` names the node in errors (``"problem"``, ``"evaluation reference"``). Value errors raised by the
    component itself (a negative viscosity, a missing file) pass through unchanged, prefixed by ``what``.
    """
    if node is None:
        raise ConfigError(f"the {what} is not configured (its config node is null).")
    check_targets(node, what)
    plain = OmegaConf.to_container(node, resolve=True) if isinstance(node, (DictConfig, ListConfig)) else node
    if not isinstance(plain, dict) or "_target_" not in plain:
        raise ConfigError(f"the {what} config needs a '_target_' naming a registered component, got {plain!r}.")
    plain = {**plain, **extra}
    try:
        return _build(plain, what)
    except (ValueError, FileNotFoundError) as err:
        if isinstance(err, ConfigError):
            raise
        raise type(err)(f"{what}: {err}") from err


__all__ = ["instantiate", "check_targets", "targets"]
