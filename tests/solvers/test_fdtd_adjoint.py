"""The adjoint gradient (solvers/fdtd/adjoint.py): against reverse-mode autograd through every step, and against
central differences of the forward run, once the fields have rung down; clear errors where it does not apply."""

import math
import warnings
from dataclasses import replace

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from physics.maxwell import DistributedSource, ModulatedGaussian, PlaneSource, PointSource
from solvers.fdtd import YeeGrid
from solvers.fdtd.adjoint import dft_with_adjoint, kick_spectrum
from solvers.fdtd.design_region import DesignRegion
from solvers.fdtd.experiments.inverse_design import DeviceSettings
from solvers.fdtd.monitors import DFTMonitor, Probe
from solvers.fdtd.planar_device import DevicePort, PlanarDevice

NM = 1e-9


def _splitter() -> PlanarDevice:
    """A small two-wavelength device: a waveguide into a 16 x 16 design region and out on the far side."""
    return PlanarDevice(
        shape=(56, 48),
        cell_size=60 * NM,
        pml_cells=10,
        slab_eps=12.25,
        cladding_eps=2.25,
        waveguides=((0, 20, 21, 26), (36, 56, 21, 26)),
        design=DesignRegion((20, 16), (16, 16), 2.25, 12.25, filter_radius=1.5),
        source=DevicePort("in", 0, 12, 23, 16),
        outputs=(DevicePort("out", 0, 42, 23, 16),),
        wavelengths=(1500 * NM, 1600 * NM),
    )


def test_kick_spectrum_of_the_quadrature_pair_is_a_quarter_period_apart():
    dt, f, steps = 1e-16, 2e14, 4000  # 50 steps per period; the pulse is over by step 1300
    p = kick_spectrum(ModulatedGaussian(f, 0.1 * f), steps, dt, f)
    q = kick_spectrum(ModulatedGaussian(f, 0.1 * f, phase=math.pi / 2), steps, dt, f)
    # sin and cos carriers under one envelope: near the carrier the spectra differ by a factor ±i
    assert abs(abs(p) - abs(q)) < 1e-6 * abs(p)
    assert abs(abs(math.remainder(np.angle(q / p), math.pi)) - math.pi / 2) < 1e-6


def test_adjoint_gradient_equals_autograd_at_two_wavelengths_once_the_fields_ring_down(float64):
    device = _splitter()
    device.check()
    x0 = np.random.default_rng(1).uniform(0.3, 0.7, device.design.shape)
    steps = device.default_steps()  # this small device rings down within them
    grads = {}
    for how in ("adjoint", "autograd"):
        x = torch.tensor(x0, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = device.transmissions(device.permittivity(x, 4.0), steps, checkpoint_every=250, gradient=how)
        assert not [w for w in caught if "rung down" in str(w.message)]  # it has, and no warning says otherwise
        objective = t["out"][0] - 0.5 * t["out"][1] + 0.3 * t["reflection"][1]  # both wavelengths, both ports
        (grads[how],) = torch.autograd.grad(objective, x)
    a, b = grads["adjoint"], grads["autograd"]
    assert float(b.norm()) > 0
    assert float((a - b).norm() / b.norm()) < 1e-7  # 5e-10 measured


def test_mode_converter_adjoint_gradient_matches_central_differences_on_ten_pixels(float64):
    node = OmegaConf.load("configs/experiment/fdtd_mode_converter.yaml")["photonic_device"]
    device = DeviceSettings(**OmegaConf.to_container(node)).build()
    rng = np.random.default_rng(0)
    x0 = rng.uniform(0.3, 0.7, device.design.shape)
    steps = 4 * device.default_steps()

    def objective(x):
        return device.transmissions(device.permittivity(x, 4.0), steps, gradient="adjoint")["out"][0]

    x = torch.tensor(x0, requires_grad=True)
    (grad,) = torch.autograd.grad(objective(x), x)
    pixels = [(int(i), int(j)) for i, j in zip(rng.integers(0, 30, 10), rng.integers(0, 30, 10))]
    h = 1e-4
    scale = float(grad.abs().max())
    for i, j in pixels:
        up, down = x0.copy(), x0.copy()
        up[i, j] += h
        down[i, j] -= h
        with torch.no_grad():
            fd = float(objective(torch.tensor(up)) - objective(torch.tensor(down))) / (2 * h)
        assert abs(float(grad[i, j]) - fd) <= 1e-3 * abs(fd) + 1e-6 * scale, ((i, j), float(grad[i, j]), fd)


def _box_case():
    grid = YeeGrid((40, 40, 1), 50 * NM, ("pml", "pml", "periodic"), pml_cells=8)
    eps = {c: torch.full(grid.shape, 2.0, dtype=torch.float64) for c in ("ex", "ey", "ez")}
    f = 2e14
    monitor = DFTMonitor((f,), ("ez",), (slice(30, 31), slice(15, 25), 0), "out")
    source = PointSource((12, 20, 0), ModulatedGaussian(f, 0.2 * f))
    return grid, eps, monitor, source


def test_the_adjoint_refuses_a_design_box_in_the_cpml_or_holding_a_source():
    grid, eps, monitor, source = _box_case()
    with pytest.raises(ValueError, match="reaches into the CPML"):
        dft_with_adjoint(grid, eps, 10, [source], [monitor], box=(slice(2, 20), slice(10, 20), slice(None)))
    with pytest.raises(ValueError, match="acts inside the design box"):
        dft_with_adjoint(grid, eps, 10, [source], [monitor], box=(slice(10, 20), slice(10, 30), slice(None)))
    pattern = torch.zeros(grid.shape, dtype=torch.float64)
    pattern[15, 15, 0] = 1.0
    sheet = DistributedSource(pattern, ModulatedGaussian(2e14, 4e13), "ez")
    with pytest.raises(ValueError, match="acts inside the design box"):
        dft_with_adjoint(grid, eps, 10, [sheet], [monitor], box=(slice(10, 20), slice(10, 30), slice(None)))
    plane = PlaneSource(0, 14, ModulatedGaussian(2e14, 4e13))
    with pytest.raises(ValueError, match="PlaneSource on ez acts inside the design box"):
        dft_with_adjoint(grid, eps, 10, [plane], [monitor], box=(slice(10, 20), slice(10, 30), slice(None)))
    with pytest.raises(ValueError, match="DFT monitors only, got \\['Probe'\\]"):
        dft_with_adjoint(
            grid, eps, 10, [source], [monitor, Probe((30, 20, 0))], box=(slice(15, 25), slice(15, 25), slice(None))
        )


def test_the_adjoint_refuses_a_monitor_in_the_cpml():
    grid, eps, _, source = _box_case()
    inside_pml = DFTMonitor((2e14,), ("ez",), (slice(35, 36), slice(15, 25), 0), "late")
    with pytest.raises(ValueError, match="DFT monitor 'late' reaches into the CPML"):
        dft_with_adjoint(grid, eps, 10, [source], [inside_pml], box=(slice(15, 25), slice(15, 25), slice(None)))


def test_a_run_too_short_to_ring_down_says_so():
    device = _splitter()
    x = torch.full(device.design.shape, 0.5, dtype=torch.float64)
    with pytest.warns(UserWarning, match="the forward run still changed its DFTs by .* have not rung down"):
        device.transmissions(device.permittivity(x, 4.0), device.default_steps() // 3)


def test_planar_device_rejects_an_unknown_gradient_method():
    device = _splitter()
    x = torch.full(device.design.shape, 0.5, dtype=torch.float64)
    with pytest.raises(ValueError, match="'adjoint' or 'autograd'"):
        device.transmissions(device.permittivity(x, 4.0), 10, gradient="finite")


def test_adjoint_gradient_equals_autograd_in_3d_with_e_and_h_monitors_on_every_component(float64):
    from physics.maxwell import Materials
    from solvers.fdtd import coefficients, run

    grid = YeeGrid((22, 20, 18), 40 * NM, ("pml", "pml", "pml"), pml_cells=5)
    f = 1.6e14  # about 47 cells per wavelength in the dielectric
    source = PointSource((8, 9, 9), ModulatedGaussian(f, 0.3 * f), "ey")
    region = (slice(15, 17), slice(7, 13), slice(7, 11))
    monitor = DFTMonitor((f, 1.1 * f), ("ex", "ey", "ez", "hx", "hy", "hz"), region, "box")
    box = (slice(10, 14), slice(7, 13), slice(6, 12))
    weights = {c: torch.randn(2, 2, 6, 4, generator=torch.Generator().manual_seed(i)) for i, c in enumerate("xyz")}
    base = 1.0 + torch.rand(grid.shape, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    steps = 1400  # nearly rung down: 1.6e-3 from autograd here, 5e-6 at 2100 steps

    def objective(dft):
        total = 0
        for kind in "eh":
            for a, w in weights.items():
                v = dft[f"{kind}{a}"] / (dft[f"{kind}{a}"].abs().max().detach() + 1e-300)
                total = total + ((v * w).sum(dim=(1, 2, 3)).abs() ** 2).sum()
        return total

    grads = {}
    for how in ("adjoint", "autograd"):
        eps = {c: base.clone().requires_grad_(True) for c in ("ex", "ey", "ez")}
        if how == "adjoint":
            dft = dft_with_adjoint(grid, eps, steps, [source], [monitor], box)["box"]
        else:
            dft = run(coefficients(grid, Materials(eps_r=eps), dtype=torch.float64), steps, [source], [monitor])
            dft = dft.dft["box"]
        grads[how] = torch.autograd.grad(objective(dft), list(eps.values()))
    for c, a, b in zip(("ex", "ey", "ez"), *grads.values()):
        ref = b[box]
        assert float(ref.norm()) > 0, c
        assert float((a[box] - ref).norm() / ref.norm()) < 5e-3, c
        outside = a.clone()
        outside[box] = 0
        assert not bool(outside.any())  # the gradient is taken on the box only


def test_one_adjoint_run_for_three_frequencies_equals_one_run_per_frequency(float64):
    from physics.maxwell import Materials
    from solvers.fdtd import coefficients
    from solvers.fdtd.adjoint import _adjoint_runs

    grid = YeeGrid((48, 40, 1), 50 * NM, ("pml", "pml", "periodic"), pml_cells=8)
    eps = torch.full(grid.shape, 2.25, dtype=torch.float64)
    eps[10:38, 18:22] = 12.25
    co = coefficients(grid, Materials(eps_r=eps), dtype=torch.float64)
    gen = torch.Generator().manual_seed(3)
    kicks = {}
    for f in (1.8e14, 1.9e14, 2.0e14):
        g = torch.zeros(grid.shape, dtype=torch.complex128)
        re, im = torch.randn(2, 12, generator=gen, dtype=torch.float64)
        g[30, 14:26, 0] = torch.complex(re, im)
        kicks[f] = {"ez": g}
    box = (slice(12, 24), slice(12, 28), slice(None))
    maps = {c: eps for c in ("ex", "ey", "ez")}
    joint = _adjoint_runs(co, maps, 8000, kicks, box, ["ez"])
    apart = _adjoint_runs(co, maps, 8000, kicks, box, ["ez"], max_condition=1.0)  # forces one run per frequency
    for f in kicks:
        a, b = joint[f]["ez"], apart[f]["ez"]
        assert float(b.abs().max()) > 0
        assert float((a - b).abs().max() / b.abs().max()) < 1e-6, f


def test_adjoint_gradients_in_a_lossy_dispersive_medium_equal_autograd(float64):
    """With conductivity the kicks scale by ε_eff = ε_r + σΔt/(2ε₀) and σ has a gradient of its own (module
    docstring); a Drude particle and a permeability patch held fixed leave the operator symmetric. Both gradients
    against reverse-mode autograd through every step of the same run."""
    from physics.maxwell import Materials
    from solvers.fdtd import coefficients, run

    grid = YeeGrid((44, 40, 1), 50 * NM, ("pml", "pml", "periodic"), pml_cells=8)
    f = 1.9e14
    source = PointSource((12, 20, 0), ModulatedGaussian(f, 0.3 * f), "ez")
    monitor = DFTMonitor((f, 1.1 * f), ("ez", "hx", "hy"), (slice(32, 34), slice(14, 26), 0), "out")
    box = (slice(17, 28), slice(12, 28), slice(None))
    gen = torch.Generator().manual_seed(5)
    base = 2.25 + 8 * torch.rand(grid.shape, generator=gen, dtype=torch.float64)
    lossy = torch.zeros(grid.shape, dtype=torch.float64)
    lossy[box] = 3e3 * torch.rand(lossy[box].shape, generator=gen, dtype=torch.float64)  # σΔt/(2ε₀) up to 0.02
    lossy[30:36, 12:28] = 3e3  # the monitor sits in a lossy medium too: there the adjoint kicks scale by 1/ε_eff
    weights = torch.randn(2, 2, 12, generator=gen, dtype=torch.float64)
    plasma = torch.zeros(grid.shape, dtype=torch.float64)
    plasma[28:30, 22:27] = 5e15  # a Drude particle (rad/s) between the design box and the monitor
    mu = torch.ones(grid.shape, dtype=torch.float64)
    mu[20:26, 28:31] = 1.5
    medium = Materials(mu_r=mu, drude_omega_p=plasma, drude_gamma=2e14)
    steps = 4000

    def objective(dft):
        total = 0
        for k, c in enumerate(("ez", "hx")):
            v = dft[c] / dft[c].abs().max().detach()
            total = total + ((v * weights[k]).sum(dim=(1, 2)).abs() ** 2).sum()
        return total

    grads = {}
    for how in ("adjoint", "autograd"):
        eps = {c: base.clone().requires_grad_(True) for c in ("ex", "ey", "ez")}
        sigma = lossy.clone().requires_grad_(True)
        if how == "adjoint":
            dft = dft_with_adjoint(grid, eps, steps, [source], [monitor], box, sigma=sigma, medium=medium)["out"]
        else:
            co = coefficients(grid, replace(medium, eps_r=eps, sigma=sigma), dtype=torch.float64)
            dft = run(co, steps, [source], [monitor]).dft["out"]
        grads[how] = torch.autograd.grad(objective(dft), [eps["ez"], sigma])
    for name, a, b in zip(("eps_ez", "sigma"), *grads.values()):
        ref = b[box]
        assert float(ref.norm()) > 0, name
        assert float((a[box] - ref).norm() / ref.norm()) < 1e-6, name  # 2.1e-9 and 3.2e-10 measured
    # the conductivity matters here: its gradient is not a rescaled permittivity gradient
    g_eps, g_sigma = (g[box].flatten() for g in grads["autograd"])
    assert abs(float(torch.nn.functional.cosine_similarity(g_eps, g_sigma, dim=0))) < 0.9


def test_the_adjoint_refuses_a_negative_conductivity_and_a_medium_that_repeats_eps_or_sigma():
    from physics.maxwell import Materials

    grid = YeeGrid((30, 30, 1), 50 * NM, ("pml", "pml", "periodic"), pml_cells=8)
    eps = {c: torch.ones(grid.shape, dtype=torch.float64) for c in ("ex", "ey", "ez")}
    monitor = DFTMonitor((2e14,), ("ez",), (slice(20, 21), slice(10, 20), 0), "out")
    with pytest.raises(ValueError, match="non-negative conductivity"):
        dft_with_adjoint(grid, eps, 10, [], [monitor], sigma=-1.0)
    with pytest.raises(ValueError, match="does not broadcast to the grid"):
        dft_with_adjoint(grid, eps, 10, [], [monitor], sigma=torch.zeros(7, 3))
    for medium in (Materials(eps_r=2.0), Materials(sigma=1.0), Materials(sigma=torch.zeros(grid.shape))):
        with pytest.raises(ValueError, match="Build the medium without eps_r and sigma"):
            dft_with_adjoint(grid, eps, 10, [], [monitor], medium=medium)
    dft_with_adjoint(grid, eps, 10, [], [monitor], medium=Materials(eps_r=1, sigma=0.0))  # the defaults, spelled out
