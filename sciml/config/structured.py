"""Typed config nodes from frozen settings dataclasses, and range checks that name the key.

Settings are frozen dataclasses: the defaults live in one place (the dataclass) and
``__post_init__`` checks ranges. Hydra's ConfigStore needs a mutable dataclass, so
:func:`config_node` makes a mutable twin with the same fields, types and defaults whose
``__post_init__`` builds the frozen original (so the same checks run at composition);
:func:`settings` turns a composed node back into the frozen settings object::

    @dataclass(frozen=True)
    class EulerSettings:
        n: int = 400
        def __post_init__(self):
            check_range("n", self.n, low=8, integer=True)

    s = settings(cfg.euler, EulerSettings)    # -> EulerSettings(n=...)
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from typing import Any

from omegaconf import DictConfig, OmegaConf


def _twin_type(tp: Any) -> Any:
    if dataclasses.is_dataclass(tp):
        return config_node(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        return typing.Optional[_twin_type(inner[0])] if len(inner) == 1 else Any
    if origin in (tuple, list, tuple, list):  # OmegaConf types sequences as lists
        item = args[0] if args and args[-1] is not Ellipsis or len(args) == 2 else Any
        return list[item if item in (int, float, str, bool) else Any]
    if origin in (dict, dict):
        return dict[str, Any]
    if isinstance(tp, type) and issubclass(tp, enum.Enum) or tp in (int, float, str, bool):
        return tp
    return Any


@functools.cache
def config_node(cls: type) -> type:
    """A mutable dataclass for Hydra's ConfigStore with the fields, types and defaults of frozen ``cls``."""
    hints = typing.get_type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        tp = _twin_type(hints[f.name])
        if f.default is not dataclasses.MISSING:
            default = f.default
            if dataclasses.is_dataclass(default):
                spec = dataclasses.field(default_factory=functools.partial(_twin_of_instance, default))
            elif isinstance(default, tuple):
                spec = dataclasses.field(default_factory=functools.partial(list, default))
            else:
                spec = dataclasses.field(default=default)
        elif f.default_factory is not dataclasses.MISSING:
            made = f.default_factory()
            spec = dataclasses.field(
                default_factory=functools.partial(_twin_of_instance, made)
                if dataclasses.is_dataclass(made)
                else f.default_factory
            )
        else:
            spec = dataclasses.field(default=OmegaConf.MISSING if hasattr(OmegaConf, "MISSING") else "???")
        fields.append((f.name, tp, spec))

    def __post_init__(self):  # the frozen original's checks, at composition time
        build(cls, {f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    twin = dataclasses.make_dataclass(
        cls.__name__, fields, namespace={"__post_init__": __post_init__, "__doc__": cls.__doc__}
    )
    twin.__module__ = cls.__module__
    twin.settings_class = cls
    return twin


def _twin_of_instance(obj: Any) -> Any:
    twin = config_node(type(obj))
    return twin(
        **{
            f.name: (
                _twin_of_instance(v)
                if dataclasses.is_dataclass(v := getattr(obj, f.name))
                else list(v)
                if isinstance(v, tuple)
                else v
            )
            for f in dataclasses.fields(obj)
            if f.init
        }
    )


def build(cls: type, values: dict[str, Any]) -> Any:
    """``cls(**values)`` with nested dataclass fields built too (lists become tuples where ``cls`` wants tuples)."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name not in values:
            continue
        v, tp = values[f.name], hints[f.name]
        inner = (
            [a for a in typing.get_args(tp) if a is not type(None)] if typing.get_origin(tp) is typing.Union else [tp]
        )
        target = inner[0] if len(inner) == 1 else None
        if dataclasses.is_dataclass(target) and v is not None and not isinstance(v, target):
            v = build(target, v if isinstance(v, dict) else {g.name: getattr(v, g.name) for g in dataclasses.fields(v)})
        elif typing.get_origin(target) is tuple and isinstance(v, list):
            v = tuple(v)
        elif isinstance(target, type) and issubclass(target, enum.Enum) and isinstance(v, enum.Enum):
            v = v.value if not isinstance(v, target) else v
        kwargs[f.name] = v
    return cls(**kwargs)


def settings(node: Any, cls: type) -> Any:
    """The frozen ``cls`` settings for a composed config ``node`` (a DictConfig, a dict or ``None`` for defaults)."""
    if node is None:
        return cls()
    if isinstance(node, DictConfig):
        node = OmegaConf.to_container(node, resolve=True, enum_to_str=True)
    if dataclasses.is_dataclass(node):
        node = {f.name: getattr(node, f.name) for f in dataclasses.fields(node)}
    return build(cls, dict(node))


__all__ = ["config_node", "settings", "build"]
