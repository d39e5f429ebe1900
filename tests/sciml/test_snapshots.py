"""Streaming HDF5 snapshots: complete files read back; an interrupted run leaves a marked .partial file."""

import h5py
import numpy as np
import pytest

from sciml.data import SnapshotWriter, read_snapshots


def test_roundtrip(tmp_path):
    with SnapshotWriter(tmp_path / "s.h5", {"nu": 0.1}) as w:
        for k in range(3):
            w.append(0.5 * k, u=np.full((4, 5), k, float), v=np.arange(3) * k)
    d = read_snapshots(tmp_path / "s.h5")
    assert d["u"].shape == (3, 4, 5) and list(d["t"]) == [0.0, 0.5, 1.0] and d["v"][2, 2] == 4
    assert not (tmp_path / "s.h5.partial").exists()


def test_interrupted_run_keeps_good_snapshots_in_partial_file(tmp_path):
    with pytest.raises(RuntimeError):
        with SnapshotWriter(tmp_path / "s.h5") as w:
            w.append(0.0, u=np.zeros(3))
            w.append(1.0, u=np.ones(3))
            raise RuntimeError("solver blew up")
    assert not (tmp_path / "s.h5").exists()
    with h5py.File(tmp_path / "s.h5.partial", "r") as f:
        assert f["u"].shape == (2, 3) and not f.attrs["complete"]
    with pytest.raises(ValueError, match="unfinished"):
        read_snapshots(tmp_path / "s.h5.partial")


def test_bad_snapshots_are_refused(tmp_path):
    with SnapshotWriter(tmp_path / "s.h5") as w:
        w.append(0.0, u=np.zeros(3))
        with pytest.raises(FloatingPointError, match="not finite"):
            w.append(1.0, u=np.array([0.0, np.nan, 1.0]))
        with pytest.raises(ValueError, match="changed shape"):
            w.append(1.0, u=np.zeros(4))
