"""Non-finite losses are recovered, not fatal: roll back, reset the optimiser, go on (sciml.training.recovery)."""

import math

import pytest
import torch

from sciml.autodiff import derivatives
from sciml.networks import MLP
from sciml.training import Callback, NonFiniteLossError, Phase, RecoveryPolicy, Trainer


def _poisson(inject):
    """1-D Poisson fit; ``inject(trainer_step, call_in_attempt)`` returns True where the loss must be NaN."""
    torch.manual_seed(0)
    net = MLP(1, 1, 12, 2)
    x = torch.linspace(-1, 1, 64)[:, None]
    xb = torch.tensor([[-1.0], [1.0]])
    state = {"trainer": None, "calls": {}, "first_losses": {}, "first_params": {}}

    def loss_fn():
        d = derivatives(net, x, "taylor")
        r = d.d2(0, 0) + math.pi**2 * torch.sin(math.pi * x[:, 0])
        loss = (r * r).mean() + net(xb).pow(2).mean()
        step = state["trainer"].step
        attempt = (step, len(state["trainer"].recoveries))  # a rolled-back step is retried: a new attempt
        k = state["calls"][attempt] = state["calls"].get(attempt, 0) + 1
        if k == 1:
            state["first_losses"].setdefault(step, []).append(loss.item())
            state["first_params"].setdefault(step, []).append(torch.cat([p.detach().ravel() for p in net.parameters()]))
        if inject(step, k):
            loss = loss * float("nan")
        return loss, {}

    return net, loss_fn, state


class _ParametersAtStepEnd(Callback):
    def __init__(self, net):
        self.net, self.at = net, {}

    def on_step_end(self, trainer, record):
        self.at[record.step] = torch.cat([p.detach().ravel() for p in self.net.parameters()])


def _fit(phases, inject, policy=None):
    net, lf, state = _poisson(inject)
    ends = _ParametersAtStepEnd(net)
    tr = Trainer(lf, net, phases, [ends], recovery=policy)
    state["trainer"], state["step_end_params"] = tr, ends.at
    return tr, tr.fit(), state, net


def test_nan_at_a_line_search_trial_point_rolls_back_and_resets_lbfgs():
    # step 16 starts from the point step 15's line search accepted, without evaluating it again: its first
    # evaluation is already a trial point of its own line search
    tr, res, state, net = _fit([Phase("adam", 10, 1e-2), Phase("lbfgs", 30, 1.0)], _once(15, 1))
    assert (
        len(res.recoveries) == 1 and "line-search trial" in res.recoveries[0] and "L-BFGS memory" in res.recoveries[0]
    )
    assert res.steps == 40 and len(res.history) == 40  # the rolled-back attempt is retried, not counted
    failed, retry = state["first_params"][15]
    assert not torch.equal(failed, state["step_end_params"][15])  # the failed call was away from the start...
    assert torch.equal(retry, state["step_end_params"][15])  # ...the retry starts exactly where step 15 ended
    assert all(torch.isfinite(p).all() for p in net.parameters())
    clean, _, _, _ = _fit([Phase("adam", 10, 1e-2), Phase("lbfgs", 30, 1.0)], lambda s, k: False)
    assert res.history[-1] < 0.05 * res.history[9]  # L-BFGS still converges after the reset
    assert clean.history[:15] == res.history[:15]


def _once(at_step, at_call):
    fired = {"done": False}

    def inject(step, k):
        if step == at_step and k == at_call and not fired["done"]:
            fired["done"] = True
            return True
        return False

    return inject


def test_transient_nan_in_adam_rolls_back_one_update_and_halves_the_learning_rate():
    tr, res, state, _ = _fit([Phase("adam", 40, 1e-2)], _once(20, 1))
    assert len(res.recoveries) == 1 and "scaled the learning rate by 0.5" in res.recoveries[0]
    assert tr._opt.param_groups[0]["lr"] == pytest.approx(0.5e-2)
    assert len(res.history) == 40 and all(math.isfinite(v) for v in res.history)
    # the retry evaluates the parameters from before the last update: those of step 20's first evaluation
    assert state["first_losses"][20][1] == state["first_losses"][19][0]


def test_persistent_nan_ends_the_phase_and_keeps_the_last_good_parameters():
    tr, res, state, net = _fit(
        [Phase("adam", 30, 1e-2), Phase("lbfgs", 10, 1.0)],
        lambda step, k: 12 <= step < 30,
        RecoveryPolicy(max_consecutive=3),
    )
    assert len(res.recoveries) == 3 and "phase ends early at step 12" in res.recoveries[-1]
    assert len(res.history) == 12 + 10  # 12 Adam steps, then the whole L-BFGS phase from the kept parameters
    assert state["first_losses"][30][0] == pytest.approx(state["first_losses"][11][0])  # = parameters before step 12
    assert res.history[-1] < res.history[11]


def test_nan_before_any_good_step_raises_with_the_step():
    with pytest.raises(NonFiniteLossError, match="at step 1 "):
        _fit([Phase("adam", 5, 1e-2)], lambda step, k: True)


def test_recovery_policy_validates():
    with pytest.raises(ValueError, match="max_consecutive"):
        RecoveryPolicy(max_consecutive=-1)
    with pytest.raises(ValueError, match="lr_factor"):
        RecoveryPolicy(lr_factor=0.0)


class _Params(torch.nn.Module):
    def __init__(self, *values):
        super().__init__()
        self.p = torch.nn.Parameter(torch.tensor(values, dtype=torch.float64))


def test_a_stalled_lbfgs_is_reset_once_then_its_phase_ends():
    # a point where L-BFGS cannot move (zero gradient at a loss of 1): the loss repeats exactly every iteration
    model = _Params(1.0)
    phases = [Phase("lbfgs", 500, 1.0), Phase("adam", 5, 1e-3)]
    tr = Trainer(lambda: (((model.p - 1) ** 2).sum() + 1, {}), model, phases)
    res = tr.fit()
    # 1 first iteration + 1 unchanged (reset) + 1 unchanged again (end); then the Adam phase runs its 5 steps
    assert len(res.history) == 3 + 5 and res.steps == 505
    assert "reset the L-BFGS memory" in res.recoveries[0] and "phase ends early" in res.recoveries[1]


class _LyingGradient(torch.autograd.Function):
    """A flat loss whose reported gradient is 1: every line search along −g fails to find a decrease."""

    @staticmethod
    def forward(ctx, p):
        return torch.ones((), dtype=p.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * torch.ones(1, dtype=torch.float64)


def test_a_failed_line_search_is_not_repeated_dozens_of_times():
    # a failed search leaves point, gradient and memory as they were, so repeating it can only fail again:
    # the trainer resets the memory at once and ends the phase after the steepest-descent search fails too
    model, calls = _Params(0.0), []

    def closure():
        calls.append(1)
        return _LyingGradient.apply(model.p), {}

    res = Trainer(closure, model, [Phase("lbfgs", 500, 1.0)]).fit()
    assert len(res.history) == 3 and "phase ends early" in res.recoveries[-1]
    assert 3 * 10 <= len(calls) <= 1 + 3 * 25, len(calls)  # three searches of up to max_evaluations = 25 trials each
    assert float(model.p.detach()[0]) == 0.0


def test_a_converging_lbfgs_is_not_cut_short():
    # Rosenbrock from (-1.2, 1): L-BFGS needs dozens of iterations with small changes; it must reach the minimum
    model = _Params(-1.2, 1.0)

    def rosenbrock():
        x, y = model.p[0], model.p[1]
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2, {}

    res = Trainer(rosenbrock, model, [Phase("lbfgs", 300, 1.0)]).fit()
    assert res.history[-1] < 1e-14
    torch.testing.assert_close(model.p.detach(), torch.ones(2, dtype=torch.float64), atol=1e-6, rtol=0)
    # it ends early only once the loss has stopped changing, never while it still falls
    if len(res.history) < 300:
        assert len(set(res.history[-3:])) == 1 and "phase ends early" in res.recoveries[-1]
