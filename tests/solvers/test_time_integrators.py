"""Time integrators: fitted orders (Euler 1 … RK4 4, ETDRK4 4), checkpointed rollouts, CFL warnings."""

import math

import numpy as np
import pytest
import torch

from solvers.time_integrators import (
    CFLWarning,
    NonFiniteStateError,
    check_cfl,
    etdrk4_coefficients,
    etdrk4_step,
    get_tableau,
    rk_step,
    rollout,
)


def _fit(dts, errs):
    return np.polyfit(np.log(dts), np.log(errs), 1)[0]


@pytest.mark.parametrize("method,order", [("euler", 1), ("heun", 2), ("ssprk3", 3), ("rk4", 4)])
def test_runge_kutta_orders(method, order, float64):
    rhs = lambda t, y: y * math.cos(t)
    dts, errs = [0.1, 0.05, 0.025, 0.0125], []
    for dt in dts:
        y, t = torch.tensor(1.0), 0.0
        for _ in range(round(1 / dt)):
            y = rk_step(rhs, y, t, dt, method)
            t += dt
        errs.append(abs(float(y) - math.exp(math.sin(1.0))))
    assert abs(_fit(dts, errs) - order) < 0.15, errs


def test_rk_on_tuple_states(float64):
    rhs = lambda t, s: (s[1], -s[0])
    s = (torch.tensor(1.0), torch.tensor(0.0))
    for k in range(100):
        s = rk_step(rhs, s, k * 0.01, 0.01)
    assert abs(float(s[0]) - math.cos(1.0)) < 1e-9 and abs(float(s[1]) + math.sin(1.0)) < 1e-9


@pytest.mark.parametrize("lam,dts", [(-1.0, [0.1, 0.05, 0.025]), (-50.0, [0.025, 0.0125, 0.00625])])
def test_etdrk4_is_fourth_order(lam, dts, float64):
    """u' = λu + (−u² − λu)  ⇒  u' = −u², u(0) = 1, exact 1/(1 + t); λ = −50 is the stiff split."""
    L = torch.tensor([lam])
    errs = []
    for dt in dts:
        co = etdrk4_coefficients(L, dt)
        v = torch.tensor([1.0], dtype=torch.complex128)
        for _ in range(round(0.5 / dt)):
            v = etdrk4_step(v, lambda u: -u * u - lam * u, co)
        errs.append(abs(float(v.real[0]) - 1 / 1.5))
    assert abs(_fit(dts, errs) - 4) < 0.3, errs


def test_checkpointed_rollout_gives_identical_gradients(float64):
    w = torch.tensor([0.3, -0.2], requires_grad=True)
    step = lambda y: y + 0.01 * torch.tanh(y * w)
    y0 = torch.tensor([1.0, 2.0])
    g_plain = torch.autograd.grad(rollout(step, y0, 200).sum(), w)[0]
    g_ckpt = torch.autograd.grad(rollout(step, y0, 200, checkpoint_every=20).sum(), w)[0]
    torch.testing.assert_close(g_plain, g_ckpt, rtol=0, atol=1e-14)


def test_rollout_stops_on_non_finite_state_keeping_last_snapshot():
    seen = []
    step = lambda y: y * 10.0
    with pytest.raises(NonFiniteStateError, match="non-finite by step"):
        rollout(step, torch.tensor([1e30]), 50, snapshot_every=1, on_snapshot=lambda k, s: seen.append((k, float(s))))
    assert seen and np.isfinite(seen[-1][1])


def test_cfl_warning_names_the_remedy():
    with pytest.warns(CFLWarning, match=r"CFL = 2 > 1 .*reduce dt to at most 0.05"):
        assert check_cfl(2.0, 0.1, 0.1) == pytest.approx(2.0)
    assert check_cfl(1.0, 0.1, 0.05) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="Unknown Runge"):
        get_tableau("rk45")
