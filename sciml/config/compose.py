"""Compose experiment configs from Python or a notebook (Hydra's compose API).

``compose(["experiment=burgers_pinn", "optimizer.steps=100"])`` returns the same config
``sciml run experiment=burgers_pinn optimizer.steps=100`` would run. The configs are found
in the installed ``configs`` package, so this works from a wheel as well as a checkout.
"""
from __future__ import annotations

from typing import Sequence

from hydra import compose as hydra_compose
from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from sciml.config.errors import explain_config_error
from sciml.config.schema import register_configs

CONFIG_MODULE = "configs"


def compose(overrides: Sequence[str] = (), config_name: str = "config", return_hydra_config: bool = False) -> DictConfig:
    """Compose ``configs/<config_name>.yaml`` with Hydra ``overrides`` (a list of ``key=value``)."""
    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_module(config_module=CONFIG_MODULE, version_base="1.3"):
            return hydra_compose(config_name=config_name, overrides=list(overrides),
                                 return_hydra_config=return_hydra_config)
    except Exception as err:  # re-raise with the valid keys / choices spelled out
        raise explain_config_error(err) from err


def launch_path(path) -> "Path":
    """``path`` as an absolute path; a relative one is taken from the directory ``sciml`` was started in
    (Hydra's original working directory), not from the run folder Hydra changed into."""
    from pathlib import Path

    p = Path(path)
    if p.is_absolute():
        return p
    try:
        from hydra.utils import get_original_cwd

        return Path(get_original_cwd()) / p
    except (ImportError, ValueError):  # not inside a Hydra app
        return Path.cwd() / p
