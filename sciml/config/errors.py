"""Turn Hydra/OmegaConf composition errors into messages that name the valid keys."""

from __future__ import annotations

import dataclasses
import re

from sciml.config import schema


class ConfigError(ValueError):
    """A config could not be composed: unknown key, wrong type or unknown choice."""


def _fields_of(path: str) -> list[str] | None:
    node: type | None = schema.schema_class()
    for part in [p for p in path.split(".") if p]:
        if node is None or not dataclasses.is_dataclass(node):
            return None
        f = {x.name: x for x in dataclasses.fields(node)}.get(part)
        if f is None:
            return None
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else None  # type: ignore[misc]
        node = type(default) if dataclasses.is_dataclass(default) else _declared_dataclass(f.type)
    if node is None or not dataclasses.is_dataclass(node):
        return None
    return [x.name for x in dataclasses.fields(node)]


def _declared_dataclass(tp) -> type | None:
    """The dataclass inside a field type (``Optional[X]`` → ``X``), if any."""
    import typing

    for t in (tp, *typing.get_args(tp)):
        if dataclasses.is_dataclass(t):
            return t
    return None


def explain_config_error(err: Exception) -> Exception:
    """Map a Hydra/OmegaConf exception to a :class:`ConfigError` naming the key and the valid keys/choices."""
    text = str(err)
    cause = err.__cause__ or err.__context__
    full = text + ("\n" + str(cause) if cause is not None else "")
    m = re.search(r"Key '([^']+)' is not in struct", full) or re.search(r"Key '([^']+)' not in '(\w+)'", full)
    if m:
        key = m.group(1)
        fk = re.search(r"full_key: ([\w.]+)", full)
        full_key = fk.group(1) if fk else key
        parent = full_key.rsplit(".", 1)[0] if "." in full_key else ""
        valid = _fields_of(parent)
        hint = f" Valid keys under '{parent or '<top level>'}': {valid}." if valid else ""
        return ConfigError(
            f"Unknown config key '{full_key}'.{hint} To add a new key deliberately use '+{full_key}=...'.\n"
            f"(Hydra said: {text.strip()})"
        )
    if "Invalid value" in full or "could not be converted" in full or "Value '" in full:
        return ConfigError(f"Wrong value in config: {full.strip()}")
    if "Could not find" in full or "Available options" in full:
        return ConfigError(f"Unknown config choice. {full.strip()}")
    return ConfigError(f"Could not compose the config: {full.strip()}")
