"""The benchmark scripts' shared rules: pinned threads, the load guard, and goals that stay when they are missed."""

import json
import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import _common  # noqa: E402
import make_tables  # noqa: E402


def _load(monkeypatch, values):
    it = iter(values)
    monkeypatch.setattr(_common.os, "getloadavg", lambda: (next(it), 0.0, 0.0))
    monkeypatch.setattr(_common.os, "cpu_count", lambda: 2)


def test_busy_machine_refuses_to_write(monkeypatch, tmp_path):
    _load(monkeypatch, [3.5, 1.0])  # a co-tenant before the run
    guard = _common.LoadGuard(force=False)
    with pytest.raises(SystemExit, match="exceeded the 2 cores"):
        _common.write_json(tmp_path / "r.json", [], guard=guard)
    assert not (tmp_path / "r.json").exists()


def test_forced_busy_run_says_so(monkeypatch, tmp_path):
    _load(monkeypatch, [0.5, 3.6])  # the after figure includes our own threads: limit is cores + 1
    _common.write_json(tmp_path / "r.json", [{"case": "c"}], guard=_common.LoadGuard(force=True))
    machine = json.loads((tmp_path / "r.json").read_text())["machine"]
    assert machine["busy"] and machine["forced"]
    assert machine["load_before"] == 0.5 and machine["load_after"] == 3.6
    assert 0 < machine["pace_ms_before"] < 10_000 and 0 < machine["pace_ms_after"] < 10_000  # the pace is recorded


def test_own_threads_do_not_count_as_busy(monkeypatch, tmp_path):
    _load(monkeypatch, [0.4, 2.3])  # a two-thread benchmark alone reads about 2 afterwards
    _common.write_json(tmp_path / "r.json", [], guard=_common.LoadGuard())
    assert json.loads((tmp_path / "r.json").read_text())["machine"]["busy"] is False


def test_pin_threads_exports_to_peers(monkeypatch):
    for key in _common.THREAD_VARS:
        monkeypatch.delenv(key, raising=False)
    env = _common.pin_threads(1)
    assert env["OMP_NUM_THREADS"] == os.environ["OMP_NUM_THREADS"] == "1"
    assert "intra_op_parallelism_threads=1" in env["XLA_FLAGS"]


def test_missed_goal_is_reported_with_its_gap():
    assert "not met" in make_tables._goal("fdtd_64_1thread", "meep", 0.5)
    assert "gap 2.00×" in make_tables._goal("fdtd_64_1thread", "meep", 0.5)
    assert "**met**" in make_tables._goal("pinn_step", "deepxde", 3.2)
    assert make_tables._goal("md", "lammps_opt", 0.4) == ""  # no goal set: none invented


def test_peer_ratio_rows_carry_conditions():
    rows = _common.peer_rows(
        "case", "peer", {"rate": 2.0}, "rate", "x/s", {"sciml": 3.0}, conditions={"threads": 1, "precision": "float64"}
    )
    assert rows[1]["value"] == 1.5 and rows[1]["ratio_to"] == "peer"
    assert all(r["threads"] == 1 and r["precision"] == "float64" for r in rows)
