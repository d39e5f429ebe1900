"""The ``sciml`` command line: ``sciml <command> --help`` explains each command.

Commands: ``run`` (an experiment, Hydra overrides), ``config`` (print the composed config),
``list`` (registered plug-ins), ``generate`` (a dataset), ``data info|verify``, ``zoo
list|info|eval|predict`` and ``export``. Bad arguments end with one line naming the argument and
exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EPILOG = (
    "Examples:\n  sciml run\n  sciml run experiment=euler_sod euler.flux=roe\n  sciml run -m model.width=32,64\n"
    "  sciml zoo eval all\n  sciml generate dataset=darcy dataset.samples=200"
)


class _Parser(argparse.ArgumentParser):
    """argparse that ends a bad command line with one line naming the problem (and exit 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full ``sciml`` parser with one sub-command per action."""
    from sciml import __version__

    p = _Parser(
        prog="sciml",
        description="Scientific machine learning on PyTorch: PINNs, neural operators, "
        "differentiable FDTD, MD and grid solvers.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"sciml {__version__}")
    sub = p.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)

    run = sub.add_parser(
        "run",
        help="run an experiment (default: the Burgers PINN)",
        description="Compose configs/config.yaml with Hydra overrides (key=value) and run the "
        "experiment's registered runner. Hydra flags pass through: -m/--multirun sweeps, "
        "--cfg job prints the config, hydra.run.dir=DIR chooses the output folder.",
    )
    run.add_argument("overrides", nargs=argparse.REMAINDER, help="Hydra overrides, e.g. experiment=wave model.width=64")

    cfg = sub.add_parser(
        "config",
        help="print the composed, validated config",
        description="Print the config that `sciml run` with the same overrides would run.",
    )
    cfg.add_argument("overrides", nargs="*", help="Hydra overrides")

    lst = sub.add_parser(
        "list",
        help="list registered experiments, datasets, zoo loaders or components",
        description="Plug-ins registered by the installed packages (entry points).",
    )
    lst.add_argument(
        "what", nargs="?", default="experiments", choices=["experiments", "datasets", "zoo_loaders", "components"]
    )

    gen = sub.add_parser(
        "generate",
        help="generate a solver dataset (sharded HDF5)",
        description="Generate (or finish) the dataset of a configs/dataset/*.yaml node.",
    )
    gen.add_argument("overrides", nargs="*", help="dataset=NAME and overrides, e.g. dataset.samples=200")

    data = sub.add_parser("data", help="inspect or verify a dataset folder")
    data.add_argument("action", choices=["info", "verify"], help="info: schema and statistics; verify: every shard")
    data.add_argument("path", help="dataset folder")

    zoo = sub.add_parser("zoo", help="pretrained models shipped in the package")
    zsub = zoo.add_subparsers(dest="zoo_command", metavar="<zoo command>", parser_class=_Parser, required=True)
    zsub.add_parser("list", help="the shipped entries")
    zi = zsub.add_parser("info", help="an entry's model card")
    zi.add_argument("name")
    ze = zsub.add_parser("eval", help="recompute an entry's metrics (exit 1 if off its card)")
    ze.add_argument("name", help="an entry, or 'all'")
    ze.add_argument("--full", action="store_true", help="rebuild the reference from the config (slower)")
    ze.add_argument("--tolerance", type=float, default=0.02, help="allowed relative deviation (default 0.02)")
    zp = zsub.add_parser("predict", help="evaluate an entry at points from a file")
    zp.add_argument("name")
    zp.add_argument("--points", type=Path, required=True, help="CSV with a header of input names, or .npy")
    zp.add_argument("--out", type=Path, required=True, help="CSV (inputs then outputs) or .npy")
    zp.add_argument("--force", action="store_true", help="replace an existing --out file")

    ex = sub.add_parser("export", help="export a zoo entry's forward map (ONNX)")
    ex.add_argument("name")
    ex.add_argument("--format", default="onnx", choices=["onnx"])
    ex.add_argument("--out", type=Path, default=None, help="output file (default NAME.onnx)")
    ex.add_argument("--force", action="store_true", help="replace an existing --out file")
    return p


def _print_config(overrides: list[str]) -> int:
    from omegaconf import OmegaConf

    from sciml.config import ConfigError, compose

    try:
        cfg = compose(overrides)
    except ConfigError as err:
        print(f"sciml config: {err}", file=sys.stderr)
        return 2
    print(OmegaConf.to_yaml(cfg, resolve=True))
    return 0


def _list(what: str) -> int:
    from sciml.plugins import available, experiments

    if what == "experiments":
        for name, exp in experiments().items():
            nodes = ", ".join(exp.nodes) or "-"
            print(f"{name:26s} nodes: {nodes:34s} {exp.description}")
        return 0
    for name in available(f"sciml.{what}"):
        print(name)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sciml`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:
        parser.print_help()
        return 0
    if argv[0] == "run":  # everything after `run` belongs to Hydra (its flags included)
        if argv[1:2] in (["-h"], ["--help"]):
            parser.parse_args(["run", "--help"])
        from sciml.cli.run import run_command

        code = run_command(argv[1:])
        dist_mod = sys.modules.get("sciml.distributed")
        if dist_mod is not None and dist_mod.failed():  # a broken gloo group: end now, so nothing aborts at exit
            dist_mod.exit_process(code or 1)
        return code
    args = parser.parse_args(argv)
    if args.command == "config":
        return _print_config(args.overrides)
    if args.command == "list":
        return _list(args.what)
    if args.command == "generate":
        from sciml.cli.data_commands import generate_command

        return generate_command(args.overrides)
    if args.command == "data":
        from sciml.cli.data_commands import data_command

        return data_command(args.action, args.path)
    from sciml.cli import zoo_commands as z

    if args.command == "export":
        return z.guarded("export", z.export_command, args.name, args.format, args.out, args.force)
    if args.zoo_command == "list":
        return z.guarded("zoo list", z.zoo_list)
    if args.zoo_command == "info":
        return z.guarded("zoo info", z.zoo_info, args.name)
    if args.zoo_command == "eval":
        return z.guarded("zoo eval", z.zoo_eval, args.name, args.full, args.tolerance)
    return z.guarded("zoo predict", z.zoo_predict, args.name, args.points, args.out, args.force)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
