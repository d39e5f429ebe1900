"""Shared fixtures: seeding, float64 defaults for numerical checks, GPU skipping."""

from __future__ import annotations

import numpy as np
import pytest
import torch


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA (run scripts/gpu_check.sh on a GPU machine)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def seed():
    torch.manual_seed(1234)
    np.random.seed(1234)
    return 1234


@pytest.fixture
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch.float64
    torch.set_default_dtype(old)


FAILING_EXPERIMENT = '''
"""A test plug-in whose run fails in the way ``fail.kind`` names (to test how ``sciml run`` ends)."""
import errno
from dataclasses import dataclass

from sciml.config import check_choice, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, start_run

KINDS = ("index", "zero", "disk_full", "memory", "runtime", "nan_metric", "ok")


@dataclass(frozen=True)
class FailSettings:
    """Which failure to raise."""

    kind: str = "ok"

    def __post_init__(self):
        check_choice("kind", self.kind, KINDS)


def run(cfg, out_dir="."):
    """Fail as configured (or succeed with kind=ok)."""
    p = settings(cfg.fail, FailSettings)
    out, t0 = start_run(cfg, out_dir)
    if p.kind == "index":
        [][3]
    if p.kind == "zero":
        return 1 / 0
    if p.kind == "disk_full":
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "big.h5"))
    if p.kind == "memory":
        raise MemoryError("cannot allocate 80 GiB")
    if p.kind == "runtime":
        raise RuntimeError("solver diverged")
    value = float("nan") if p.kind == "nan_metric" else 1.0
    return finish_run(out, cfg, t0, {"value": value})


EXPERIMENT = Experiment(run=run, nodes={"fail": FailSettings}, description="fails on purpose")
'''


def make_distribution(tmp_path, package: str, source: str, experiment: str, node_yaml: str):
    """Install-free third-party package ``package`` in ``tmp_path/site``: its module, an experiment YAML under
    ``<package>/configs/experiment/<experiment>.yaml``, and a ``.dist-info`` registering ``EXPERIMENT`` as the
    runner ``experiment``. Returns ``run(*args)``, which calls ``sciml`` in a subprocess that sees the package
    (``run.env`` is its environment); after ``run`` it adds the package's config folder and ``experiment=``."""
    import os
    import subprocess
    import sys

    site = tmp_path / "site"
    (site / package / "configs" / "experiment").mkdir(parents=True)
    (site / package / "__init__.py").write_text(source)
    (site / package / "configs" / "__init__.py").write_text("")
    (site / package / "configs" / "experiment" / f"{experiment}.yaml").write_text(
        f"# @package _global_\nexperiment: {experiment}\nrunner: {experiment}\n{node_yaml}"
    )
    dist = site / f"{package}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package.replace('_', '-')}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[sciml.experiments]\n{experiment} = {package}:EXPERIMENT\n")
    env = {**os.environ, "PYTHONPATH": str(site) + os.pathsep + os.environ.get("PYTHONPATH", "")}

    def run(*args, cwd=tmp_path):
        if args and args[0] == "run":
            args = ("run", f"hydra.searchpath=[pkg://{package}.configs]", f"experiment={experiment}", *args[1:])
        return subprocess.run(
            [sys.executable, "-m", "sciml.cli.main", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    run.env = env
    return run


@pytest.fixture
def failing_plugin(tmp_path):
    """``run(*args)``: ``sciml`` in a subprocess with a fake installed plug-in ``fail`` (``experiment=fail``)."""
    return make_distribution(tmp_path, "fail_sim", FAILING_EXPERIMENT, "fail", "fail:\n  kind: ok\n")


@pytest.fixture
def fake_distribution():
    """:func:`make_distribution`, for tests that ship their own plug-in."""
    return make_distribution


@pytest.fixture
def toy_pinn_run(tmp_path):
    """``run(*overrides) -> (exit code, folder)``: the default Burgers PINN through the CLI at toy size."""
    from sciml.cli.main import main as cli

    def run(*overrides):
        out = tmp_path / "run"
        toy = ["optimizer.lbfgs_steps=0", "sampling.n_interior=64", "evaluation.nx=16", "evaluation.nt=8"]
        quiet = ["trainer.progress_bar=false", "trainer.tensorboard=false", f"hydra.run.dir={out}"]
        return cli(["run", *toy, *overrides, *quiet]), out

    return run
