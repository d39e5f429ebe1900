"""`sciml run` end to end (short), the Python and compose APIs, and bad input at the CLI."""

import json
import os
import subprocess
import sys

import pytest

from sciml.config import compose
from solvers.pinn import solver_from_config
from solvers.reference import BurgersColeHopf

SHORT = [
    "mode=pynative",
    "optimizer.steps=60",
    "optimizer.lbfgs_steps=10",
    "sampling.n_interior=300",
    "model.width=8",
    "model.depth=2",
    "trainer=quiet",
    "trainer.checkpoint.save_checkpoint_steps=30",
    "evaluation.nx=32",
    "evaluation.nt=10",
    "trainer.plots=true",
]


def sciml(args, cwd):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "sciml.cli.main", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600
    )


def _run_dir(tmp_path):
    (d,) = list((tmp_path / "outputs" / "burgers_pinn").iterdir())
    return d


def test_sciml_run_writes_all_outputs(tmp_path):
    r = sciml(["run", *SHORT], tmp_path)
    assert r.returncode == 0, r.stderr
    d = _run_dir(tmp_path)
    m = json.loads((d / "metrics.json").read_text())
    # a short run is eager; its tanh MLP propagates jets natively on the CPU, so auto picks Taylor derivatives
    assert m["steps"] == 70 and 0 < m["rel_l2"] < 1.5 and m["engine"] == "taylor" and m["torch_version"]
    for f in ("config.yaml", "loss.png", "solution.png", "metrics.jsonl", "metrics.csv"):
        assert (d / f).exists(), f
    assert "width: 8" in (d / "config.yaml").read_text()
    ck = sorted((d / "checkpoints").iterdir())
    assert [c.name for c in ck] == ["ckpt-00000060", "ckpt-00000070"]
    # resume from the last good checkpoint with more L-BFGS steps continues from step 70
    r = sciml(["run", *SHORT, "optimizer.lbfgs_steps=20", "resume_from=latest"], tmp_path)
    assert r.returncode == 0, r.stderr
    runs = sorted((tmp_path / "outputs" / "burgers_pinn").iterdir())
    assert json.loads((runs[-1] / "metrics.json").read_text())["steps"] == 80


@pytest.mark.parametrize(
    "args,code,message",
    [
        (["device=gpux"], 2, "expected one of [auto, cpu, gpu, ascend]"),
        (["model.widht=3"], 2, "Valid keys under 'model'"),
        (["problem.nu=1e38"], 2, "Loss became inf at step 1"),
    ],
)
def test_bad_input_gives_clear_error_and_no_results(tmp_path, args, code, message):
    r = sciml(["run", *SHORT, *args], tmp_path)
    assert r.returncode == code
    assert message in r.stderr
    assert not list(tmp_path.glob("outputs/**/metrics.json"))


def test_missing_gpu_is_a_clear_error(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    r = sciml(["run", *SHORT, "device=gpu"], tmp_path)
    assert r.returncode == 2 and "device=gpu was requested" in r.stderr and "device=cpu" in r.stderr
    assert not list(tmp_path.glob("outputs/**/metrics.json"))


def test_corrupted_checkpoint_is_refused(tmp_path):
    assert sciml(["run", *SHORT], tmp_path).returncode == 0
    ck = sorted((_run_dir(tmp_path) / "checkpoints").iterdir())[-1]
    data = (ck / "model.safetensors").read_bytes()
    (ck / "model.safetensors").write_bytes(data[: len(data) // 3])
    r = sciml(["run", *SHORT, f"resume_from={ck}"], tmp_path)
    assert r.returncode == 2 and "corrupted or truncated" in r.stderr


def test_multirun_sweep(tmp_path):
    r = sciml(["run", "-m", *SHORT, "optimizer.lbfgs_steps=0", "model.width=4,6"], tmp_path)
    assert r.returncode == 0, r.stderr
    found = sorted(tmp_path.glob("outputs/burgers_pinn/multirun/*/*/metrics.json"))
    assert len(found) == 2


def test_python_api_from_compose_matches_cli_config(tmp_path):
    cfg = compose(SHORT + ["optimizer.lbfgs_steps=0"])
    solver = solver_from_config(cfg)
    res = solver.fit()
    assert res.steps == 60 and res.history[-1] < res.history[0]
    metrics = solver.evaluate(BurgersColeHopf(nx=16, nt=8))
    assert 0 < metrics["rel_l2"] < 1.5
    with pytest.raises(ValueError, match=r"points must be \[N, 2\]"):
        solver.predict([[0.0, 0.1, 0.2]])
