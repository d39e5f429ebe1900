"""How ``sciml`` commands end when something goes wrong: one clear line, FAILED.txt, a non-zero exit.

Also: run folders are unique and locked, ``resume_from=latest`` picks an unfinished run, a failing sweep job
is recorded and the sweep goes on, ``threads=`` is honoured, and outputs follow the user's umask.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest


@pytest.mark.parametrize(
    "kind,message",
    [
        ("index", "IndexError: list index out of range"),
        ("zero", "ZeroDivisionError: division by zero"),
        ("disk_full", "the disk is full (while writing"),
        ("memory", "out of memory: cannot allocate 80 GiB"),
        ("runtime", "RuntimeError: solver diverged"),
        ("nan_metric", "NonFiniteMetricError: the run's final metrics are not finite: value"),
    ],
)
def test_every_failure_ends_with_one_line_failed_txt_and_exit_2(failing_plugin, tmp_path, kind, message):
    out = tmp_path / "run"
    r = failing_plugin("run", f"fail.kind={kind}", f"hydra.run.dir={out}")
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("sciml:")]
    assert len(lines) == 1 and message in lines[0] and "FAILED.txt" in lines[0], r.stderr[-2000:]
    assert "Traceback" not in r.stderr  # the traceback goes to FAILED.txt, not to the user's terminal
    assert message in (out / "FAILED.txt").read_text() and not (out / "metrics.json").exists()


def test_the_same_explicit_folder_is_refused_while_in_use_and_after_a_run(failing_plugin, tmp_path):
    from sciml.runs.lock import claim_run_folder

    out = tmp_path / "shared"
    claim = claim_run_folder(out)  # another live run holds the folder
    try:
        r = failing_plugin("run", "fail.kind=ok", f"hydra.run.dir={out}")
        assert r.returncode == 2 and "in use by another run" in r.stderr
        assert not (out / "FAILED.txt").exists()  # nothing written into the other run's folder
    finally:
        claim.release()
    assert failing_plugin("run", "fail.kind=ok", f"hydra.run.dir={out}").returncode == 0
    again = failing_plugin("run", "fail.kind=ok", f"hydra.run.dir={out}")
    assert again.returncode == 2 and "already holds an earlier run (metrics.json" in again.stderr


def test_runs_started_in_the_same_second_get_their_own_folders(failing_plugin, tmp_path):
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sciml.cli.main",
                "run",
                "hydra.searchpath=[pkg://fail_sim.configs]",
                "experiment=fail",
            ],
            cwd=tmp_path,
            env=failing_plugin.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for p in procs:
        p.wait(timeout=300)
    runs = list((tmp_path / "outputs" / "fail").iterdir())
    assert len(runs) == 2 and all((r / "metrics.json").exists() for r in runs), [p.returncode for p in procs]


def test_a_failing_sweep_job_is_recorded_and_the_sweep_goes_on(failing_plugin, tmp_path):
    r = failing_plugin("run", "-m", "fail.kind=ok,runtime,ok", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert r.returncode == 2 and "1 sweep job(s) failed" in r.stderr
    summary = (tmp_path / "sweep" / "sweep_summary.csv").read_text().splitlines()
    status = [row.split(",")[summary[0].split(",").index("status")] for row in summary[1:]]
    assert sorted(status) == ["failed", "ok", "ok"]
    assert (tmp_path / "sweep" / "1" / "FAILED.txt").exists()


SHORT = [
    "mode=pynative",
    "optimizer.steps=40",
    "optimizer.lbfgs_steps=0",
    "sampling.n_interior=200",
    "model.width=8",
    "model.depth=2",
    "evaluation.nx=16",
    "evaluation.nt=8",
    "trainer.checkpoint.save_checkpoint_steps=10",
    "trainer.progress_bar=false",
    "trainer.tensorboard=false",
    "trainer.plots=false",
]


def _cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "sciml.cli.main", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_resume_latest_takes_the_newest_unfinished_run_and_says_so(tmp_path):
    runs = tmp_path / "outputs" / "burgers_pinn"
    assert _cli("run", *SHORT, f"hydra.run.dir={runs / 'a_unfinished'}", cwd=tmp_path).returncode == 0
    (runs / "a_unfinished" / "metrics.json").unlink()  # as if it had been killed after its last checkpoint
    ckpts = sorted((runs / "a_unfinished" / "checkpoints").iterdir())
    for c in ckpts[1:]:
        import shutil

        shutil.rmtree(c)
    time.sleep(1.1)
    assert _cli("run", *SHORT, f"hydra.run.dir={runs / 'b_finished'}", cwd=tmp_path).returncode == 0
    r = _cli("run", *SHORT, "resume_from=latest", f"hydra.run.dir={runs / 'c_resumed'}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    log = (runs / "c_resumed" / "run.log").read_text()
    assert "the newest unfinished run of this experiment (a_unfinished" in log
    # a finished run at the end of its schedule has nothing left: resuming it is an error, not a 0-step success
    r = _cli(
        "run",
        *SHORT,
        f"resume_from={runs / 'b_finished' / 'checkpoints' / 'ckpt-00000040'}",
        f"hydra.run.dir={runs / 'd'}",
        cwd=tmp_path,
    )
    assert r.returncode == 2 and "nothing is left to train" in r.stderr


def test_threads_setting_is_honoured(tmp_path):
    r = _cli("run", *SHORT, "optimizer.steps=2", "threads=1", f"hydra.run.dir={tmp_path / 'r'}", cwd=tmp_path)
    assert r.returncode == 0 and json.loads((tmp_path / "r" / "metrics.json").read_text())["threads"] == 1


def test_outputs_follow_the_users_umask(tmp_path):
    env = {**os.environ}
    r = subprocess.run(
        f"umask 022 && {sys.executable} -m sciml.cli.main run "
        + " ".join(SHORT)
        + f" optimizer.steps=10 hydra.run.dir={tmp_path / 'r'}",
        shell=True,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    run = tmp_path / "r"
    assert oct((run / "config.yaml").stat().st_mode & 0o777) == "0o644"
    assert oct((run / "metrics.json").stat().st_mode & 0o777) == "0o644"
    ckpt = next((run / "checkpoints").iterdir())
    assert oct(ckpt.stat().st_mode & 0o777) == "0o755" and oct((ckpt / "meta.json").stat().st_mode & 0o777) == "0o644"


def _wait_for(path, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


# 3000 steps: the signal sent at step 40 must land mid-training even when the machine is slow to poll
# (1000 steps once finished before a SIGINT arrived)
INTERRUPTED = [*SHORT, "optimizer.steps=3000", "trainer.checkpoint.save_checkpoint_steps=20", "seed=3"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The metrics of the run the interrupted ones must reproduce (the same for every signal: run once)."""
    tmp_path = tmp_path_factory.mktemp("uninterrupted")
    straight = _cli("run", *INTERRUPTED, f"hydra.run.dir={tmp_path / 'straight'}", cwd=tmp_path)
    assert straight.returncode == 0, straight.stderr[-2000:]
    return json.loads((tmp_path / "straight" / "metrics.json").read_text())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_says_where_to_resume_and_resumes_bit_identically(tmp_path, sig, uninterrupted):
    args = INTERRUPTED
    proc = subprocess.Popen(
        [sys.executable, "-m", "sciml.cli.main", "run", *args, f"hydra.run.dir={tmp_path / 'cut'}"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as from a terminal: a test run started in the background (`cmd &` without job control) ignores SIGINT, and
        # the child would inherit that (Python then installs no KeyboardInterrupt handler, as nohup intends)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert _wait_for(tmp_path / "cut" / "checkpoints" / "ckpt-00000040" / "meta.json")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    failed = (tmp_path / "cut" / "FAILED.txt").read_text().splitlines()[0]
    assert failed.startswith(f"interrupted ({sig.name}) at step ") and "resume with" in failed
    ckpt = failed.split("resume_from=")[1].split("`")[0]
    resumed = _cli("run", *args, f"resume_from={ckpt}", f"hydra.run.dir={tmp_path / 'resumed'}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    a = uninterrupted
    b = json.loads((tmp_path / "resumed" / "metrics.json").read_text())
    assert a["final_loss"] == b["final_loss"] and a["rel_l2"] == b["rel_l2"]  # bit-identical on CPU


def test_a_killed_run_resumes_bit_identically_from_latest(tmp_path):
    """SIGKILL leaves no FAILED.txt (nothing runs), but the last checkpoint is whole and resume_from=latest finds
    the unfinished run."""
    args = [*SHORT, "optimizer.steps=200", "trainer.checkpoint.save_checkpoint_steps=20", "seed=5"]
    runs = tmp_path / "outputs" / "burgers_pinn"
    straight = _cli("run", *args, f"hydra.run.dir={runs / 'straight'}", cwd=tmp_path)
    assert straight.returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "sciml.cli.main", "run", *args, f"hydra.run.dir={runs / 'killed'}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert _wait_for(runs / "killed" / "checkpoints" / "ckpt-00000060" / "meta.json")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    resumed = _cli("run", *args, "resume_from=latest", f"hydra.run.dir={runs / 'resumed'}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "unfinished run of this experiment (killed" in (runs / "resumed" / "run.log").read_text()
    a = json.loads((runs / "straight" / "metrics.json").read_text())
    b = json.loads((runs / "resumed" / "metrics.json").read_text())
    assert a["final_loss"] == b["final_loss"] and a["rel_l2"] == b["rel_l2"]
