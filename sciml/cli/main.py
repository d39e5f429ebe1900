"""The ``sciml`` command line.

``sciml run [key=value ...] [-m]`` composes ``configs/config.yaml`` with Hydra overrides and
runs the experiment's ``runner`` (a dotted path in the config, so this core package never
imports ``solvers``). ``sciml config [overrides]`` prints the composed config.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

USAGE = """usage: sciml <command> [args]

commands:
  run [overrides] [-m]   run an experiment (default: configs/config.yaml, experiment=burgers_pinn)
                         e.g. sciml run experiment=burgers_pinn optimizer.steps=500 device=cpu mode=graph
                              sciml run -m model.width=32,64
  config [overrides]     print the composed, validated config
  generate dataset=NAME [overrides]
                         generate a training dataset with our solvers (darcy, burgers_nu0.1, ns2d)
                         e.g. sciml generate dataset=darcy dataset.samples=200 dataset.processes=2
  data info PATH         schema, sample count, shards and statistics of a dataset folder
  data verify PATH       check every shard against its SHA-256 in the manifest (exit 1 on problems)
  zoo list | info NAME | eval NAME|all [--full] | predict NAME --points F --out F
                         pretrained solvers shipped in the package (eval exits 1 if a metric is >2 % off its card)
  export NAME --format onnx [--out FILE]
                         ONNX graph of a zoo model's forward map, checked against onnxruntime
  --version              print the sciml version
"""

log = logging.getLogger("sciml")
_USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, RuntimeError, FileNotFoundError, KeyError, ArithmeticError)


def _first_choice(override: str) -> str:
    """``a=1,2`` (a multirun sweep) → ``a=1`` for validation."""
    if "=" not in override:
        return override
    key, val = override.split("=", 1)
    depth, out = 0, []
    for ch in val:
        if ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        elif ch == "," and depth == 0:
            break
        out.append(ch)
    val = "".join(out)
    for fn in ("range(", "choice(", "interval(", "glob("):
        if val.startswith(fn):
            return key + "=" + val[len(fn):].split(",")[0].rstrip(")")
    return key + "=" + val


def _validate(overrides: list[str]) -> None:
    from sciml.config import compose

    plain = [_first_choice(o) for o in overrides if not o.startswith(("hydra.", "-", "+hydra"))]
    compose(plain)


def _hydra_run(args: list[str]) -> int:
    import hydra
    from hydra.utils import get_method

    from sciml.config import ConfigError
    from sciml.config.schema import register_configs

    register_configs()
    overrides = [a for a in args if not a.startswith("-")]
    try:
        _validate(overrides)
    except ConfigError as err:
        print(f"sciml: {err}", file=sys.stderr)
        return 2

    @hydra.main(config_path="pkg://configs", config_name="config", version_base="1.3")
    def entry(cfg) -> float | None:
        out = Path(os.getcwd())
        try:
            runner = get_method(cfg.runner)
        except Exception as err:
            raise SystemExit(f"sciml: runner {cfg.runner!r} could not be imported: {err}")
        try:
            metrics = runner(cfg, out_dir=out)
        except _USER_ERRORS as err:
            (out / "FAILED.txt").write_text(f"{type(err).__name__}: {err}\n")
            log.error("%s: %s", type(err).__name__, err)
            print(f"sciml: run failed ({type(err).__name__}): {err}\nNo results were written; see {out}/FAILED.txt.",
                  file=sys.stderr)
            raise SystemExit(2)
        return metrics.get("rel_l2") if isinstance(metrics, dict) else None

    saved = sys.argv
    sys.argv = ["sciml run", *args]
    try:
        entry()
    except SystemExit as ex:
        code = ex.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    finally:
        sys.argv = saved
    return 0


def _compose_or_report(args: list[str]):
    """The composed config, or ``None`` after printing the config error."""
    from sciml.config import ConfigError, compose

    try:
        return compose(args)
    except ConfigError as err:
        print(f"sciml: {err}", file=sys.stderr)
        return None


def _print_config(args: list[str]) -> int:
    from omegaconf import OmegaConf

    cfg = _compose_or_report(args)
    if cfg is None:
        return 2
    print(OmegaConf.to_yaml(cfg, resolve=True))
    return 0


def _generate(args: list[str]) -> int:
    from hydra.utils import get_method
    from omegaconf import OmegaConf

    cfg = _compose_or_report(args)
    if cfg is None:
        return 2
    if cfg.get("dataset") is None:
        import importlib.resources as res

        names = sorted(p.name[:-5] for p in res.files("configs").joinpath("dataset").iterdir() if p.name.endswith(".yaml"))
        print(f"sciml generate: say which dataset, e.g. `sciml generate dataset=darcy`. Available: {names}.", file=sys.stderr)
        return 2
    spec = OmegaConf.to_container(cfg.dataset, resolve=True)
    generator = get_method(spec.pop("generator"))
    try:
        path = generator(spec)
    except _USER_ERRORS as err:
        print(f"sciml generate: {err}", file=sys.stderr)
        return 2
    print(f"dataset ready: {path}")
    return 0


def _data(args: list[str]) -> int:
    from sciml.data import DatasetError, info, verify

    if len(args) != 2 or args[0] not in ("info", "verify"):
        print("usage: sciml data info PATH | sciml data verify PATH", file=sys.stderr)
        return 2
    try:
        if args[0] == "info":
            print(info(args[1]))
            return 0
        report = verify(args[1])
    except DatasetError as err:
        print(f"sciml data: {err}", file=sys.stderr)
        return 2
    print(report.text())
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0
    if argv[0] == "--version":
        from sciml import __version__

        print(f"sciml {__version__}")
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "run":
        code = _hydra_run(rest)
        dist_mod = sys.modules.get("sciml.distributed")
        if dist_mod is not None and dist_mod.failed():  # a broken gloo group: end now, so nothing aborts at exit
            dist_mod.exit_process(code or 1)
        return code
    if cmd == "config":
        return _print_config(rest)
    if cmd == "generate":
        return _generate(rest)
    if cmd == "zoo":
        from sciml.cli.zoo_commands import zoo_main

        return zoo_main(rest)
    if cmd == "export":
        from sciml.cli.zoo_commands import export_main

        return export_main(rest)
    if cmd == "data":
        return _data(rest)
    print(f"sciml: unknown command {cmd!r}.\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
