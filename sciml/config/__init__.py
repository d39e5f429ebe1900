"""Experiment configuration: typed schema, compose and validate, restricted instantiate, readable errors."""

from sciml.checks import SettingError, check_choice, check_range
from sciml.config.compose import compose, launch_path, validate
from sciml.config.errors import ConfigError, explain_config_error
from sciml.config.instantiate import instantiate
from sciml.config.schema import register_configs, schema_class
from sciml.config.structured import config_node, settings

__all__ = [
    "compose",
    "validate",
    "launch_path",
    "instantiate",
    "ConfigError",
    "explain_config_error",
    "register_configs",
    "schema_class",
    "SettingError",
    "check_range",
    "check_choice",
    "config_node",
    "settings",
]
