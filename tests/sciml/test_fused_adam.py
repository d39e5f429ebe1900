"""FusedAdam: the update of Kingma & Ba (2015) / Loshchilov & Hutter (2019), bitwise torch's fused Adam, with
interchangeable state, and torch's fallbacks and hooks. That an eager run never imports torch's compiler through
the optimiser is checked in tests/sciml/test_runtime.py."""

import copy

import numpy as np
import pytest
import torch

from sciml.training.fused_adam import FusedAdam


def _params(seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(s, generator=g, dtype=dtype)) for s in ((20, 2), (20,), (7, 20), (1,))]


def _grads(params, k):
    g = torch.Generator().manual_seed(100 + k)
    return [torch.randn(p.shape, generator=g, dtype=p.dtype) for p in params]


def _run(opt, params, steps, first=0, scheduler=None):
    for k in range(first, first + steps):
        for p, g in zip(params, _grads(params, k)):
            p.grad = g
        opt.step()
        if scheduler is not None:
            scheduler.step()


def _numpy_adam(x0, grads, lr, b1, b2, eps, wd, decoupled):
    """Algorithm 1 of Kingma & Ba (2015), in float64 numpy; AdamW decays the weights first (Loshchilov & Hutter)."""
    x, m, v = x0.astype(np.float64), np.zeros_like(x0, np.float64), np.zeros_like(x0, np.float64)
    for k, g in enumerate(grads, start=1):
        g = g.astype(np.float64)
        if decoupled:
            x = x * (1 - lr * wd)
        else:
            g = g + wd * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * (m / (1 - b1**k)) / (np.sqrt(v / (1 - b2**k)) + eps)
    return x


@pytest.mark.parametrize("decoupled", [False, True])
def test_update_is_kingma_and_ba_algorithm_1(decoupled):
    params = _params(dtype=torch.float64)
    x0 = [p.detach().numpy().copy() for p in params]
    opt = FusedAdam(params, lr=3e-3, betas=(0.8, 0.99), eps=1e-7, weight_decay=0.1, decoupled_weight_decay=decoupled)
    _run(opt, params, 25)
    for i, p in enumerate(params):
        grads = [_grads(params, k)[i].numpy() for k in range(25)]
        ref = _numpy_adam(x0[i], grads, 3e-3, 0.8, 0.99, 1e-7, 0.1, decoupled)
        np.testing.assert_allclose(p.detach().numpy(), ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("adamw", [False, True])
def test_bitwise_torch_fused_adam_with_groups_and_a_schedule(adamw):
    ours, theirs = _params(), _params()
    kw = dict(betas=(0.9, 0.999), weight_decay=1e-2)
    a = FusedAdam([{"params": ours[:2]}, {"params": ours[2:], "lr": 5e-3}], lr=1e-2, decoupled_weight_decay=adamw, **kw)
    cls = torch.optim.AdamW if adamw else torch.optim.Adam
    b = cls([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 5e-3}], lr=1e-2, fused=True, **kw)
    _run(a, ours, 40, scheduler=torch.optim.lr_scheduler.ExponentialLR(a, 0.95))
    _run(b, theirs, 40, scheduler=torch.optim.lr_scheduler.ExponentialLR(b, 0.95))
    assert all(torch.equal(p, q) for p, q in zip(ours, theirs))
    sa, sb = a.state_dict(), b.state_dict()
    assert sa["param_groups"] == sb["param_groups"]
    for i in sb["state"]:
        assert set(sa["state"][i]) == set(sb["state"][i])
        assert all(torch.equal(sa["state"][i][k], sb["state"][i][k]) for k in sb["state"][i])


def test_checkpoints_move_between_torch_adam_and_fused_adam():
    ours, theirs = _params(), _params()
    b = torch.optim.Adam(theirs, lr=1e-2, fused=True)
    _run(b, theirs, 10)
    with torch.no_grad():
        for p, q in zip(ours, theirs):
            p.copy_(q)
    a = FusedAdam(ours, lr=1e-2)
    a.load_state_dict(copy.deepcopy(b.state_dict()))  # torch's state into ours (a copy, as from a file) ...
    _run(a, ours, 10, first=10)
    _run(b, theirs, 10, first=10)
    assert all(torch.equal(p, q) for p, q in zip(ours, theirs))
    c = torch.optim.Adam(_params(), lr=1e-2, fused=True)
    c.load_state_dict(copy.deepcopy(a.state_dict()))  # ... and ours into torch's
    assert c.state_dict()["state"][0]["step"].item() == 20


def test_missing_gradients_cleared_state_and_closures_behave_as_torch():
    ours, theirs = _params(), _params()
    a, b = FusedAdam(ours, lr=1e-2), torch.optim.Adam(theirs, lr=1e-2, fused=True)
    for opt, params in ((a, ours), (b, theirs)):
        _run(opt, params, 3)
        for p, g in zip(params, _grads(params, 3)):
            p.grad = g
        params[1].grad = None  # a parameter the loss did not reach this step: left alone, its step not counted
        opt.step()
        opt.state.clear()  # what a recovery does: the next step starts Adam afresh
        _run(opt, params, 3, first=4)
        opt.step(lambda: torch.tensor(1.0))  # a closure takes torch's own step
    assert all(torch.equal(p, q) for p, q in zip(ours, theirs))
    assert a.state[ours[1]]["step"].item() == b.state[theirs[1]]["step"].item() == 4


def test_hooks_and_the_profiler_still_see_each_step():
    params = _params()
    opt = FusedAdam(params, lr=1e-2)
    calls = []
    pre = opt.register_step_pre_hook(lambda *a: calls.append("pre"))
    post = opt.register_step_post_hook(lambda *a: calls.append("post"))
    _run(opt, params, 2)
    assert calls == ["pre", "post", "pre", "post"]
    pre.remove(), post.remove()
    _run(opt, params, 1)
    assert len(calls) == 4
    with torch.profiler.profile() as prof:
        _run(opt, params, 1)
    assert "Optimizer.step#FusedAdam.step" in {e.name for e in prof.events()}
