"""Plug-ins by entry points: a third-party package adds an experiment exactly as sciml's own solvers do."""

import json

import pytest

from sciml.plugins import PluginError, available, load

TOY = '''
"""A third-party experiment: exponential decay after ``steps`` steps of ``rate`` (exact: (1 - rate) ** steps)."""
from dataclasses import dataclass

from sciml.config import check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, start_run


@dataclass(frozen=True)
class ToySettings:
    """Decay ``rate`` per step for ``steps`` steps."""

    rate: float = 0.5
    steps: int = 10

    def __post_init__(self):
        check_range("steps", self.steps, low=1, integer=True)


def run(cfg, out_dir="."):
    """Write ``value = (1 - rate) ** steps``."""
    p = settings(cfg.toy, ToySettings)
    out, t0 = start_run(cfg, out_dir)
    return finish_run(out, cfg, t0, {"value": (1 - p.rate) ** p.steps})


EXPERIMENT = Experiment(run=run, nodes={"toy": ToySettings}, description="toy decay")
'''


@pytest.fixture
def third_party(tmp_path, fake_distribution):
    """A fake installed distribution ``toy-sim``: a package, its experiment YAML and its entry point."""
    return fake_distribution(tmp_path, "toy_sim", TOY, "toy", "toy:\n  steps: 4\n"), tmp_path


def test_a_third_party_experiment_registers_composes_validates_and_runs(third_party):
    sciml, tmp = third_party
    listed = sciml("list")
    assert listed.returncode == 0 and "toy" in listed.stdout and "toy decay" in listed.stdout
    r = sciml("run", "toy.steps=3", f"hydra.run.dir={tmp / 'run'}")
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((tmp / "run" / "metrics.json").read_text())["value"] == 0.5**3
    bad = sciml("run", "toy.stepz=3", f"hydra.run.dir={tmp / 'bad'}")
    assert bad.returncode == 2 and "Valid keys under 'toy': ['rate', 'steps']" in bad.stderr
    assert not (tmp / "bad").exists()  # refused before any folder was made
    zero = sciml("run", "toy.steps=0", f"hydra.run.dir={tmp / 'zero'}")
    assert zero.returncode == 2 and "toy.steps = 0 is out of range" in zero.stderr


def test_unregistered_names_fail_with_the_registered_ones():
    with pytest.raises(
        PluginError, match=r"no experiment runner .* registered as 'solvers.pinn.run_experiment'.*'pinn'"
    ):
        load("sciml.experiments", "solvers.pinn.run_experiment")
    with pytest.raises(PluginError, match="unknown plug-in group"):
        available("sciml.nothing")


def test_a_checkout_without_installed_metadata_reads_pyproject(monkeypatch):
    """A bare checkout on PYTHONPATH (e.g. the GPU machine) finds the same entry points in pyproject.toml."""
    from importlib import metadata

    import sciml.plugins as plugins

    installed = {name: load("sciml.experiments", name) for name in available("sciml.experiments")}

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(plugins.metadata, "distribution", missing)
    monkeypatch.setattr(plugins.metadata, "entry_points", lambda group: [])
    plugins.clear_cache()
    try:
        assert available("sciml.experiments") == sorted(installed)
        assert load("sciml.experiments", "pinn") is installed["pinn"]
    finally:
        monkeypatch.undo()
        plugins.clear_cache()
