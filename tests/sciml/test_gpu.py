"""GPU checks (skipped without CUDA; run by scripts/gpu_check.sh on a lent GPU machine)."""

import math

import pytest
import torch

from sciml.autodiff import derivatives
from sciml.networks import MLP
from sciml.runtime import resolve_device

pytestmark = pytest.mark.gpu


def test_engines_agree_on_cuda():
    torch.manual_seed(0)
    net = MLP(2, 1, 32, 3).double().cuda()
    x = torch.rand(257, 2, dtype=torch.float64, device="cuda")
    a, b = derivatives(net, x, "taylor"), derivatives(net, x, "autograd")
    for k in range(2):
        torch.testing.assert_close(a.d2(0, k), b.d2(0, k), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("mode", ["pynative", "graph"])
def test_burgers_pinn_trains_on_cuda(mode):
    from physics import Burgers
    from sciml.geometry import Interval, SpaceTime, TimeDomain
    from sciml.training import Phase
    from solvers.pinn import PINNSolver, Sampling

    torch.manual_seed(0)
    s = PINNSolver(
        Burgers(0.01 / math.pi),
        SpaceTime(Interval(-1, 1), TimeDomain(0, 1)),
        MLP(2, 1, 20, 3),
        [Phase("adam", 200, 1e-3)],
        Sampling(2000, 0, 0),
        mode=mode,
        device="gpu",
    )
    assert resolve_device("gpu").type == "cuda" and s.points.interior.is_cuda
    h = s.fit().history
    assert h[-1] < h[0]


def test_fno_on_cuda_matches_cpu():
    from sciml.networks import FNO

    torch.manual_seed(0)
    net = FNO(1, 1, (6, 6), width=8, layers=2).double()
    x = torch.randn(3, 1, 24, 20, dtype=torch.float64)
    ref = net(x)
    out = net.cuda()(x.cuda())
    torch.testing.assert_close(out.cpu(), ref, rtol=1e-10, atol=1e-10)
    out.square().mean().backward()
    assert all(p.grad is not None and p.grad.is_cuda for p in net.parameters())
