"""Dataset generators: solver agreement, random-field statistics, resumable and process-independent output."""

import numpy as np
import pytest

from sciml.data import ShardedDataset, ensure_dataset, generate, verify
from sciml.data import generation as generate_module
from solvers.grid import darcy
from solvers.operators.datasets import burgers, gaussian_random_field


def test_periodic_grf_has_the_prescribed_spectrum():
    """E|û_k|² ∝ (4π²k² + τ²)^{-α}: the empirical ratio of mode-1 to mode-3 power matches."""
    n, alpha, tau = 64, 2.0, 5.0
    rng = np.random.default_rng(0)
    power = np.mean(
        [np.abs(np.fft.rfft(gaussian_random_field((n,), rng, alpha, tau, sigma=1.0))) ** 2 for _ in range(4000)], axis=0
    )
    expected = ((4 * np.pi**2 * 1 + tau**2) / (4 * np.pi**2 * 9 + tau**2)) ** (-alpha)
    assert abs(power[1] / power[3] / expected - 1) < 0.1
    assert power[0] < 1e-20  # zero mean


def test_darcy_samples_are_solver_solutions():
    out = __import__("solvers.operators.datasets.darcy", fromlist=["samples"]).samples([3], seed=7, resolution=33)
    a = out["permeability"][0]
    assert set(np.unique(a)) <= {3.0, 12.0}
    np.testing.assert_allclose(out["pressure"][0], darcy.solve(a, 1.0), rtol=1e-12)


def test_burgers_2048_is_converged_against_8192():
    """The same initial data (spectrally interpolated) solved at 2048 and 8192 points agree to 1e-9."""
    u0 = burgers.samples([0], seed=0, resolution=2048, solve_resolution=2048)["initial"]
    fine = np.fft.irfft(np.fft.rfft(u0), n=8192) * 4
    lo = burgers.evolve(u0, 0.1, 1.0, 1e-3)
    hi = burgers.evolve(fine, 0.1, 1.0, 1e-3)[:, ::4]
    assert np.linalg.norm(lo - hi) / np.linalg.norm(hi) < 1e-9


def test_generation_resumes_to_the_same_dataset(tmp_path, monkeypatch):
    params = {"resolution": 17}
    generate("darcy", tmp_path / "ref", 12, seed=1, chunk=3, progress=False, params=params)
    calls = {"n": 0}
    real = generate_module._write

    def dying(writer, schema, res, bar):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real(writer, schema, res, bar)

    monkeypatch.setattr(generate_module, "_write", dying)
    with pytest.raises(KeyboardInterrupt):
        generate("darcy", tmp_path / "cut", 12, seed=1, chunk=3, progress=False, params=params)
    monkeypatch.setattr(generate_module, "_write", real)
    assert not verify(tmp_path / "cut").ok
    generate("darcy", tmp_path / "cut", 12, seed=1, chunk=3, progress=False, params=params)
    a, b = ShardedDataset(tmp_path / "ref"), ShardedDataset(tmp_path / "cut")
    np.testing.assert_array_equal(a.read("pressure"), b.read("pressure"))
    np.testing.assert_array_equal(a.metadata["seed_index"], np.arange(12))


def test_two_processes_give_the_same_data(tmp_path):
    spec = {
        "name": "darcy",
        "path": str(tmp_path / "p2"),
        "samples": 6,
        "seed": 2,
        "processes": 2,
        "chunk": 3,
        "params": {"resolution": 17},
    }
    ensure_dataset(spec, progress=False)
    generate("darcy", tmp_path / "p1", 6, seed=2, chunk=2, progress=False, params={"resolution": 17})
    np.testing.assert_array_equal(
        ShardedDataset(tmp_path / "p1").read("permeability"), ShardedDataset(tmp_path / "p2").read("permeability")
    )


def test_generation_refuses_a_different_recipe_and_bad_params(tmp_path):
    generate("darcy", tmp_path / "d", 2, seed=0, progress=False, params={"resolution": 9})
    with pytest.raises(ValueError, match="different recipe"):
        generate("darcy", tmp_path / "d", 2, seed=1, progress=False, params={"resolution": 9})
    with pytest.raises(ValueError, match="has no parameters \\['viscosity'\\]"):
        generate("burgers", tmp_path / "b", 2, params={"viscosity": 0.1})
    with pytest.raises(
        ValueError, match=r"no dataset generator .* is registered as 'heat'. Registered: \[.burgers., .darcy."
    ):
        generate("heat", tmp_path / "h", 2)


def _children(pid):
    import os

    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry))
    return kids


def _alive(pid):

    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not __import__("os").path.isdir("/proc"), reason="needs /proc (Linux)")
def test_killing_generate_ends_its_worker_processes(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sciml.cli.main",
            "generate",
            "dataset=darcy",
            f"dataset.path={tmp_path / 'd'}",
            "dataset.samples=4000",
            "dataset.params.resolution=129",
            "dataset.processes=2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline, workers = time.time() + 60, []
    while time.time() < deadline and len(workers) < 2:
        workers = [k for k in _children(proc.pid) if "spawn_main" in open(f"/proc/{k}/cmdline").read()]
        time.sleep(0.2)
    assert len(workers) == 2, "the workers did not start"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers), "workers outlived their parent"


def test_a_full_disk_ends_generate_with_a_clear_error_not_a_segfault(tmp_path):
    """HDF5 crashes the process at exit after a failed write (h5py #914); shards are now built in memory, so a full
    disk is a plain OSError from Python's write: exit 2, one line, and the committed shards resume."""
    import subprocess
    import sys

    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "sciml.cli.main",
                "generate",
                "dataset=darcy",
                f"dataset.path={mnt / 'd'}",
                "dataset.samples=64",
                "dataset.params.resolution=65",
                "dataset.processes=1",
                "dataset.max_shard_mb=1",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 2, (r.returncode, r.stderr[-1500:])
        line = [ln for ln in r.stderr.splitlines() if ln.startswith("sciml")]
        assert len(line) == 1 and "the disk is full" in line[0]
        assert ShardedDataset(mnt / "d", allow_incomplete=True).manifest["samples"] > 0
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)
