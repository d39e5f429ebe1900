"""Inverse PINNs: observation files (CSV/HDF5) with clear errors, and coefficient identification."""

import math

import h5py
import numpy as np
import pytest
import torch

from physics import Heat1D
from sciml.geometry import Interval, SpaceTime, TimeDomain
from sciml.training import Phase
from solvers.pinn import PINNSolver, Sampling
from solvers.pinn.inverse import load_observations
from solvers.reference import burgers_observations


def test_csv_and_hdf5_observations_round_trip(tmp_path):
    p = burgers_observations(tmp_path / "obs.csv", n=50, noise=0.0)
    obs = load_observations(p, ("x", "t"), ("u",))
    assert obs.x.shape == (50, 2) and obs.y.shape == (50, 1)
    with h5py.File(tmp_path / "obs.h5", "w") as f:
        for i, c in enumerate(("x", "t")):
            f[c] = obs.x[:, i].numpy()
        f["u"] = obs.y[:, 0].numpy()
    torch.testing.assert_close(load_observations(tmp_path / "obs.h5", ("x", "t"), ("u",)).y, obs.y)
    from solvers.reference import burgers_cole_hopf

    ref = burgers_cole_hopf(obs.x[:, 0].double().numpy(), obs.x[:, 1].double().numpy())
    np.testing.assert_allclose(obs.y[:, 0].numpy(), ref, rtol=1e-5, atol=1e-6)


def test_bad_observation_files_fail_clearly(tmp_path):
    (tmp_path / "cols.csv").write_text("x,time,u\n0,0,1\n")
    with pytest.raises(ValueError, match=r"lacks columns \['t'\]"):
        load_observations(tmp_path / "cols.csv", ("x", "t"), ("u",))
    (tmp_path / "nan.csv").write_text("x,t,u\n0,0,1\n0.5,nan,2\n")
    with pytest.raises(ValueError, match=r"column 't' has NaN/Inf at row 2"):
        load_observations(tmp_path / "nan.csv", ("x", "t"), ("u",))
    with pytest.raises(FileNotFoundError):
        load_observations(tmp_path / "none.csv", ("x", "t"), ("u",))
    (tmp_path / "obs.txt").write_text("x t u\n")
    with pytest.raises(ValueError, match="unsupported type"):
        load_observations(tmp_path / "obs.txt", ("x", "t"), ("u",))


class _ExactHeat(torch.nn.Module):
    def forward(self, x):
        return Heat1D(0.1).exact(x)


def test_heat_diffusivity_is_identified(float64):
    """With the field known exactly, minimising the residual over α recovers α = 0.1 from α₀ = 0.5."""
    geo = SpaceTime(Interval(0, 1), TimeDomain(0, 1))
    s = PINNSolver(
        Heat1D(0.5),
        geo,
        _ExactHeat(),
        [Phase("adam", 100, 0.05), Phase("lbfgs", 10)],
        Sampling(500, 20, 20),
        hard_constraints=False,
        dtype="float64",
        unknowns={"alpha": {"initial": 0.5, "positive": True}},
    )
    s.fit()
    assert abs(s.identified()["alpha"] - 0.1) < 1e-6
    with pytest.raises(ValueError, match=r"\['kappa'\] are not coefficients"):
        PINNSolver(
            Heat1D(0.5),
            geo,
            _ExactHeat(),
            [Phase("adam", 1)],
            Sampling(10, 0, 0),
            hard_constraints=False,
            unknowns={"kappa": {"initial": 1.0}},
        )


def _run_burgers_inverse(tmp_path, *overrides: str) -> dict:
    """``sciml run experiment=burgers_inverse`` on observations generated into ``tmp_path``; its metrics."""
    import json

    from sciml.cli.main import main as cli

    out = tmp_path / "run"
    code = cli(
        [
            "run",
            "experiment=burgers_inverse",
            f"inverse.observations={tmp_path / 'obs.csv'}",
            "inverse.generate_if_missing=true",
            "trainer.progress_bar=false",
            "trainer.tensorboard=false",
            f"hydra.run.dir={out}",
            *overrides,
        ]
    )
    assert code == 0
    return json.loads((out / "metrics.json").read_text())


def test_inverse_experiment_reports_parameter_error(tmp_path):
    m = _run_burgers_inverse(
        tmp_path, "inverse.generator.n=200", "optimizer.steps=5", "optimizer.lbfgs_steps=0", "sampling.n_interior=200"
    )
    assert set(m["identified"]) == {"nu"} and m["observations"]["count"] == 200
    assert m["parameter_rel_error"]["nu"] == pytest.approx(
        abs(m["identified"]["nu"] - 0.01 / math.pi) / (0.01 / math.pi)
    )


def test_a_misspelt_observation_path_fails_naming_it_instead_of_inventing_data(tmp_path):
    from sciml.cli.main import main as cli

    out = tmp_path / "run"
    typo = tmp_path / "typo.csv"
    code = cli(
        [
            "run",
            "experiment=burgers_inverse",
            f"inverse.observations={typo}",
            "optimizer.steps=2",
            "optimizer.lbfgs_steps=0",
            "trainer.progress_bar=false",
            f"hydra.run.dir={out}",
        ]
    )
    assert code == 2 and not typo.exists() and not (out / "metrics.json").exists()
    assert f"observation file {typo} (inverse.observations) does not exist" in (out / "FAILED.txt").read_text()


@pytest.mark.slow
def test_shipped_burgers_inverse_identifies_viscosity_within_one_percent(tmp_path):
    """The shipped config (2000 observations, 1 % noise) finds ν = 0.01/π to ≤ 1 % (issue 21's goal; Raissi et al.
    2019 report 0.84 % at this noise level). About 4 minutes on 2 cores."""
    m = _run_burgers_inverse(tmp_path)
    assert abs(m["identified"]["nu"] - 0.01 / math.pi) / (0.01 / math.pi) <= 0.01
    assert m["rel_l2"] <= 2e-3


def test_an_inverse_loss_compiles_as_one_graph_and_follows_the_eager_run(tmp_path, monkeypatch):
    """``mode=graph`` compiles an inverse run's loss as well (the unknowns enter it as tensors): burgers_inverse
    traces as one graph, and 15 Adam steps compiled give the eager run's losses and ν estimates to float32
    rounding, without recompiling once the first step has compiled."""
    from sciml.config import compose
    from solvers.pinn.build import solver_from_config

    overrides = [
        "experiment=burgers_inverse",
        f"inverse.observations={tmp_path / 'obs.csv'}",
        "inverse.generate_if_missing=true",
        "inverse.generator.n=300",
        "sampling.n_interior=256",
        "optimizer.steps=15",
        "optimizer.lbfgs_steps=0",
        "trainer.progress_bar=false",
    ]
    runs = {}
    for mode in ("pynative", "graph"):
        torch._dynamo.reset()
        torch.manual_seed(0)  # the same initial network in both runs
        solver = solver_from_config(compose([*overrides, f"mode={mode}"]))
        if mode == "graph":
            explanation = torch._dynamo.explain(solver.loss)()
            assert explanation.graph_break_count == 0 and explanation.graph_count == 1, explanation.break_reasons
            torch._dynamo.reset()
            assert solver.loss_mode == "graph"
            with torch._dynamo.config.patch(error_on_recompile=True):
                history = solver.fit().history
        else:
            history = solver.fit().history
        runs[mode] = (torch.tensor(history), solver.identified()["nu"])
    (eager, nu_eager), (graph, nu_graph) = runs["pynative"], runs["graph"]
    assert len(eager) == 15 and float(eager[-1]) < float(eager[0])
    torch.testing.assert_close(graph, eager, rtol=5e-4, atol=1e-6)
    assert nu_graph != 0.05 and nu_graph == pytest.approx(nu_eager, rel=1e-4)
