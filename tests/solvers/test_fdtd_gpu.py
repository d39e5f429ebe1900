"""FDTD on CUDA (skipped without it): the same run on GPU and CPU agrees, and gradients flow on the GPU."""

import pytest
import torch

from physics.maxwell import C0, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import Probe, YeeGrid, coefficients, run

pytestmark = pytest.mark.gpu


def _probe(device, eps):
    g = YeeGrid((24, 22, 20), 1e-3, ("pml", "pml", "pml"), pml_cells=5)
    co = coefficients(g, Materials(eps_r=eps.to(device)), dtype=torch.float64, device=device)
    src = PointSource((12, 11, 10), ModulatedGaussian(C0 / (10e-3), C0 / 20e-3), "ez")
    return run(co, 80, [src], [Probe((16, 14, 12), "ez")]).probes["probe"]


def test_fdtd_cuda_matches_cpu_and_differentiates():
    eps = 1.0 + torch.rand(24, 22, 20, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    cpu = _probe("cpu", eps)
    e = eps.cuda().requires_grad_(True)
    gpu = _probe("cuda", e)
    torch.testing.assert_close(gpu.detach().cpu(), cpu, rtol=1e-9, atol=1e-12 * float(cpu.abs().max()))
    (g,) = torch.autograd.grad(gpu.pow(2).sum(), e)
    assert bool(torch.isfinite(g).all()) and float(g.abs().max()) > 0
