"""Hydra configs shipped with sciml (a package, so they are found from an installed wheel).

Importing this package registers the typed schema, so plain Hydra
(``initialize_config_module("configs")``) validates configs as ``sciml run`` does.
"""
from sciml.config.schema import register_configs as _register

_register()
