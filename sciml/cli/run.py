"""``sciml run [overrides] [-m]``: compose the config with Hydra, claim a run folder and call the runner.

1. The overrides are parsed by Hydra's own override grammar and the config is composed and
   validated once up front (for a sweep, with the first value of each swept key), so a typo or
   an out-of-range value fails before any folder or job exists.
2. Hydra runs the job (or each job of a sweep) in its own folder; the job claims the folder
   (:mod:`sciml.runs.lock`), sets the CPU thread count (``threads=``), and calls the registered
   runner (``runner:``, an entry point of ``sciml.experiments``).
3. A failure ends with one line, ``FAILED.txt`` and exit 2 (130 when interrupted); in a sweep the
   failed job is recorded and the sweep goes on, and the command exits 2 at the end.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from sciml.cli.failures import EXIT_FAILED, exit_code, raise_on_sigterm, record_failure

log = logging.getLogger("sciml")


def default_threads() -> int:
    """``OMP_NUM_THREADS`` if set, else the cores this process may run on."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def first_values(overrides: list[str]) -> list[str]:
    """The overrides of one job of a sweep: each swept key at its first value (Hydra's grammar)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    plain = [
        o for o in overrides if not o.startswith(("hydra.", "+hydra", "~hydra")) or o.startswith("hydra.searchpath")
    ]
    out = []
    for o in OverridesParser.create().parse_overrides(plain):
        if not o.is_sweep_override():
            out.append(o.input_line)
            continue
        key = o.get_key_element()
        if o.is_interval_sweep():
            out.append(f"{key}={o.value().start}")
        elif o.value_type is not None and o.value_type.name == "GLOB_CHOICE_SWEEP":
            continue  # a glob over config-group options: each option is checked when its job composes
        else:
            out.append(f"{key}={next(iter(o.sweep_string_iterator()))}")
    return out


def validate_overrides(overrides: list[str]) -> None:
    """Compose and validate the config the (first) job would run; raises ``ConfigError``."""
    from sciml.config import compose

    compose(first_values(overrides))


def _job(cfg) -> float | None:
    """The Hydra task: claim the folder, set threads, run the registered runner, record any failure."""
    import torch
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sciml.plugins import load
    from sciml.runs.lock import RunFolderInUse, claim_run_folder

    out = Path(os.getcwd())
    multirun = HydraConfig.get().mode == RunMode.MULTIRUN
    try:
        claim = claim_run_folder(out)
    except RunFolderInUse as err:  # not our folder: report, but write nothing into it
        print(f"sciml: run failed: {err}", file=sys.stderr)
        raise SystemExit(EXIT_FAILED) from None
    dtype = torch.get_default_dtype()
    try:
        torch.set_num_threads(int(cfg.threads) if cfg.threads else default_threads())
        metrics = load("sciml.experiments", cfg.runner).run(cfg, out_dir=out)
        return metrics.get("rel_l2") if isinstance(metrics, dict) else None
    except Exception as err:
        record_failure(out, err)
        if multirun:
            _FAILED_JOBS.append(str(out))
            return None  # the sweep goes on; the summary records this job as failed
        raise SystemExit(exit_code(err)) from None
    except KeyboardInterrupt as err:
        record_failure(out, err)
        raise SystemExit(exit_code(err)) from None
    finally:
        torch.set_default_dtype(dtype)  # a runner that changed it (MD runs in float64) must not leak into the next job
        claim.release()


_FAILED_JOBS: list[str] = []


_VALUED_FLAGS = {
    "--cfg",
    "-c",
    "--package",
    "-p",
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--info",
    "-i",
    "--experimental-rerun",
}


def split_hydra_args(args: list[str]) -> tuple[list[str], list[str]]:
    """``(flags, overrides)``: Hydra's command-line flags (with their values) and the ``key=value`` overrides,
    so flags may be given anywhere on the line (Hydra's own parser wants them first)."""
    flags, overrides, i = [], [], 0
    while i < len(args):
        a = args[i]
        if a.startswith("-"):
            flags.append(a)
            if a in _VALUED_FLAGS and i + 1 < len(args):
                flags.append(args[i + 1])
                i += 1
        else:
            overrides.append(a)
        i += 1
    return flags, overrides


def run_command(overrides: list[str]) -> int:
    """Run ``sciml run`` with ``overrides`` (Hydra flags such as ``-m`` included); returns the exit code."""
    import hydra

    from sciml.config import ConfigError
    from sciml.config.schema import register_configs

    register_configs()
    flags, plain = split_hydra_args(overrides)
    try:
        validate_overrides(plain)
    except ConfigError as err:
        print(f"sciml: {err}", file=sys.stderr)
        return EXIT_FAILED
    raise_on_sigterm()
    _FAILED_JOBS.clear()
    entry = hydra.main(config_path="pkg://configs", config_name="config", version_base="1.3")(_job)
    saved = sys.argv
    sys.argv = ["sciml run", *flags, *plain]
    try:
        entry()
    except SystemExit as ex:
        code = ex.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_FAILED)
    finally:
        sys.argv = saved
    if _FAILED_JOBS:
        print(
            f"sciml: {len(_FAILED_JOBS)} sweep job(s) failed (see FAILED.txt in each): {_FAILED_JOBS}", file=sys.stderr
        )
        return EXIT_FAILED
    return 0


__all__ = ["run_command", "validate_overrides", "first_values", "default_threads"]
