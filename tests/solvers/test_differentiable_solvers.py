"""Gradients through 1000 solver steps match central finite differences (float64, ≤ 1e-4 relative)."""

import math

import torch

from sciml.fields import wavenumbers
from solvers.grid.burgers import burgers_rk_step
from solvers.grid.navier_stokes import NSGrid, NSState, step
from solvers.time_integrators import rollout


def _check_directional(loss, x, v, eps, rtol=1e-4):
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss(x), x)
    with torch.no_grad():
        fd = (loss(x + eps * v) - loss(x - eps * v)) / (2 * eps)
    ad = torch.sum(g * v)
    assert abs(float(ad - fd)) <= rtol * abs(float(fd)), (float(ad), float(fd))


def _burgers_loss_factory(n=64, steps=1000, dt=1e-3):
    k = wavenumbers(n, 2.0, real=True, dtype=torch.float64)
    x = -1 + torch.arange(n, dtype=torch.float64) * (2.0 / n)
    w = torch.cos(3 * math.pi * x + 0.4) + 0.5 * x + 0.2  # no symmetry that could zero the gradient

    def loss(u0, nu):
        st = rollout(lambda v: burgers_rk_step(v, k, nu, dt, n), torch.fft.rfft(u0), steps, checkpoint_every=100)
        return torch.sum(torch.fft.irfft(st, n=n) * w)

    return x, loss


def test_burgers_gradient_wrt_initial_condition_and_viscosity():
    x, loss = _burgers_loss_factory()
    u0 = -torch.sin(math.pi * x)
    nu = torch.tensor(0.05, dtype=torch.float64)
    _check_directional(lambda u: loss(u, nu), u0, torch.exp(-10 * (x - 0.3) ** 2), 1e-6)
    _check_directional(lambda n_: loss(u0, n_), nu, torch.tensor(1.0, dtype=torch.float64), 1e-7)


def _ns_setup(n=64, steps=1000, dt=0.01):
    g = NSGrid(n)
    x, y = g.coordinates()
    w0 = torch.sin(x) * torch.cos(2 * y) + 0.5 * torch.cos(3 * x + y)
    target = torch.cos(x + 0.3) * torch.sin(2 * y + 0.1) + 0.2 * torch.sin(x - y)

    def loss(w_init, nu):
        s = rollout(lambda st: step(st, dt, g, nu), NSState(g.to_spectral(w_init)[None]), steps, checkpoint_every=100)
        return torch.mean(g.to_physical(s.w_hat)[0] * target)

    return g, w0, loss


def test_navier_stokes_64_gradient_through_1000_steps():
    g, w0, loss = _ns_setup()
    nu = torch.tensor(1e-2, dtype=torch.float64)
    x, y = g.coordinates()
    _check_directional(lambda w: loss(w, nu), w0, torch.cos(x + 0.2) * torch.sin(y) + 0.3 * torch.sin(2 * x + y), 1e-5)
    _check_directional(lambda n_: loss(w0, n_), nu, torch.tensor(1.0, dtype=torch.float64), 1e-6)


def test_recover_viscosity_from_final_state():
    """Inverse demo: fit ν from the final vorticity of a 64² run by gradient-based L-BFGS on log ν."""
    g = NSGrid(64)
    x, y = g.coordinates()
    w0 = torch.sin(x) * torch.cos(2 * y) + 0.5 * torch.cos(3 * x + y)
    run = lambda nu: g.to_physical(rollout(lambda s: step(s, 0.02, g, nu), NSState(g.to_spectral(w0)[None]), 100).w_hat)
    target = run(torch.tensor(0.02, dtype=torch.float64)).detach()
    log_nu = torch.tensor(math.log(0.04), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_nu], lr=1.0, max_iter=15, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.mean((run(log_nu.exp()) - target) ** 2)
        loss.backward()
        return loss

    opt.step(closure)
    assert abs(float(log_nu.exp()) - 0.02) / 0.02 < 1e-4
