"""Hydra multiruns: the joblib launcher runs jobs in parallel processes, the Optuna sweeper searches, and
every sweep ends with sweep_summary.csv/.png built from the jobs' metrics.json; the SLURM config composes."""

import csv
import subprocess
import sys

import pytest


def _multirun(tmp_path, *args):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "sciml.cli.main",
            "run",
            "-m",
            "experiment=heat",
            "optimizer.steps=3",
            "optimizer.lbfgs_steps=0",
            "sampling.n_interior=64",
            "mode=pynative",
            "trainer.progress_bar=false",
            "trainer.tensorboard=false",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
            *args,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return tmp_path / "sweep"


def test_joblib_launcher_runs_two_jobs_and_writes_the_summary(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    sweep = _multirun(tmp_path, "hydra/launcher=local_parallel", "model.width=8,16")
    rows = list(csv.DictReader(open(sweep / "sweep_summary.csv")))
    assert [r["model.width"] for r in rows] == ["8", "16"] and all(r["status"] == "ok" for r in rows)
    assert all(float(r["rel_l2"]) > 0 for r in rows) and (sweep / "sweep_summary.png").exists()


def test_optuna_sweeper_tiny_budget(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    sweep = _multirun(tmp_path, "hydra/sweeper=optuna_tpe", "hydra.sweeper.n_trials=2")
    assert (sweep / "optimization_results.yaml").exists()
    assert len(list(csv.DictReader(open(sweep / "sweep_summary.csv")))) == 2


def test_slurm_launcher_config_composes():
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    from hydra import compose, initialize_config_module

    with initialize_config_module("configs", version_base="1.3"):
        cfg = compose("config", ["hydra/launcher=slurm"], return_hydra_config=True)
    assert cfg.hydra.launcher.gpus_per_node == 1 and "submitit" in cfg.hydra.launcher._target_


def test_summary_marks_failed_jobs(tmp_path):
    import json

    from sciml.cli.sweep_summary import write_summary

    for k, metrics in enumerate([{"rel_l2": 0.1}, None]):
        job = tmp_path / str(k)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text(f"- model.width={8 * (k + 1)}\n")
        if metrics:
            (job / "metrics.json").write_text(json.dumps(metrics))
    rows = list(csv.DictReader(open(write_summary(tmp_path))))
    assert [r["status"] for r in rows] == ["ok", "failed"]
