"""Hostile or broken files are refused before they are read: devices, pipes, paths out of a dataset, tampered
training state, planted native libraries, NaN or foreign shards behind a forged manifest hash."""

import hashlib
import json
import os
import threading

import h5py
import numpy as np
import pytest
import torch

from sciml.checkpoint import CheckpointError, load_weights, save_checkpoint
from sciml.data import DatasetError, DatasetWriter, FieldSpec, Schema, ShardedDataset, verify
from sciml.networks import MLP
from sciml.training import Phase, Trainer

SCHEMA = Schema((FieldSpec("a", (4,)),), metadata=())


def _checkpoint(tmp_path):
    torch.manual_seed(0)
    net = MLP(2, 1, 8, 2)
    return net, save_checkpoint(tmp_path / "c", net)


def test_weights_linked_to_dev_zero_are_refused_without_reading(tmp_path):
    net, ckpt = _checkpoint(tmp_path)
    (ckpt / "model.safetensors").unlink()
    os.symlink("/dev/zero", ckpt / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"model.safetensors \(a link to /dev/zero\) is a device, not a regular"):
        load_weights(ckpt, net)


def test_weights_replaced_by_a_named_pipe_are_refused_instead_of_hanging(tmp_path):
    net, ckpt = _checkpoint(tmp_path)
    (ckpt / "model.safetensors").unlink()
    os.mkfifo(ckpt / "model.safetensors")
    result = {}

    def attempt():
        try:
            load_weights(ckpt, net)
        except CheckpointError as err:
            result["err"] = str(err)

    t = threading.Thread(target=attempt, daemon=True)  # a regression (a blocking read) fails instead of hanging
    t.start()
    t.join(10)
    assert not t.is_alive(), "load_weights blocked on a named pipe"
    assert "is a named pipe, not a regular file" in result["err"]


def test_a_truncated_or_padded_safetensors_file_is_caught_by_its_header(tmp_path):
    net, ckpt = _checkpoint(tmp_path)
    f = ckpt / "model.safetensors"
    f.write_bytes(f.read_bytes() + b"\0" * 64)
    with pytest.raises(CheckpointError, match=r"corrupted or truncated: .* \(extra bytes appended\)"):
        load_weights(ckpt, net)


def test_a_manifest_cannot_lead_the_reader_out_of_the_dataset(tmp_path):
    with DatasetWriter(tmp_path / "d", SCHEMA, max_shard_bytes=SCHEMA.sample_nbytes * 4) as w:
        w.extend({"a": np.ones((6, 4), np.float32)})
    man = tmp_path / "d" / "manifest.json"
    for evil in ("../../../../etc/passwd", "/etc/passwd"):
        m = json.loads(man.read_text())
        m["shards"][0]["file"] = evil
        man.write_text(json.dumps(m))
        with pytest.raises(DatasetError, match="(leads outside|is absolute)"):
            ShardedDataset(tmp_path / "d")


def _forge(path, shard_bytes_fn):
    """Replace shard 0 by what ``shard_bytes_fn`` writes, and forge the manifest's size and hash to match."""
    shard = path / "shard-00000.h5"
    shard.unlink()
    shard_bytes_fn(shard)
    m = json.loads((path / "manifest.json").read_text())
    m["shards"][0]["sha256"] = hashlib.sha256(shard.read_bytes()).hexdigest()
    m["shards"][0]["bytes"] = shard.stat().st_size
    (path / "manifest.json").write_text(json.dumps(m))


def test_nan_or_foreign_shards_fail_verify_even_behind_a_forged_hash(tmp_path):
    with DatasetWriter(tmp_path / "d", SCHEMA, max_shard_bytes=SCHEMA.sample_nbytes * 4) as w:
        w.extend({"a": np.ones((6, 4), np.float32)})

    def nan_shard(p):
        with h5py.File(p, "w") as f:
            f["fields/a"] = np.full((4, 4), np.nan, np.float32)

    _forge(tmp_path / "d", nan_shard)
    report = verify(tmp_path / "d")
    assert not report.ok and "field 'a' holds NaN or Inf (shard row 0)" in report.text()

    def foreign(p):
        with h5py.File(p, "w") as f:
            f["fields/b"] = np.ones((4, 7), np.float64)

    _forge(tmp_path / "d", foreign)
    report = verify(tmp_path / "d")
    assert not report.ok and "field 'a' is missing" in report.text()
    with pytest.raises(DatasetError, match="field 'a' is missing"):
        ShardedDataset(tmp_path / "d")


def test_a_tampered_training_state_with_a_forged_hash_is_refused(tmp_path):
    torch.manual_seed(0)
    net = MLP(1, 1, 4, 1)
    x = torch.linspace(0, 1, 8)[:, None]

    def loss():
        return (net(x) ** 2).mean(), {}

    tr = Trainer(loss, net, [Phase("adam", 10, 1e-2)])
    tr.fit()
    ckpt = tr.save_checkpoint(tmp_path / "c")
    state = json.loads((ckpt / "train_state.json").read_text())
    state["__dict__"] = [["step", -5] if k == "step" else [k, v] for k, v in state["__dict__"]]
    data = json.dumps(state).encode()
    (ckpt / "train_state.json").write_bytes(data)
    meta = json.loads((ckpt / "meta.json").read_text())
    meta["sha256"]["train_state.json"] = hashlib.sha256(data).hexdigest()  # the hash matches the tampered file
    (ckpt / "meta.json").write_text(json.dumps(meta))
    fresh = Trainer(loss, net, [Phase("adam", 20, 1e-2)])
    with pytest.raises(ValueError, match="train_state field 'step' is -5, not an integer >= 0"):
        fresh.resume(ckpt)


def test_a_native_library_planted_in_the_cache_is_rebuilt_not_loaded(tmp_path, monkeypatch):
    from solvers.md import native

    if not native.available():
        pytest.skip("no C++ compiler")
    monkeypatch.setenv("SCIML_CACHE", str(tmp_path))
    native.CELL_LIST.reset()
    assert native.available()  # builds into the new cache, recording its hash
    (lib,) = (tmp_path / "native").glob("*.so")
    good = lib.read_bytes()
    planted = lib.with_name("planted")
    planted.write_bytes(b"\x7fELF planted")
    os.replace(
        planted, lib
    )  # someone replaces the library (its record no longer matches); the loaded copy stays mapped
    native.CELL_LIST.reset()
    with pytest.warns(UserWarning, match="does not match its recorded SHA-256"):
        assert native.available()
    assert lib.read_bytes() == good  # rebuilt from source before anything loaded it
