"""Compose experiment configs from Python or a notebook (Hydra's compose API), validated.

``compose(["experiment=burgers_pinn", "optimizer.steps=100"])`` returns the same config
``sciml run experiment=burgers_pinn optimizer.steps=100`` would run. The configs are found
in the installed ``configs`` package, so this works from a wheel as well as a checkout.
:func:`validate` runs after composition: every typed node's range checks, the ``runner`` and
``dataset.name`` plug-ins and every ``_target_`` must be registered; each error names the key.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from hydra import compose as hydra_compose
from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from sciml.checks import SettingError
from sciml.config.errors import ConfigError, explain_config_error
from sciml.config.instantiate import check_targets
from sciml.config.schema import register_configs
from sciml.runtime.paths import launch_path

CONFIG_MODULE = "configs"


def _check_typed(node, path: str) -> None:
    """Run the ``__post_init__`` range checks of every dataclass-typed node, deepest first."""
    if not isinstance(node, DictConfig):
        return
    for key in node.keys():
        if not OmegaConf.is_missing(node, key) and isinstance(node._get_node(key), DictConfig):
            _check_typed(node[key], f"{path}.{key}" if path else str(key))
    obj_type = OmegaConf.get_type(node)
    if not path and obj_type is not None and dataclasses.is_dataclass(obj_type):
        valid = [f.name for f in dataclasses.fields(obj_type)]
        extra = [k for k in node.keys() if k not in valid and k != "hydra"]
        if extra:  # '+node.key=value' can add a node no runner reads: refuse it rather than ignore it
            used = sorted(k for k in valid if node.get(k) is not None)
            raise ConfigError(
                f"Unknown config node '{extra[0]}'. This experiment's keys are {used}; every top-level key: {valid}."
            )
    if not path and obj_type is not None and hasattr(obj_type, "__post_init__"):
        try:  # the top level's own checks (threads); its nodes were checked above
            obj_type.__post_init__(node)
        except SettingError as err:
            raise ConfigError(f"Invalid config value {err}") from None
    if path and obj_type is not None and dataclasses.is_dataclass(obj_type):
        valid = [f.name for f in dataclasses.fields(obj_type)]
        extra = [k for k in node.keys() if k not in valid]
        if extra:  # '+key=value' opens a typed node; its keys are still only the schema's
            raise ConfigError(f"Unknown config key '{path}.{extra[0]}'. Valid keys under '{path}': {valid}.")
        try:
            OmegaConf.to_object(node)
        except SettingError as err:
            raise ConfigError(f"Invalid config value {path}.{err}") from None
        except (ValueError, TypeError) as err:
            cause = err.__cause__ if isinstance(err.__cause__, SettingError) else None
            if cause is not None:
                raise ConfigError(f"Invalid config value {path}.{cause}") from None
            raise ConfigError(f"Invalid config value under '{path}': {err}") from None


def validate(cfg: DictConfig) -> DictConfig:
    """Check a composed config before any work: ranges, registered plug-ins and components. Returns ``cfg``."""
    from sciml.plugins import PluginError, available

    _check_typed(cfg, "")
    runners = available("sciml.experiments")
    if cfg.runner not in runners:
        raise ConfigError(
            f"runner = {cfg.runner!r} is not a registered experiment runner; registered: {runners}. "
            "A config names a runner, not an import path (see `sciml list experiments`)."
        )
    for node in ("problem", "geometry", "evaluation"):
        if cfg.get(node) is not None:
            check_targets(cfg[node], node)
    for node in cfg.keys():
        if node not in ("problem", "geometry", "evaluation", "hydra") and isinstance(cfg.get(node), DictConfig):
            check_targets(cfg[node], str(node))
    if cfg.get("dataset") is not None:
        from sciml.data.generation import resolved_params

        try:
            resolved_params(cfg.dataset.name, OmegaConf.to_container(cfg.dataset.params, resolve=True))
        except (PluginError, ValueError) as err:
            raise ConfigError(f"dataset: {err}") from None
    return cfg


def compose(
    overrides: Sequence[str] = (), config_name: str = "config", return_hydra_config: bool = False, check: bool = True
) -> DictConfig:
    """Compose ``configs/<config_name>.yaml`` with Hydra ``overrides`` (a list of ``key=value``), validated."""
    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
            cfg = hydra_compose(
                config_name=config_name, overrides=list(overrides), return_hydra_config=return_hydra_config
            )
    except Exception as err:  # re-raise with the valid keys / choices spelled out
        if "Unexpected type for root: NoneType" in repr(err.__cause__ or err):
            raise _null_node_error(overrides, config_name) from err
        raise explain_config_error(err) from err
    return validate(cfg) if check else cfg


def _null_node_error(overrides: Sequence[str], config_name: str) -> ConfigError:
    """Name the override that sets a key inside a node this experiment leaves null (Hydra does not say which)."""
    choices = [o for o in overrides if "=" in o and "." not in o.split("=", 1)[0].lstrip("+~")]
    try:
        base = compose(choices, config_name, check=False)
    except ConfigError:
        base = None
    for o in overrides:
        key = o.split("=", 1)[0].lstrip("+~")
        if "." in key and base is not None and key.split(".")[0] in base and base[key.split(".")[0]] is None:
            node = key.split(".")[0]
            used = sorted(k for k, v in base.items() if isinstance(v, DictConfig) and k not in ("hydra",))
            return ConfigError(
                f"Cannot set '{key}': this experiment does not use the '{node}' node (it is null). "
                f"Its nodes are {used}. Check the first part of the key, or choose an experiment whose "
                f"YAML sets '{node}' (configs/experiment/*.yaml; a plug-in ships its own and adds it "
                "with hydra.searchpath=[pkg://<package>.configs])."
            )
    return ConfigError(
        f"A key was set inside a config node that is null in this experiment; check the overrides {list(overrides)}."
    )


__all__ = ["compose", "validate", "launch_path"]
