"""The flow PINN experiments run end to end at toy sizes and report their specific metrics."""

import json

import numpy as np
import pytest
import torch

from sciml.cli.main import main as cli


def _run(tmp_path, name, *overrides):
    out = tmp_path / name
    code = cli(
        [
            "run",
            f"experiment={name}",
            "trainer.progress_bar=false",
            "trainer.tensorboard=false",
            f"hydra.run.dir={out}",
            *overrides,
        ]
    )
    assert code == 0
    return json.loads((out / "metrics.json").read_text()), out


def test_allen_cahn_runs(tmp_path):
    m, out = _run(
        tmp_path,
        "allen_cahn",
        "optimizer.steps=3",
        "optimizer.lbfgs_steps=0",
        "sampling.n_interior=64",
        "+evaluation.n=64",
        "+evaluation.dt=0.01",
        "evaluation.nx=32",
        "evaluation.nt=11",
    )
    assert (out / "solution.png").exists()
    # The reported error is the trained field's, recomputed here from the saved checkpoint and the spectral reference.
    from omegaconf import OmegaConf

    from sciml.checkpoint import list_checkpoints
    from solvers.pinn import predictor_from_checkpoint
    from solvers.reference import AllenCahnSpectral

    cfg = OmegaConf.load(out / "config.yaml")
    checkpoint = list_checkpoints(out / cfg.trainer.checkpoint.directory, cfg.trainer.checkpoint.prefix)[-1]
    reference = AllenCahnSpectral(**{k: v for k, v in cfg.evaluation.items() if k != "_target_"})
    u = reference.solution(reference.points())
    u_pred = predictor_from_checkpoint(cfg, checkpoint).predict(reference.points())
    recomputed = float(np.linalg.norm(u_pred - u) / np.linalg.norm(u))
    assert m["rel_l2"] == pytest.approx(recomputed, rel=1e-4)


def test_cavity_pinn_reports_ghia_error(tmp_path):
    m, out = _run(
        tmp_path,
        "cavity_re100_pinn",
        "optimizer.steps=3",
        "optimizer.lbfgs_steps=0",
        "sampling.n_interior=64",
        "sampling.n_boundary=32",
        "evaluation.n=16",
    )
    assert {"ghia_max_abs_error", "ghia_rel_l2", "rel_l2"} <= set(m)
    assert (out / "solution.vtu").exists()


@pytest.mark.parametrize("stream_function", [False, True], ids=["velocity", "stream_function"])
def test_cylinder_wake_inverse_runs_on_generated_data(tmp_path, stream_function):
    snap = tmp_path / "snap.h5"
    small = [
        f"+inverse.generator.{k}={v}"
        for k, v in (
            ("nx", 64),
            ("ny", 32),
            ("dt", 0.02),
            ("spinup", 2.0),
            ("duration", 1.0),
            ("every", 0.2),
            ("progress", False),
        )
    ]
    m, out = _run(
        tmp_path,
        "cylinder_wake",
        "optimizer.steps=3",
        "optimizer.lbfgs_steps=0",
        "sampling.n_interior=64",
        f"inverse.observations={tmp_path / 'obs.csv'}",
        "inverse.generate_if_missing=true",
        "inverse.generator.n=100",
        f"inverse.generator.snapshots={snap}",
        f"evaluation.snapshots={snap}",
        "+evaluation.stride_t=2",
        *small,
        *(["model.stream_function=[u,v]"] if stream_function else []),
    )
    assert set(m["identified"]) == {"lambda1", "lambda2"} and m["observations"]["count"] == 100
    assert snap.exists()
    if stream_function:  # the trained network is ψ's: one output fewer, and its velocity is divergence-free
        from safetensors.torch import load_file

        from sciml.autodiff import derivatives
        from sciml.networks import build_network, field_network_spec

        (ckpt,) = (out / "checkpoints").iterdir()
        saved = load_file(ckpt / "model.safetensors")
        weights = {k[len("network.") :]: v for k, v in saved.items() if k.startswith("network.")}
        assert weights["net.head.weight"].shape[0] == 2
        spec = {"name": "mlp", "width": 32, "depth": 6, "stream_function": ["u", "v"]}
        field = build_network(field_network_spec(spec, ("x", "y", "t"), ("u", "v", "p"), ([0, 0, 0], [1, 1, 1])))
        field.load_state_dict(weights)
        d = derivatives(field, torch.rand(64, 3), "autograd", input_names=("x", "y", "t"), output_names=("u", "v", "p"))
        div = (d.d("u", "x") + d.d("v", "y")).detach()
        assert div.abs().max() <= 1e-5 * float(d.d("u", "x").detach().abs().max())
