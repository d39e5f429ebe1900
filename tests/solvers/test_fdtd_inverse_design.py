"""Inverse design: the filter and projection, the autograd gradient against central differences on the mode converter,
the optimiser's recovery from NaN, and clear errors for misplaced design regions."""

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from solvers.fdtd import YeeGrid
from solvers.fdtd.design_region import DesignRegion, conic_filter, gray_indicator, tanh_projection
from solvers.fdtd.experiments.inverse_design import DeviceSettings
from solvers.fdtd.inverse_design import optimize_design


def _mode_converter():
    node = OmegaConf.load("configs/experiment/fdtd_mode_converter.yaml")["photonic_device"]
    return DeviceSettings(**OmegaConf.to_container(node)).build()


def test_filter_preserves_the_mean_and_projection_thresholds():
    x = torch.rand(30, 30, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    f = conic_filter(x, 3.0)
    assert abs(float(f.mean() - x.mean())) < 0.02 and float(f.std()) < float(x.std())  # a smoothing average
    assert torch.allclose(conic_filter(torch.full((9, 9), 0.3, dtype=torch.float64), 2.5), torch.tensor(0.3).double())
    p = tanh_projection(torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0], dtype=torch.float64), 1e4)
    assert torch.allclose(p, torch.tensor([0.0, 0.0, 0.5, 1.0, 1.0], dtype=torch.float64), atol=1e-12)
    low_beta = tanh_projection(torch.tensor([0.3], dtype=torch.float64), 1e-6)
    assert abs(float(low_beta) - 0.3) < 1e-6  # β → 0 is the identity


def test_mode_converter_autograd_gradient_matches_central_differences_on_ten_pixels(float64):
    device = _mode_converter()
    device.check()
    rng = np.random.default_rng(0)
    x0 = rng.uniform(0.3, 0.7, device.design.shape)

    def objective(x):
        return device.transmissions(device.permittivity(x, 4.0), steps=1200, checkpoint_every=100, gradient="autograd")[
            "out"
        ][0]

    x = torch.tensor(x0, requires_grad=True)
    (grad,) = torch.autograd.grad(objective(x), x)
    pixels = [(int(i), int(j)) for i, j in zip(rng.integers(0, 30, 10), rng.integers(0, 30, 10))]
    h = 1e-4
    for i, j in pixels:
        up, down = x0.copy(), x0.copy()
        up[i, j] += h
        down[i, j] -= h
        with torch.no_grad():
            fd = (objective(torch.tensor(up)) - objective(torch.tensor(down))) / (2 * h)
        assert abs(float(grad[i, j]) - float(fd)) <= 1e-5 * abs(float(fd)) + 1e-12, (
            (i, j),
            float(grad[i, j]),
            float(fd),
        )


def test_the_optimiser_recovers_from_nan_evaluations():
    calls = {"n": 0}

    def objective(x, beta):  # a concave bowl with its top at 0.7, NaN on every third call
        calls["n"] += 1
        value = -((x - 0.7) ** 2).sum()
        return value * float("nan") if calls["n"] % 3 == 0 else value

    hist = optimize_design(objective, np.zeros((3, 3)), betas=(1.0,), iterations_per_stage=30)
    assert hist.recoveries > 0
    assert np.allclose(hist.x, 0.7, atol=1e-3)


def test_the_gray_penalty_turns_a_gray_optimum_black_and_white():
    """Maximising ``−mean (ρ − ½)²`` alone ends gray (ρ = ½). Minus ``γ M`` with Sigmund's ``M = mean 4ρ(1 − ρ)`` the
    total is ``(4γ − 1) mean (ρ − ½)² − γ``: for ``γ > ¼`` it is convex and its maxima are the bounds, ρ ∈ {0, 1}."""
    assert float(gray_indicator(torch.tensor([0.0, 1.0, 0.0]))) == 0.0
    assert float(gray_indicator(torch.full((4, 4), 0.5))) == 1.0
    x0 = np.random.default_rng(1).uniform(0.4, 0.6, (6, 6))

    def plain(x, beta):
        return -((x - 0.5) ** 2).mean()

    def penalised(x, beta):
        return plain(x, beta) - 1.0 * gray_indicator(x)

    gray = optimize_design(plain, x0, betas=(1.0,), iterations_per_stage=30).x
    assert np.allclose(gray, 0.5, atol=1e-4)
    binary = optimize_design(penalised, x0, betas=(1.0,), iterations_per_stage=30).x
    assert np.allclose(binary, np.round(binary), atol=1e-8)
    assert np.array_equal(np.round(binary), (x0 > 0.5).astype(float))  # each cell goes to the bound it was nearer


def test_a_design_region_outside_the_grid_is_refused():
    grid = YeeGrid((60, 60, 1), 5e-8, ("pml", "pml", "periodic"), pml_cells=10)
    with pytest.raises(ValueError, match="outside the grid's interior"):
        DesignRegion((45, 20), (20, 20), 1.0, 12.0).check(grid)
    with pytest.raises(ValueError, match="outside the grid's interior"):
        DesignRegion((5, 20), (20, 20), 1.0, 12.0).check(grid)  # in the CPML
