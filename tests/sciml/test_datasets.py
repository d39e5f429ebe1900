"""Sharded HDF5 datasets: round trips, statistics, torn writes, corruption, bad input, loaders, CLI."""

import json
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest
import torch

from sciml.cli.main import main as cli
from sciml.data import (
    DatasetError,
    DatasetWriter,
    FieldSpec,
    GaussianNormalizer,
    Schema,
    ShardedDataset,
    make_loader,
    verify,
)

SCHEMA = Schema((FieldSpec("a", (6, 5)), FieldSpec("u", (6, 5), "float64", units="Pa")), metadata=("nu",))


def _arrays(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 6, 5)).astype(np.float32), rng.standard_normal((n, 6, 5)), rng.uniform(0, 1, n)


def _write(path, a, u, nu, shard_samples=7, **kw):
    with DatasetWriter(path, SCHEMA, max_shard_bytes=SCHEMA.sample_nbytes * shard_samples, **kw) as w:
        for i in range(0, len(a), 5):
            w.extend({"a": a[i : i + 5], "u": u[i : i + 5]}, {"nu": nu[i : i + 5]})
    return path


def test_round_trip_shards_and_random_access(tmp_path):
    a, u, nu = _arrays(30)
    ds = ShardedDataset(_write(tmp_path / "d", a, u, nu))
    assert len(ds) == 30 and len(ds.shards) == 5  # 7 per shard
    for i in np.random.default_rng(1).permutation(30):
        s = ds[int(i)]
        np.testing.assert_array_equal(s["a"].numpy(), a[i])
        np.testing.assert_array_equal(s["u"].numpy(), u[i])
    np.testing.assert_array_equal(ds.read("u"), u)
    np.testing.assert_array_equal(ds.metadata["nu"], nu)
    sub = ds.where(lambda m: m["nu"] > 0.5)
    np.testing.assert_array_equal(sub.read("a"), a[nu > 0.5])


def test_streaming_statistics_match_numpy(tmp_path):
    a, u, nu = _arrays(23)
    st = ShardedDataset(_write(tmp_path / "d", a, u, nu)).statistics()
    np.testing.assert_allclose(st["u"].mean, u.mean(0), atol=1e-12)
    np.testing.assert_allclose(st["u"].std, u.std(0), atol=1e-12)
    m, s = st["a"].scalar()
    assert abs(m - a.astype(np.float64).mean()) < 1e-12 and abs(s - a.astype(np.float64).std()) < 1e-12
    norm = GaussianNormalizer.from_moments(st["u"])
    x = torch.from_numpy(u)
    torch.testing.assert_close(norm.decode(norm.encode(x.float())), x.float(), rtol=1e-5, atol=1e-5)
    ref = GaussianNormalizer.fit(x.float())
    torch.testing.assert_close(norm.mean, ref.mean, atol=1e-5, rtol=1e-5)


def test_splits_are_disjoint_and_cover(tmp_path):
    a, u, nu = _arrays(30)
    ds = ShardedDataset(_write(tmp_path / "d", a, u, nu))
    tr, te = ds.split([0.8, 0.2], by="sample", seed=3)
    assert len(tr) == 24 and len(te) == 6 and not set(tr.indices) & set(te.indices)
    parts = ds.split([0.6, 0.4], by="shard")
    assert sum(len(p) for p in parts) == 30 and not set(parts[0].indices) & set(parts[1].indices)
    r0, r1 = ds.for_rank(0, 2), ds.for_rank(1, 2)
    assert sorted(list(r0.indices) + list(r1.indices)) == list(range(30))
    with pytest.raises(DatasetError, match="ranks but only"):
        ds.for_rank(0, 9)


def test_dataloader_with_workers_sees_every_sample_once(tmp_path):
    a, u, nu = _arrays(30)
    ds = ShardedDataset(_write(tmp_path / "d", a, u, nu))
    seen = torch.cat([b["a"] for b in make_loader(ds, batch_size=4, workers=2)])
    got = sorted(map(tuple, seen.reshape(30, -1).numpy().round(6)))
    assert got == sorted(map(tuple, a.reshape(30, -1).round(6)))


_CHILD = textwrap.dedent("""
    import sys, time, numpy as np
    from sciml.data import DatasetWriter, FieldSpec, Schema
    schema = Schema((FieldSpec("a", (6, 5)), FieldSpec("u", (6, 5), "float64", units="Pa")), metadata=("nu",))
    w = DatasetWriter(sys.argv[1], schema, max_shard_bytes=schema.sample_nbytes * 7)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1000, 6, 5)).astype(np.float32); u = rng.standard_normal((1000, 6, 5))
    for i in range(1000):
        w.append({"a": a[i], "u": u[i]}, {"nu": 0.1})
        time.sleep(0.01)
""")


def test_killed_writer_leaves_valid_shards_and_resume_completes(tmp_path):
    path = tmp_path / "d"
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(path)])
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            man = path / "manifest.json"
            if man.exists() and len(json.loads(man.read_text())["shards"]) >= 2:
                break
            time.sleep(0.05)
        time.sleep(0.03)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    committed = json.loads((path / "manifest.json").read_text())["samples"]
    assert committed >= 14 and committed % 7 == 0
    with pytest.raises(DatasetError, match="incomplete"):
        ShardedDataset(path)
    ds = ShardedDataset(path, allow_incomplete=True)
    assert len(ds) == committed
    rng = np.random.default_rng(0)
    ref = rng.standard_normal((1000, 6, 5)).astype(np.float32)
    u_ref = rng.standard_normal((1000, 6, 5))
    np.testing.assert_array_equal(ds.read("a"), ref[:committed])
    report = verify(path)
    assert not report.ok and not report.torn and "did not finish" in report.text()  # the open shard was in memory
    # resume continues after the committed samples
    with DatasetWriter(path, SCHEMA, max_shard_bytes=SCHEMA.sample_nbytes * 7, resume=True) as w:
        start = w.samples_written
        assert start == committed
        for i in range(start, committed + 10):
            w.append({"a": ref[i], "u": u_ref[i]}, {"nu": 0.1})
    assert verify(path).ok
    full = ShardedDataset(path)
    np.testing.assert_array_equal(full.read("a"), ref[: committed + 10])
    np.testing.assert_allclose(full.statistics()["u"].mean, u_ref[: committed + 10].mean(0), atol=1e-12)


def test_corrupted_shard_is_reported_with_file_field_and_sample(tmp_path):
    a, u, nu = _arrays(14)
    path = _write(tmp_path / "d", a, u, nu)
    shard = path / "shard-00001.h5"
    with h5py.File(shard, "r") as f:
        offset = f["fields/u"].id.get_chunk_info(0).byte_offset  # tiny fields: one chunk holds rows 0-6
    raw = bytearray(shard.read_bytes())
    raw[offset + 5] ^= 0xFF
    shard.write_bytes(bytes(raw))
    report = verify(path)
    assert not report.ok and "shard-00001.h5" in report.text()
    ds = ShardedDataset(path)
    ds[2]  # other shards still read
    with pytest.raises(DatasetError, match=r"sample 10 .*shard-00001\.h5.*field 'u'"):
        ds[10]
    assert cli(["data", "verify", str(path)]) == 1


def test_bad_samples_name_the_sample_and_field(tmp_path):
    a, u, nu = _arrays(3)
    with DatasetWriter(tmp_path / "d", SCHEMA) as w:
        w.append({"a": a[0], "u": u[0]}, {"nu": 0.1})
        with pytest.raises(DatasetError, match=r"sample 1, field 'a': shape \(5, 6\)"):
            w.append({"a": a[1].T, "u": u[1]}, {"nu": 0.1})
        with pytest.raises(DatasetError, match=r"missing fields \['u'\]"):
            w.append({"a": a[1]}, {"nu": 0.1})
        with pytest.raises(DatasetError, match="NaN"):
            w.append({"a": np.full((6, 5), np.nan, np.float32), "u": u[1]}, {"nu": 0.1})
        with pytest.raises(DatasetError, match="metadata missing"):
            w.append({"a": a[1], "u": u[1]}, {})
        with pytest.raises(DatasetError, match="cannot be stored"):
            DatasetWriter(tmp_path / "i", Schema((FieldSpec("k", (2,), "int32"),))).append({"k": np.ones(2)})
    with pytest.raises(DatasetError, match="already exists"):
        DatasetWriter(tmp_path / "d", SCHEMA)
    other = Schema((FieldSpec("a", (6, 5)),))
    with pytest.raises(DatasetError, match="already complete|schema differs"):
        DatasetWriter(tmp_path / "d", other, resume=True)


def test_reader_refuses_schema_mismatch_and_missing_shards(tmp_path):
    a, u, nu = _arrays(14)
    path = _write(tmp_path / "d", a, u, nu)
    with h5py.File(path / "shard-00001.h5", "a") as f:
        del f["fields/u"]
        f.create_dataset("fields/u", data=np.zeros((7, 5, 6)))
    man = json.loads((path / "manifest.json").read_text())
    man["shards"][1]["bytes"] = (path / "shard-00001.h5").stat().st_size
    (path / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(DatasetError, match=r"shard-00001\.h5, field 'u': stored \(7, 5, 6\)"):
        ShardedDataset(path)
    (path / "shard-00001.h5").unlink()
    with pytest.raises(DatasetError, match="listed in .* but missing"):
        ShardedDataset(path)
    with pytest.raises(DatasetError, match="no field 'p'"):
        ShardedDataset(_write(tmp_path / "e", a, u, nu), fields=["p"])
    with pytest.raises(DatasetError, match="does not exist"):
        ShardedDataset(tmp_path / "nowhere")


def test_cli_info_and_verify(tmp_path, capsys):
    a, u, nu = _arrays(10)
    path = _write(tmp_path / "d", a, u, nu, compression="gzip")
    assert cli(["data", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "samples   10 in 2 shards" in out and "[Pa]" in out and "compression=gzip" in out
    assert cli(["data", "verify", str(path)]) == 0
    assert "OK" in capsys.readouterr().out
    assert cli(["data", "info", str(tmp_path / "missing")]) == 2


def test_mesh_fields_round_trip_through_meshio(tmp_path):
    import meshio

    from sciml.data import mesh_schema, read_mesh, sample_from_mesh, save_dataset_mesh, write_sample_vtu

    pts = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]], float)
    mesh = meshio.Mesh(
        pts, [("triangle", np.array([[0, 1, 2], [1, 3, 2]]))], point_data={"T": pts[:, 0] + 2 * pts[:, 1]}
    )
    meshio.write(tmp_path / "in.vtu", mesh)
    m = read_mesh(tmp_path / "in.vtu")
    schema = mesh_schema(m, {"T": 1})
    with DatasetWriter(tmp_path / "d", schema) as w:
        w.append(sample_from_mesh(m, ["T"]))
    save_dataset_mesh(tmp_path / "d", m)
    ds = ShardedDataset(tmp_path / "d")
    out = write_sample_vtu(tmp_path / "out.vtu", read_mesh(tmp_path / "d" / "mesh.vtu"), ds[0])
    back = meshio.read(out)
    np.testing.assert_allclose(back.point_data["T"], mesh.point_data["T"], rtol=1e-6)
    with pytest.raises(DatasetError, match="does not exist"):
        read_mesh(tmp_path / "none.msh")
    with pytest.raises(DatasetError, match="no point data"):
        sample_from_mesh(m, ["p"])


def test_resume_after_a_kill_between_statistics_and_manifest_rebuilds_the_statistics(tmp_path):
    """The writer commits a shard, then its statistics, then the manifest; killed between the last two, the
    statistics on disk describe a shard the manifest does not list. Resume notices (hash) and recomputes them."""
    from sciml.data.writer import save_stats

    a, u, nu = _arrays(30)
    path = tmp_path / "d"
    w = DatasetWriter(path, SCHEMA, max_shard_bytes=SCHEMA.sample_nbytes * 7)
    w.extend({"a": a[:14], "u": u[:14]}, {"nu": nu[:14]})  # two committed shards
    extra = {k: m.__class__.empty(m.mean.shape) for k, m in w.moments.items()}
    for k in extra:
        extra[k].update(np.ones((3, 6, 5)))
    save_stats(path, extra)  # statistics of an uncommitted state, as if killed before the manifest was written
    w.abandon()
    with DatasetWriter(path, SCHEMA, max_shard_bytes=SCHEMA.sample_nbytes * 7, resume=True) as w2:
        w2.extend({"a": a[14:], "u": u[14:]}, {"nu": nu[14:]})
    stats = ShardedDataset(path).statistics()
    np.testing.assert_allclose(stats["u"].mean, u.mean(0), atol=1e-12)
    np.testing.assert_allclose(stats["a"].mean, a.astype(np.float64).mean(0), atol=1e-6)
