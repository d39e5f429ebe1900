"""Data-parallel training with torch.distributed (gloo, 2 CPU processes) equals the single-process run."""

import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

from sciml.distributed import DistributedContext, DistributedError, exit_process, initialize, shard_rows, shutdown


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _solver(ctx, steps=20, optimizer="adam"):
    from physics import Heat1D
    from sciml.geometry import Interval, SpaceTime, TimeDomain
    from sciml.networks import MLP
    from sciml.training import Phase
    from solvers.pinn import PINNSolver, Sampling

    torch.manual_seed(0)
    geo = SpaceTime(Interval(0.0, 1.0), TimeDomain(0.0, 1.0))
    net = MLP(2, 1, 16, 2, input_bounds=[[0, 0], [1, 1]])
    phase = Phase("adam", steps, lr=1e-2) if optimizer == "adam" else Phase("lbfgs", steps, lr=1.0)
    return PINNSolver(
        Heat1D(0.1),
        geo,
        net,
        [phase],
        Sampling(64, 16, 16, method="sobol", resample_every=10),
        device="cpu",
        dtype="float64",
        hard_constraints=False,
        distributed=ctx,
    )


def _worker(rank, world, port, out_dir, optimizer, crash_rank):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    ctx = initialize("cpu", timeout_s=20, context=DistributedContext(rank, world))
    try:
        from sciml.training import CheckpointConfig, ModelCheckpoint

        s = _solver(ctx, optimizer=optimizer)
        cbs = [ModelCheckpoint(CheckpointConfig(10, 5, "ckpt", str(out_dir)))] if ctx.is_main else []
        if crash_rank == rank:
            from sciml.training import Callback

            class Crash(Callback):
                def on_step_end(self, trainer, record):
                    if record.step == 3:
                        os._exit(3)  # a rank dies without a word

            cbs.append(Crash())
        try:
            s.fit(cbs)
        except DistributedError as err:
            with open(os.path.join(out_dir, f"error-{rank}.txt"), "w") as fh:
                fh.write(str(err))
            exit_process(4)
        if ctx.is_main:
            torch.save({k: v.clone() for k, v in s.network.state_dict().items()}, os.path.join(out_dir, "final.pt"))
    finally:
        shutdown()


def _spawn(tmp_path, optimizer="adam", crash_rank=-1):
    ctx = mp.get_context("spawn")
    port = _free_port()
    procs = [ctx.Process(target=_worker, args=(r, 2, port, str(tmp_path), optimizer, crash_rank)) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    return [p.exitcode for p in procs]


@pytest.mark.parametrize("optimizer", ["adam", "lbfgs"])
def test_two_gloo_ranks_match_one_process(tmp_path, optimizer):
    assert _spawn(tmp_path, optimizer) == [0, 0]
    par = torch.load(tmp_path / "final.pt")
    single = _solver(None, optimizer=optimizer)
    single.fit()
    for k, v in single.network.state_dict().items():
        torch.testing.assert_close(par[k], v, rtol=1e-9, atol=1e-11)


def test_checkpoint_from_two_ranks_resumes_in_one_process(tmp_path):
    assert _spawn(tmp_path) == [0, 0]
    straight = _solver(None)
    straight.fit()
    resumed = _solver(None)
    resumed.fit(resume_from=str(tmp_path / "ckpt-00000010"))
    for k, v in straight.network.state_dict().items():
        torch.testing.assert_close(resumed.network.state_dict()[k], v, rtol=1e-9, atol=1e-11)


def test_a_crashed_rank_ends_the_other_with_a_clear_error(tmp_path):
    codes = _spawn(tmp_path, crash_rank=1)
    assert codes[1] == 3 and codes[0] == 4
    assert "another rank probably crashed" in (tmp_path / "error-0.txt").read_text()


def test_uneven_shards_are_refused():
    ctx = DistributedContext(0, 2)
    assert shard_rows(torch.arange(6).reshape(6, 1), ctx).flatten().tolist() == [0, 2, 4]
    with pytest.raises(ValueError, match="multiple of the world size"):
        shard_rows(torch.zeros(5, 2), ctx)


def test_resuming_with_a_different_model_shape_is_refused(tmp_path):
    from sciml.networks import MLP

    assert _spawn(tmp_path) == [0, 0]
    s = _solver(None)
    s.network = MLP(2, 1, 24, 2, input_bounds=[[0, 0], [1, 1]]).double()  # width 24 instead of 16
    s.model = s.network
    with pytest.raises(ValueError, match="shape"):
        s.fit(resume_from=str(tmp_path / "ckpt-00000010"))
