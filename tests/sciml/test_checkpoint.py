"""Checkpoints: exact round trip, verified loads, clear errors, no pickles, atomic writes."""

import json
import pickle

import pytest
import torch

from sciml.checkpoint import (
    CheckpointError,
    list_checkpoints,
    load_checkpoint,
    load_train_state,
    load_weights,
    read_metadata,
    save_checkpoint,
)
from sciml.networks import MLP, build_network


def _net(width=8):
    torch.manual_seed(0)
    return MLP(2, 1, width, 2, input_bounds=[[-1, 0], [1, 1]])


def test_roundtrip_rebuilds_model_from_spec(tmp_path):
    net = _net()
    state = {"step": 7, "opt": {"m": torch.randn(3), "list": [torch.ones(2), 1.5, None, float("inf")]}, "t": (1, 2)}
    save_checkpoint(tmp_path / "c", net, metadata={"network": net.spec(), "dtype": "float32"}, train_state=state)
    model, meta = load_checkpoint(tmp_path / "c")
    for (k, a), (_, b) in zip(net.state_dict().items(), model.state_dict().items()):
        assert torch.equal(a, b), k
    back = load_train_state(tmp_path / "c")
    assert back["step"] == 7 and torch.equal(back["opt"]["m"], state["opt"]["m"])
    assert back["opt"]["list"][1:] == [1.5, None, float("inf")] and back["t"] == (1, 2)
    assert meta["network"]["name"] == "mlp" and "sha256" in meta


def test_truncated_and_corrupted_files_are_detected(tmp_path):
    net = _net()
    p = save_checkpoint(tmp_path / "c", net, train_state={"x": torch.ones(3)})
    f = p / "model.safetensors"
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupted or truncated"):
        load_weights(p, _net())
    f.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(CheckpointError, match="model.safetensors is corrupted"):
        load_weights(p, _net())
    (p / "meta.json").unlink()
    with pytest.raises(CheckpointError, match="incomplete"):
        load_weights(p, _net())


def test_shape_dtype_and_name_mismatch_name_the_tensor(tmp_path):
    p = save_checkpoint(tmp_path / "c", _net(8))
    with pytest.raises(CheckpointError, match=r"'hidden.0.weight' changed shape from \(8, 2\)"):
        load_weights(p, _net(16))
    with pytest.raises(CheckpointError, match="'normalize.scale' is torch.float32 in the file but torch.float64"):
        load_weights(p, _net(8).double())
    other = MLP(2, 1, 8, 3, input_bounds=[[-1, 0], [1, 1]])
    with pytest.raises(CheckpointError, match=r"unexpected tensors \['hidden.2.bias'"):
        load_weights(save_checkpoint(tmp_path / "d", other), _net(8))
    with pytest.raises(CheckpointError, match=r"missing tensors \['hidden.2.bias'"):
        load_weights(p, other)


def test_pickle_payload_is_refused(tmp_path):
    p = save_checkpoint(tmp_path / "c", _net())
    meta = json.loads((p / "meta.json").read_text())

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    payload = pickle.dumps(Evil(), protocol=4)
    (p / "model.safetensors").write_bytes(payload)
    import hashlib

    meta["sha256"]["model.safetensors"] = hashlib.sha256(payload).hexdigest()  # even with a matching hash
    (p / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="never unpickles"):
        load_weights(p, _net())
    torch.save(_net().state_dict(), p / "model.safetensors")
    meta["sha256"]["model.safetensors"] = hashlib.sha256((p / "model.safetensors").read_bytes()).hexdigest()
    (p / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="pickle/torch.save"):
        load_weights(p, _net())


def test_nan_weights_are_not_saved_and_writes_are_atomic(tmp_path):
    net = _net()
    good = save_checkpoint(tmp_path / "ckpt-00000001", net)
    with torch.no_grad():
        net.head.bias.fill_(float("nan"))
    with pytest.raises(CheckpointError, match="'head.bias' holds NaN"):
        save_checkpoint(tmp_path / "ckpt-00000002", net)
    assert list_checkpoints(tmp_path) == [good]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_metadata_errors(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        read_metadata(tmp_path / "nope")
    with pytest.raises(CheckpointError, match="JSON-serialisable"):
        save_checkpoint(tmp_path / "c", _net(), metadata={"bad": object()})
    with pytest.raises(ValueError, match="Registered networks"):
        build_network({"name": "resnet", "kwargs": {}})
