"""Experiment configuration: typed schema, compose helper and readable errors."""
from sciml.config.compose import compose, launch_path
from sciml.config.errors import ConfigError, explain_config_error
from sciml.config.schema import ExperimentConfig, register_configs

__all__ = ["compose", "launch_path", "ConfigError", "explain_config_error", "ExperimentConfig", "register_configs"]
