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


@pytest.fixture
def failing_plugin(tmp_path):
    """``run(*args)``: ``sciml`` in a subprocess with a fake installed plug-in ``fail`` (runner=fail)."""
    import os
    import subprocess
    import sys

    site = tmp_path / "site"
    (site / "fail_sim" / "configs" / "experiment").mkdir(parents=True)
    (site / "fail_sim" / "__init__.py").write_text(FAILING_EXPERIMENT)
    (site / "fail_sim" / "configs" / "__init__.py").write_text("")
    (site / "fail_sim" / "configs" / "experiment" / "fail.yaml").write_text(
        "# @package _global_\nexperiment: fail\nrunner: fail\nfail:\n  kind: ok\n"
    )
    dist = site / "fail_sim-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fail-sim\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[sciml.experiments]\nfail = fail_sim:EXPERIMENT\n")
    env = {**os.environ, "PYTHONPATH": str(site) + os.pathsep + os.environ.get("PYTHONPATH", "")}

    def run(*args, cwd=tmp_path):
        """``sciml <args>``; after ``run``, the plug-in's config folder and ``experiment=fail`` come first."""
        if args and args[0] == "run":
            args = ("run", "hydra.searchpath=[pkg://fail_sim.configs]", "experiment=fail", *args[1:])
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
