"""Hydra configs shipped with sciml (a package, so they are found from an installed wheel).

Importing this package registers the typed schema, so plain Hydra
(``initialize_config_module("configs")``) validates configs as ``sciml run`` does.
"""

from sciml.config.schema import register_configs as _register

_register()


def packaged_file(name: str) -> str:
    """Absolute path of a data file shipped inside this package (e.g. ``meshes/lshape.vtu``)."""
    from pathlib import Path

    path = Path(__file__).parent / name
    if not path.exists():
        raise FileNotFoundError(f"no packaged file {name!r} under {Path(__file__).parent}.")
    return str(path)
