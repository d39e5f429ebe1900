"""L-BFGS and its strong-Wolfe line search (sciml.training.lbfgs, sciml.training.line_search).

Checked against the definitions (the Wolfe conditions), closed-form minimisers (a cubic, Rosenbrock's
(1, 1), the normal equations of least squares) and torch.optim.LBFGS on the same problem.
"""

import math

import pytest
import torch

from sciml.training.lbfgs import LBFGS
from sciml.training.line_search import Trial, cubic_minimizer, strong_wolfe

C1, C2 = 1e-4, 0.9


def _line(phi, dphi):
    return lambda t: (phi(t), torch.tensor([dphi(t)]), dphi(t))


@pytest.mark.parametrize(
    "phi, dphi, t0",
    [
        (lambda t: (t - 3.0) ** 2, lambda t: 2 * (t - 3.0), 1e-3),  # far too short: must extrapolate
        (lambda t: (t - 3.0) ** 2, lambda t: 2 * (t - 3.0), 50.0),  # far too long: must zoom back
        (lambda t: t**4 - 2 * t, lambda t: 4 * t**3 - 2, 1.0),
        (lambda t: math.exp(t) - 4 * t, lambda t: math.exp(t) - 4, 10.0),
    ],
)
def test_strong_wolfe_step_satisfies_both_conditions(phi, dphi, t0):
    f0, s0 = phi(0.0), dphi(0.0)
    start = Trial(0.0, f0, torch.tensor([s0]), s0, -1)
    best, n = strong_wolfe(_line(phi, dphi), start, t0)
    assert best.index >= 0 and n <= 25
    assert best.f <= f0 + C1 * best.t * s0  # sufficient decrease
    assert abs(dphi(best.t)) <= -C2 * s0  # curvature
    assert best.f == phi(best.t) and best.gtd == dphi(best.t)  # the trial it returns is the one evaluated there


def test_cubic_minimizer_is_exact_on_a_cubic():
    f, df = (lambda t: t**3 - 3 * t), (lambda t: 3 * t**2 - 3)  # local minimum at t = 1
    a, b = Trial(0.0, f(0.0), None, df(0.0), 0), Trial(2.0, f(2.0), None, df(2.0), 1)
    assert cubic_minimizer(a, b, 0.0, 2.0) == pytest.approx(1.0, abs=1e-12)
    assert cubic_minimizer(b, a, 0.0, 2.0) == pytest.approx(1.0, abs=1e-12)
    assert cubic_minimizer(a, b, 1.5, 2.0) == 1.5  # clipped to the bounds


def test_rosenbrock_reaches_its_minimum():
    p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    opt = LBFGS([p])

    def closure():
        opt.zero_grad()
        loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
        loss.backward()
        return loss

    for _ in range(60):
        opt.step(closure)
    assert torch.allclose(p.detach(), torch.ones(2, dtype=torch.float64), atol=1e-8)


def _least_squares(seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(200, 20, generator=g, dtype=torch.float64) * torch.logspace(0, 1, 20, dtype=torch.float64)
    b = torch.randn(200, generator=g, dtype=torch.float64)
    return a, b, torch.linalg.lstsq(a, b[:, None]).solution[:, 0]


def _fit_least_squares(which, iterations, seed=0, line_search="strong_wolfe"):
    """``which`` L-BFGS (memory 10) on least squares: its iterates, closure calls per iteration, the exact
    solution and the loss the last step started from."""
    a, b, exact = _least_squares(seed)
    w = torch.zeros(20, dtype=torch.float64, requires_grad=True)
    if which == "ours":
        opt = LBFGS([w], history_size=10, line_search=line_search)
    else:
        opt = torch.optim.LBFGS(
            [w], lr=1, max_iter=1, max_eval=25, history_size=10, line_search_fn="strong_wolfe", tolerance_grad=1e-12
        )
    calls = {"n": 0}

    def closure():
        calls["n"] += 1
        opt.zero_grad()
        loss = 0.5 * (a @ w - b).pow(2).sum()
        loss.backward()
        return loss

    iterates = []
    for _ in range(iterations):
        last = float(opt.step(closure).detach())
        iterates.append(w.detach().clone())
    return torch.stack(iterates), calls["n"] / iterations, exact, last


def test_same_iterates_as_torch_lbfgs_with_about_half_the_evaluations():
    ours, ours_calls, _, _ = _fit_least_squares("ours", 40)
    peer, peer_calls, _, _ = _fit_least_squares("torch", 40)
    assert torch.allclose(ours, peer, rtol=0, atol=1e-9)  # the same algorithm, step by step
    # torch evaluates again, at every step's start, the point its previous line search had just evaluated
    assert ours_calls <= 1.3 and peer_calls >= 1.9


def test_least_squares_reaches_the_normal_equations_solution():
    iterates, _, exact, _ = _fit_least_squares("ours", 70)
    assert float((iterates[-1] - exact).abs().max() / exact.abs().max()) < 1e-5


def test_the_kept_point_is_dropped_when_the_parameters_move_or_the_objective_changes():
    a, b, _ = _least_squares(1)
    w = torch.zeros(20, dtype=torch.float64, requires_grad=True)
    opt = LBFGS([w])
    starts = []

    def closure():
        starts.append(w.detach().clone())
        opt.zero_grad()
        loss = 0.5 * (a @ w - b).pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert opt.has_cached_start()
    opt.step(closure)
    assert opt.start_was_cached
    with torch.no_grad():
        w.add_(0.1)  # moved behind its back (a restored snapshot, a loaded checkpoint)
    assert not opt.has_cached_start()
    moved, n = w.detach().clone(), len(starts)
    opt.step(closure)
    assert not opt.start_was_cached
    assert torch.equal(starts[n], moved)  # the step's first call evaluated the moved point afresh
    opt.step(closure)
    opt.drop_kept_point()  # a new mini-batch: evaluate the start again, keep the curvature pairs
    assert not opt.has_cached_start() and opt.state[w]["s"]
    opt.forget()
    assert not opt.has_cached_start() and not opt.state


def test_state_dict_round_trip_drops_the_kept_point():
    a, b, _ = _least_squares(2)
    w = torch.zeros(20, dtype=torch.float64, requires_grad=True)
    opt = LBFGS([w])

    def closure():
        opt.zero_grad()
        loss = 0.5 * (a @ w - b).pow(2).sum()
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    fresh = LBFGS([w])
    fresh.load_state_dict(opt.state_dict())
    assert not fresh.has_cached_start()
    assert len(fresh.state[w]["s"]) == len(opt.state[w]["s"]) == 3


def test_bad_settings_are_refused():
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="lr"):
        LBFGS([w], lr=0.0)
    with pytest.raises(ValueError, match="history_size"):
        LBFGS([w], history_size=0)
    with pytest.raises(ValueError, match="closure"):
        LBFGS([w]).step(None)


@pytest.mark.parametrize("mini_batches", [False, True])
def test_trainer_reports_each_steps_own_starting_loss(mini_batches):
    """The loss a trainer reports for an L-BFGS step is the loss at that step's start, on that step's data."""
    from sciml.training import Callback, Phase, Trainer

    g = torch.Generator().manual_seed(3)
    batches = [(torch.randn(50, 3, generator=g), torch.randn(50, generator=g)) for _ in range(3)]
    data = batches if mini_batches else None
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)

    def loss_fn(batch=batches[0]):
        x, y = batch
        loss = (model(x)[:, 0] - y).pow(2).mean()
        return loss, {"mse": loss}

    class Ends(Callback):
        def __init__(self):
            self.params = [[p.detach().clone() for p in model.parameters()]]

        def on_step_end(self, trainer, record):
            self.params.append([p.detach().clone() for p in model.parameters()])

    ends = Ends()
    history = Trainer(loss_fn, model, [Phase("lbfgs", 6, 1.0)], [ends], data=data).fit().history
    for k, reported in enumerate(history):
        with torch.no_grad():
            for p, v in zip(model.parameters(), ends.params[k]):
                p.copy_(v)
            expected = loss_fn(batches[k % 3] if data else batches[0])[0].item()
        assert reported == pytest.approx(expected, rel=1e-6), (data is None, k)


def test_without_line_search_each_iteration_takes_one_evaluation_and_converges():
    _, per_iteration, exact, last = _fit_least_squares("ours", 60, seed=4, line_search=None)
    assert round(per_iteration * 60) == 61  # the first start, then one evaluation per fixed step
    a, b, _ = _least_squares(4)
    assert last == pytest.approx(float(0.5 * (a @ exact - b).pow(2).sum()), rel=1e-9)  # the least-squares minimum
    with pytest.raises(ValueError, match="line_search"):
        LBFGS([torch.zeros(2, requires_grad=True)], line_search="armijo")
