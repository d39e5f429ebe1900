"""Whole-step graphs (sciml.training.step_graph): a trainer that replays a captured step takes the same path as
one that does not, recovers from a NaN to the same parameters, and checkpoints plain floats.

On CPU the graph is emulated (same bookkeeping, the body re-run on each replay); the tests marked ``gpu`` capture
a real CUDA graph (scripts/gpu_check.sh runs them on a lent GPU).
"""

import math

import pytest
import torch

from sciml.training import Phase, Trainer
from sciml.training.step_graph import float_learning_rates, step_graph_unsupported


def _problem(device="cpu", seed=0):
    """A small regression (MLP fits sin on 64 points), and a ``poison`` factor a test can set to NaN in place
    for the next loss evaluation."""
    g = torch.Generator().manual_seed(seed)
    x = torch.linspace(-1, 1, 64).unsqueeze(1).to(device)
    y = torch.sin(3 * x)
    net = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    net = net.to(device)
    poison = torch.ones((), device=device)

    def loss_fn():
        factor = poison.clone()
        poison.fill_(1.0)  # one evaluation only (in place, so a captured graph does it too)
        fit = ((net(x) - y) ** 2).mean() * factor
        reg = 1e-3 * sum((p**2).sum() for p in net.parameters())
        return fit + reg, {"fit": fit, "reg": reg}

    return net, loss_fn, poison


class _PoisonAt:
    """Callback: make the loss NaN for the step after ``step``."""

    def __init__(self, poison, step):
        self.poison, self.step = poison, step

    def on_train_begin(self, trainer):
        pass

    def on_step_end(self, trainer, record):
        if trainer.step == self.step:
            self.poison.fill_(math.nan)

    def on_train_end(self, trainer, result):
        pass

    def on_train_error(self, trainer, err):
        pass


def _train(graphs, device="cpu", steps=40, poison_at=None, scheduler="exponential"):
    net, loss_fn, poison = _problem(device)
    phases = [Phase("adam", steps, 1e-2, scheduler=scheduler, gamma=0.97)]
    cbs = [_PoisonAt(poison, poison_at)] if poison_at is not None else []
    trainer = Trainer(loss_fn, net, phases, cbs, cuda_graphs=graphs)
    trainer._graphs.emulate = graphs and device == "cpu"
    result = trainer.fit()
    return trainer, result, [p.detach().cpu().clone() for p in net.parameters()]


def test_emulated_graph_steps_follow_the_plain_trainer():
    plain, r0, p0 = _train(False)
    graph, r1, p1 = _train(True)
    assert graph.graph_captures == 1 and plain.graph_captures == 0
    assert r1.steps == r0.steps == 40
    # tensor learning rate (float32) against a float one: equal to rounding
    torch.testing.assert_close(torch.tensor(r1.history), torch.tensor(r0.history), rtol=2e-5, atol=1e-7)
    for a, b in zip(p1, p0):
        torch.testing.assert_close(a, b, rtol=2e-5, atol=1e-6)
    assert r1.history[-1] < 0.5 * r1.history[0]


def test_emulated_graph_recovers_from_nan_to_the_same_parameters():
    """A NaN after step 20: both trainers roll back to the parameters of the last finite loss and go on."""
    plain, r0, p0 = _train(False, poison_at=20)
    graph, r1, p1 = _train(True, poison_at=20)
    assert len(r0.recoveries) == len(r1.recoveries) == 1
    assert graph.graph_captures == 2  # dropped at the NaN, captured again after the warm-up
    assert all(math.isfinite(v) for v in r1.history)
    torch.testing.assert_close(torch.tensor(r1.history), torch.tensor(r0.history), rtol=2e-5, atol=1e-7)
    for a, b in zip(p1, p0):
        torch.testing.assert_close(a, b, rtol=2e-5, atol=1e-6)


def test_checkpoints_of_graph_runs_hold_plain_float_learning_rates(tmp_path):
    trainer, _, _ = _train(True, steps=6)
    state = trainer.state_dict()
    lrs = [g["lr"] for g in state["optimizer"]["param_groups"]]
    assert all(type(v) is float for v in lrs) and lrs[0] == pytest.approx(1e-2 * 0.97**6, rel=1e-5)
    assert all(type(v) is float for v in state["scheduler"]["_last_lr"])
    path = trainer.save_checkpoint(tmp_path / "ckpt")
    net, loss_fn, _ = _problem()
    resumed = Trainer(loss_fn, net, [Phase("adam", 10, 1e-2, scheduler="exponential", gamma=0.97)], cuda_graphs=True)
    resumed._graphs.emulate = True
    resumed.resume(path)
    result = resumed.fit()
    assert result.steps == 10 and resumed.graph_captures == 1
    assert resumed._opt.param_groups[0]["lr"].item() == pytest.approx(1e-2 * 0.97**10, rel=1e-5)
    assert float_learning_rates({"base_lrs": [torch.tensor(0.5)]})["base_lrs"] == [0.5]


def test_step_graphs_are_refused_with_a_reason_where_they_cannot_replay():
    p = [torch.zeros(2, requires_grad=True)]
    assert "CUDA" in step_graph_unsupported(p, "adam", False, False)
    if torch.cuda.is_available():
        q = [torch.zeros(2, device="cuda", requires_grad=True)]
        assert "line search" in step_graph_unsupported(q, "lbfgs", False, False)
        assert "data loader" in step_graph_unsupported(q, "adam", True, False)
        assert step_graph_unsupported(q, "adam", False, False) == ""


@pytest.mark.gpu
def test_captured_cuda_steps_follow_the_plain_trainer():
    plain, r0, p0 = _train(False, device="cuda")
    graph, r1, p1 = _train(True, device="cuda")
    assert graph.graph_captures == 1
    torch.testing.assert_close(torch.tensor(r1.history), torch.tensor(r0.history), rtol=1e-4, atol=1e-6)
    for a, b in zip(p1, p0):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.gpu
def test_captured_cuda_steps_recover_from_nan():
    plain, r0, p0 = _train(False, device="cuda", poison_at=20)
    graph, r1, p1 = _train(True, device="cuda", poison_at=20)
    assert len(r1.recoveries) == len(r0.recoveries) == 1 and graph.graph_captures == 2
    for a, b in zip(p1, p0):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.gpu
def test_captured_burgers_pinn_follows_the_uncaptured_one_through_resampling():
    """Compiled Burgers PINN on CUDA with points redrawn every 25 steps: captured and plain runs agree."""
    from physics import Burgers
    from sciml.geometry import Interval, SpaceTime, TimeDomain
    from sciml.networks import MLP
    from solvers.pinn import PINNSolver, Sampling

    histories, captures = {}, {}
    for graphs in (False, True):
        torch.manual_seed(0)
        s = PINNSolver(
            Burgers(0.01 / math.pi),
            SpaceTime(Interval(-1, 1), TimeDomain(0, 1)),
            MLP(2, 1, 20, 3),
            [Phase("adam", 100, 1e-3, scheduler="exponential", gamma=0.999)],
            Sampling(n_interior=2000, n_boundary=0, n_initial=0, resample_every=25),
            mode="graph",
            device="gpu",
            cuda_graphs=graphs,
        )
        trainer = s.make_trainer()
        histories[graphs] = trainer.fit().history
        captures[graphs] = trainer.graph_captures
    assert captures == {False: 0, True: 1}
    torch.testing.assert_close(torch.tensor(histories[True]), torch.tensor(histories[False]), rtol=1e-3, atol=1e-6)
