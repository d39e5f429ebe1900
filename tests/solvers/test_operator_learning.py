"""Operator learning: mini-batch training through the Trainer, rollout, windows and the experiment runner."""

import json
import math

import pytest
import torch

from sciml.cli.main import main as cli
from sciml.training import Phase, Trainer
from solvers.operators import rollout, rollout_error, windows


def test_trainer_iterates_minibatches_and_counts_epochs():
    torch.manual_seed(0)
    x = torch.randn(10, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = torch.nn.Linear(3, 1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=4, shuffle=True)
    seen = []

    def loss_fn(batch):
        xb, yb = batch
        seen.append(len(xb))
        loss = ((model(xb) - yb) ** 2).mean()
        return loss, {"mse": loss}

    tr = Trainer(loss_fn, model, [Phase("adam", steps=9, lr=0.05)], data=loader)
    res = tr.fit()
    assert seen == [4, 4, 2] * 3 and tr.epoch == 2 and res.steps == 9
    empty = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x[:0], y[:0]), batch_size=4)
    with pytest.raises(ValueError, match="no batches"):
        Trainer(loss_fn, model, [Phase("adam", steps=1)], data=empty).fit()


def test_windows_and_rollout_of_an_exact_one_step_map():
    """For ω_{t+1} = 0.9 ω_t (a linear map, written as a 'model'), rollout reproduces the closed form."""
    traj = torch.stack([0.9**t * torch.ones(2, 4, 4) for t in range(8)], 1)  # [2, 8, 4, 4]
    x, y = windows(traj, 3)
    assert x.shape == (2 * 5, 3, 4, 4) and y.shape == (2 * 5, 1, 4, 4)
    torch.testing.assert_close(y[0, 0], 0.9**3 * torch.ones(4, 4))
    model = lambda frames: 0.9 * frames[:, -1:]
    pred = rollout(model, traj[:, :3], 5)
    torch.testing.assert_close(pred, traj[:, 3:])
    err = rollout_error(model, traj, 3)
    assert err["rel_l2"] < 1e-6 and err["steps"] == 5
    drift = rollout_error(lambda f: 0.91 * f[:, -1:], traj, 3)["rel_l2_per_step"]
    assert all(b > a for a, b in zip(drift, drift[1:]))  # errors compound along the rollout


@pytest.mark.parametrize(
    "experiment,extra",
    [
        (
            "fno_darcy",
            ["dataset.params.resolution=17", "operator.network.kwargs.modes=[4,4]", "operator.network.kwargs.width=8"],
        ),
        ("deeponet_darcy", ["dataset.params.resolution=17", "operator.sensor_stride=2"]),
        (
            "fno_darcy",
            [
                "dataset.params.resolution=17",
                "operator.network.kwargs.modes=[4,4]",
                "operator.in_memory=false",
                "operator.workers=2",
            ],
        ),
        (
            "fno_burgers",
            [
                "dataset.params.resolution=64",
                "dataset.params.solve_resolution=128",
                "operator.network.kwargs.modes=[8]",
            ],
        ),
    ],
)
def test_operator_experiment_runs_end_to_end(tmp_path, experiment, extra):
    out = tmp_path / "run"
    code = cli(
        [
            "run",
            f"experiment={experiment}",
            f"dataset.path={tmp_path / 'data'}",
            "dataset.samples=12",
            "dataset.processes=1",
            "operator.n_train=8",
            "operator.n_test=4",
            "operator.epochs=2",
            "operator.batch_size=4",
            "trainer.progress_bar=false",
            f"hydra.run.dir={out}",
            *extra,
        ]
    )
    assert code == 0
    m = json.loads((out / "metrics.json").read_text())
    assert math.isfinite(m["rel_l2"]) and m["n_train"] == 8 and m["steps"] == 4
    assert (out / "prediction.png").exists() and (out / "loss.png").exists()
    assert (out / "checkpoints" / "final" / "meta.json").exists()


def test_ns2d_experiment_reports_rollout_error(tmp_path):
    out = tmp_path / "run"
    code = cli(
        [
            "run",
            "experiment=fno_ns2d",
            f"dataset.path={tmp_path / 'data'}",
            "dataset.samples=4",
            "dataset.processes=1",
            "dataset.params.resolution=16",
            "dataset.params.t_final=6",
            "operator.window=3",
            "operator.n_train=2",
            "operator.n_test=2",
            "operator.epochs=1",
            "operator.network.kwargs.in_channels=3",
            "operator.network.kwargs.modes=[4,4]",
            "trainer.progress_bar=false",
            f"hydra.run.dir={out}",
        ]
    )
    assert code == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["rollout_steps"] == 4 and len(m["rel_l2_per_step"]) == 4 and math.isfinite(m["rel_l2"])


def test_too_few_samples_is_a_clear_error(tmp_path):
    code = cli(
        [
            "run",
            "experiment=fno_darcy",
            f"dataset.path={tmp_path / 'data'}",
            "dataset.samples=4",
            "dataset.params.resolution=9",
            "operator.n_train=8",
            "operator.n_test=4",
            f"hydra.run.dir={tmp_path / 'run'}",
        ]
    )
    assert code == 2
    assert "exceeds the 4 samples" in (tmp_path / "run" / "FAILED.txt").read_text()


def test_generate_cli(tmp_path, capsys):
    assert (
        cli(
            [
                "generate",
                "dataset=darcy",
                f"dataset.path={tmp_path / 'd'}",
                "dataset.samples=3",
                "dataset.processes=1",
                "dataset.params.resolution=9",
            ]
        )
        == 0
    )
    assert "dataset ready" in capsys.readouterr().out
    assert cli(["data", "verify", str(tmp_path / "d")]) == 0
    assert cli(["generate"]) == 2
    assert "Available" in capsys.readouterr().err
