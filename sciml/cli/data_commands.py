"""``sciml generate dataset=NAME [overrides]``, ``sciml data info PATH`` and ``sciml data verify PATH``."""

from __future__ import annotations

import sys

from sciml.cli.failures import EXIT_FAILED, exit_code, raise_on_sigterm, record_failure


def generate_command(overrides: list[str]) -> int:
    """Generate (or finish) the dataset a ``dataset`` config node describes; returns the exit code."""
    from omegaconf import OmegaConf

    from sciml.config import ConfigError, compose
    from sciml.data import ensure_dataset
    from sciml.data.generation import dataset_path
    from sciml.plugins import available

    try:
        cfg = compose(overrides)
    except ConfigError as err:
        print(f"sciml generate: {err}", file=sys.stderr)
        return EXIT_FAILED
    if cfg.get("dataset") is None:
        import importlib.resources as res

        names = sorted(
            p.name[:-5] for p in res.files("configs").joinpath("dataset").iterdir() if p.name.endswith(".yaml")
        )
        print(
            f"sciml generate: say which dataset, e.g. `sciml generate dataset=darcy`. Available configs: {names}; "
            f"registered generators: {available('sciml.datasets')}.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    spec = OmegaConf.to_container(cfg.dataset, resolve=True)
    raise_on_sigterm()
    folder = dataset_path(spec)
    try:
        path = ensure_dataset(spec)
    except (Exception, KeyboardInterrupt) as err:
        record_failure(folder if folder.is_dir() else None, err, what="generate")
        return exit_code(err)
    (path / "FAILED.txt").unlink(missing_ok=True)  # an earlier failure, now resumed and finished
    print(f"dataset ready: {path}")
    return 0


def data_command(action: str, path: str) -> int:
    """``info`` prints a dataset's schema and statistics; ``verify`` checks every shard (exit 1 on problems)."""
    from sciml.data import DatasetError, info, verify

    try:
        if action == "info":
            print(info(path))
            return 0
        report = verify(path)
    except (DatasetError, OSError) as err:
        print(f"sciml data: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(report.text())
    return 0 if report.ok else 1


__all__ = ["generate_command", "data_command"]
