"""The ModelZoo proves its cards: every entry re-evaluates to its card; files are verified, never unpickled."""

import json
import pickle
import shutil
import subprocess
import sys

import pytest
import torch

from sciml import zoo
from sciml.checkpoint import CheckpointError

REQUIRED = {
    "burgers_pinn",
    "poisson_disk_pinn",
    "darcy_pinn",
    "cavity_re100_pinn",
    "maxwell2d_pinn",
    "maxwell2d_pinn_sharp",
    "darcy_fno",
    "burgers_fno",
    "ns2d_fno",
}


def test_registry_lists_the_entries_with_complete_cards():
    names = set(zoo.list())
    assert REQUIRED <= names
    for n in names:
        card = zoo.info(n)
        for key in (
            "problem",
            "equations",
            "domain",
            "data",
            "architecture",
            "training_command",
            "training_seconds",
            "hardware",
            "metrics",
            "metric_reference",
            "licence",
            "citation",
            "sha256",
            "loader",
        ):
            assert key in card, (n, key)
        assert zoo.sha256(n) == card["sha256"]
    size = sum(f.stat().st_size for f in zoo.ENTRIES.rglob("*") if f.is_file())
    assert size <= 30e6


def test_zoo_eval_passes_on_every_entry():
    r = subprocess.run(
        [sys.executable, "-m", "sciml.cli.main", "zoo", "eval", "all"], capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert r.stdout.count("(fast evaluation)") == len(zoo.list())


def test_eval_fails_when_a_card_drifts(tmp_path, monkeypatch):
    _copy_zoo(tmp_path, monkeypatch, "poisson_disk_pinn")
    card_path = zoo.path("poisson_disk_pinn") / "card.json"
    card = json.loads(card_path.read_text())
    card["metrics"]["rel_l2"] *= 0.5  # a card that claims twice the accuracy
    card_path.write_text(json.dumps(card))
    from sciml.cli.main import main

    assert main(["zoo", "eval", "poisson_disk_pinn"]) == 1


def _copy_zoo(tmp_path, monkeypatch, name):
    root = tmp_path / "zoo"
    shutil.copytree(zoo.ENTRIES / name, root / "entries" / name)
    (root / "registry.json").write_text(
        json.dumps({"entries": {name: {"folder": name, "kind": zoo.info(name)["kind"]}}})
    )
    monkeypatch.setattr(zoo, "ROOT", root)
    monkeypatch.setattr(zoo, "ENTRIES", root / "entries")
    return root / "entries" / name


class _Evil:
    def __reduce__(self):
        return (print, ("this would have run code",))


def test_a_pickle_payload_is_refused(tmp_path, monkeypatch):
    import hashlib

    entry = _copy_zoo(tmp_path, monkeypatch, "poisson_disk_pinn")
    payload = pickle.dumps({"head.weight": _Evil()})
    (entry / "checkpoint" / "model.safetensors").write_bytes(payload)
    digest = hashlib.sha256(payload).hexdigest()  # an attacker can update the hashes too
    meta = json.loads((entry / "checkpoint" / "meta.json").read_text())
    meta["sha256"]["model.safetensors"] = digest
    (entry / "checkpoint" / "meta.json").write_text(json.dumps(meta))
    card = json.loads((entry / "card.json").read_text())
    card["sha256"] = digest
    (entry / "card.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="pickle"):
        zoo.load("poisson_disk_pinn")


def test_checksum_shape_and_missing_tensor_errors_name_the_entry_and_tensor(tmp_path, monkeypatch):
    from safetensors.torch import load_file, save_file

    entry = _copy_zoo(tmp_path, monkeypatch, "poisson_disk_pinn")
    w = entry / "checkpoint" / "model.safetensors"
    good = w.read_bytes()
    w.write_bytes(good[:-7] + b"garbage")
    with pytest.raises(zoo.ZooError, match="poisson_disk_pinn.*SHA-256"):
        zoo.load("poisson_disk_pinn")
    w.write_bytes(good)
    meta_path = entry / "checkpoint" / "meta.json"  # the network is rebuilt from the spec saved beside the weights
    meta = json.loads(meta_path.read_text())
    meta["network"]["kwargs"]["width"] = 24
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="tensor 'hidden.0.weight' changed shape"):
        zoo.load("poisson_disk_pinn")
    meta["network"]["kwargs"]["width"] = 32
    meta_path.write_text(json.dumps(meta))
    tensors = load_file(str(w))
    tensors.pop("head.bias")
    save_file(tensors, str(w))
    import hashlib

    digest = hashlib.sha256(w.read_bytes()).hexdigest()
    for f, key in ((entry / "checkpoint" / "meta.json", None), (entry / "card.json", "sha256")):
        d = json.loads(f.read_text())
        if key:
            d[key] = digest
        else:
            d["sha256"]["model.safetensors"] = digest
        f.write_text(json.dumps(d))
    with pytest.raises(CheckpointError, match=r"missing tensors \['head.bias'\]"):
        zoo.load("poisson_disk_pinn")
    with pytest.raises(zoo.ZooError, match="no zoo entry 'nope'"):
        zoo.load("nope")


@pytest.mark.parametrize("name", zoo.list())
def test_onnx_export_agrees_with_torch(tmp_path, name):
    pytest.importorskip("onnxruntime")
    from sciml.cli.zoo_commands import export_target
    from sciml.export import export_onnx, onnxruntime_parity

    module, example = export_target(zoo.load(name))
    path = export_onnx(module, example, tmp_path / f"{name}.onnx")
    x = torch.rand(1000, example.shape[1]) if example.ndim == 2 else torch.randn(3, *example.shape[1:])
    assert onnxruntime_parity(module, path, x) < 1e-5


def test_spectral_conv_real_arithmetic_path_equals_the_complex_one(float64):
    from sciml.networks.fno import SpectralConv

    for modes, grid in (((5,), (16,)), ((4, 3), (12, 9)), ((3, 3, 2), (8, 7, 6))):
        conv = SpectralConv(3, 2, modes).double()
        v = torch.randn(*grid, 4, 3)
        real = conv._forward_real(v, grid, 4, "cpu")
        torch.testing.assert_close(real, conv(v), rtol=1e-12, atol=1e-12)


def test_predict_cli_writes_csv(tmp_path):
    pts = tmp_path / "pts.csv"
    pts.write_text("x,y\n0.1,0.2\n-0.3,0.4\n")
    out = tmp_path / "u.csv"
    from sciml.cli.main import main

    assert main(["zoo", "predict", "poisson_disk_pinn", "--points", str(pts), "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "x,y,u" and len(lines) == 3  # the inputs beside the outputs
    import math

    x, y = 0.1, 0.2
    exact = math.sin(math.pi * x) * math.sin(math.pi * y) + x * x - y
    row = [float(v) for v in lines[1].split(",")]
    assert row[:2] == [x, y] and abs(row[2] - exact) < 0.01
    # an existing output is not overwritten silently; --force replaces it
    assert main(["zoo", "predict", "poisson_disk_pinn", "--points", str(pts), "--out", str(out)]) == 2
    assert main(["zoo", "predict", "poisson_disk_pinn", "--points", str(pts), "--out", str(out), "--force"]) == 0


def test_fine_tuning_starts_from_the_zoo_weights(tmp_path):
    out = tmp_path / "ft"
    from sciml.cli.main import main

    code = main(
        [
            "run",
            "experiment=poisson_disk",
            "init_from=zoo:poisson_disk_pinn",
            "optimizer.steps=1",
            "optimizer.lbfgs_steps=0",
            "optimizer.lr=1e-9",
            "mode=pynative",
            "trainer.progress_bar=false",
            "trainer.tensorboard=false",
            f"hydra.run.dir={out}",
        ]
    )
    assert code == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["rel_l2"] == pytest.approx(zoo.info("poisson_disk_pinn")["metrics"]["rel_l2"], rel=0.02)


def test_predict_warns_outside_the_trained_domain_and_refuses_non_finite_points(tmp_path, capsys):
    from sciml.cli.main import main

    pts = tmp_path / "far.csv"
    pts.write_text("x,y\n5.0,0.0\n0.1,0.1\n")
    assert main(["zoo", "predict", "poisson_disk_pinn", "--points", str(pts), "--out", str(tmp_path / "a.csv")]) == 0
    assert "1 of 2 points lie outside the domain the model was trained on" in capsys.readouterr().err
    pts.write_text("x,y\n1e300,0.0\n")
    assert main(["zoo", "predict", "poisson_disk_pinn", "--points", str(pts), "--out", str(tmp_path / "b.csv")]) == 2
    pts.write_text("x,y\nnan,0.0\n")
    assert main(["zoo", "predict", "poisson_disk_pinn", "--points", str(pts), "--out", str(tmp_path / "c.csv")]) == 2
    assert "points must be finite; row 0" in capsys.readouterr().err
    assert not (tmp_path / "c.csv").exists()


def test_predict_tolerates_rounding_at_the_domain_edge_but_not_real_extrapolation(tmp_path, capsys):
    """A point 0.06 % past the edge (an FDTD step's rounding of t_end) is not extrapolation; 1 % past is."""
    from sciml.cli.main import main

    pts = tmp_path / "edge.csv"
    pts.write_text("x,y\n1.0006,0.0\n")
    assert main(["zoo", "predict", "poisson_disk_pinn", "--points", str(pts), "--out", str(tmp_path / "a.csv")]) == 0
    assert "outside the domain" not in capsys.readouterr().err
    pts.write_text("x,y\n1.02,0.0\n")
    assert main(["zoo", "predict", "poisson_disk_pinn", "--points", str(pts), "--out", str(tmp_path / "b.csv")]) == 0
    assert "1 of 1 points lie outside the domain" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "is empty"),
        ("x,y\n", "has a header but no rows"),
        ("t,x\n0,0\n", "has columns ['t', 'x']; this model takes ['x', 'y']"),
    ],
)
def test_predict_explains_a_bad_points_file(tmp_path, capsys, content, message):
    from sciml.cli.main import main

    pts = tmp_path / "p.csv"
    pts.write_text(content)
    assert main(["zoo", "predict", "poisson_disk_pinn", "--points", str(pts), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_export_refuses_a_folder_and_an_existing_file_without_force(tmp_path, capsys):
    from sciml.cli.main import main

    assert main(["export", "poisson_disk_pinn", "--out", str(tmp_path)]) == 2
    assert "is a folder; give a file name" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.partial"))
    out = tmp_path / "m.onnx"
    out.write_text("keep me")
    assert main(["export", "poisson_disk_pinn", "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err and out.read_text() == "keep me"
    assert main(["export", "poisson_disk_pinn", "--out", str(out), "--force"]) == 0
    assert out.stat().st_size > 1000 and not list(tmp_path.glob("*.partial"))
