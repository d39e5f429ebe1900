"""Relative-entropy fitting: the RDF integral equals the direct pair sum, and the Gauss–Newton step is the
exact Newton step of S_rel for harmonic oscillators (a closed-form case), converging to the target."""

import numpy as np
import pytest
import torch

from physics.forcefields import fcc, lennard_jones, lennard_jones_pair
from solvers.md.observables import rdf
from solvers.md.relative_entropy import newton_step, pair_parameter_derivatives, rdf_average


def test_rdf_average_equals_the_direct_pair_sum(float64):
    R0, box = fcc(4, density=0.8)
    g = torch.Generator().manual_seed(0)
    frames = [R0 + 0.12 * torch.randn(R0.shape, generator=g, dtype=R0.dtype) for _ in range(6)]
    theta = torch.tensor([1.0, 1.0])
    U = lennard_jones_pair(box=box, cutoff=2.5)
    direct = np.mean([float(U(f)) for f in frames])
    r, gr = rdf(frames, box, 2.5, 5000)
    via_rdf = rdf_average(r, gr, len(R0), float(box.prod()), lambda rr: lennard_jones(rr), 2.5)
    assert float(via_rdf) == pytest.approx(direct, rel=2e-3)
    # and the parameter derivatives: autograd through the direct sum
    th = theta.clone().requires_grad_(True)
    Ut = lennard_jones_pair(box=box, cutoff=2.5, sigma=th[0], epsilon=th[1])
    direct_d = np.mean([torch.stack(torch.autograd.grad(Ut(f), th)).detach().numpy() for f in frames], 0)
    d = rdf_average(
        r,
        gr,
        len(R0),
        float(box.prod()),
        pair_parameter_derivatives(lambda rr, s, e: lennard_jones(rr, s, e), theta),
        2.5,
    )
    assert np.allclose(d.numpy(), direct_d, rtol=5e-3)


def test_newton_step_is_exact_for_harmonic_oscillators(float64):
    # U = ½ k x², β = 1: ⟨∂U/∂k⟩_k = 1/(2k); S_rel(k) = k/(2k*) − ½ ln k, so Newton from k goes to
    # k + (1/(2k) − 1/(2k*)) · 2k² exactly; the fluctuation matrix Var(x²/2) = 1/(2k²) is that curvature.
    k_target, k = 2.0, 1.0
    g = torch.Generator().manual_seed(1)
    for _ in range(8):
        x = torch.randn(400_000, generator=g, dtype=torch.float64) / np.sqrt(k)
        step = newton_step(
            torch.tensor([1 / (2 * k_target)]),
            torch.tensor([1 / (2 * k)]),
            (0.5 * x * x)[:, None],
            1.0,
            max_relative_step=10.0,
            theta=torch.tensor([k]),
        )
        exact = (1 / (2 * k) - 1 / (2 * k_target)) * 2 * k * k
        assert float(step) == pytest.approx(exact, rel=0.02, abs=1e-3)
        k = k + float(step)
    assert k == pytest.approx(k_target, rel=1e-3)


def test_trust_region_caps_the_step(float64):
    step = newton_step(
        torch.tensor([0.0]),
        torch.tensor([1.0]),
        torch.randn(100, 1, dtype=torch.float64) * 1e-3,
        1.0,
        max_relative_step=0.1,
        theta=torch.tensor([2.0]),
    )
    assert abs(float(step)) == pytest.approx(0.2)
