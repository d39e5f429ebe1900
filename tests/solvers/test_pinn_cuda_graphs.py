"""Which PINN runs ask the trainer for whole-step CUDA graphs (sciml.training.step_graph)."""

import logging
import math

import pytest

from physics import Burgers
from sciml.geometry import Interval, SpaceTime, TimeDomain
from sciml.networks import MLP
from sciml.training import Phase
from solvers.pinn import PINNMethods, PINNSolver, Sampling


def _solver(**kw):
    return PINNSolver(
        Burgers(0.01 / math.pi),
        SpaceTime(Interval(-1, 1), TimeDomain(0, 1)),
        MLP(2, 1, 8, 2),
        [Phase("adam", 5, 1e-3)],
        Sampling(64, 0, 0),
        device="cpu",
        **kw,
    )


def test_by_default_only_gpu_runs_in_graph_mode_capture():
    assert not _solver(mode="graph").uses_cuda_graphs()  # CPU: nothing to capture, nothing logged
    assert not _solver(mode="pynative").uses_cuda_graphs()
    assert _solver(mode="pynative", cuda_graphs=True).uses_cuda_graphs()


def test_methods_that_change_what_the_loss_reads_refuse_forced_graphs():
    with pytest.raises(ValueError, match="RAR"):
        _solver(cuda_graphs=True, methods=PINNMethods(rar_every=10))


def test_forced_graphs_on_cpu_train_normally_and_say_why_they_are_off(caplog):
    s = _solver(cuda_graphs=True)
    with caplog.at_level(logging.INFO, logger="sciml.train"):
        trainer = s.make_trainer()
        result = trainer.fit()
    assert result.steps == 5 and trainer.graph_captures == 0
    assert "not on a CUDA device" in caplog.text
