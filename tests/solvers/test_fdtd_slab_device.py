"""3-D inverse design: a design region extruded through a silicon slab, 3-D mode ports, and the adjoint gradient
against central differences."""

import numpy as np
import pytest
import torch

from solvers.fdtd.design_region import DesignRegion
from solvers.fdtd.planar_device import DevicePort
from solvers.fdtd.slab_device import SlabDevice

DX = 0.05e-6


def _device(design_eps_min=2.085):
    """A straight silicon wire (8 × 5 cells, ε = 12.1 in silica) with a 12 × 14 design region across its middle."""
    return SlabDevice(
        shape=(40, 30, 27),
        cell_size=DX,
        pml_cells=7,
        slab_eps=12.1,
        cladding_eps=2.085,
        slab=(11, 16),
        waveguides=((0, 40, 11, 19),),
        design=DesignRegion((14, 8), (12, 14), design_eps_min, 12.1, z_span=(11, 16)),
        source=DevicePort("in", 0, 9, 15, 14),
        outputs=(DevicePort("out", 0, 30, 15, 14),),
        port_z=(8, 19),
        wavelengths=(1.55e-6,),
    )


def test_a_design_filled_with_the_wire_transmits_and_the_adjoint_gradient_matches_central_differences(float64):
    device = _device()
    device.check()
    steps = device.default_steps(transits=3)
    solid = np.zeros(device.design.shape)
    solid[:, 3:11] = 1.0  # the wire continued through the region
    with torch.no_grad():
        t = device.transmissions(device.permittivity(torch.tensor(solid), 1e3), steps, fluxes=True)
    # a straight wire: measured T 0.984, R 8.4e-4 (the ports' sections end 1 cell from the CPML on this small grid)
    assert 0.97 < float(t["out"][0]) < 1.01 and float(t["reflection"][0]) < 0.01
    # and the net power through the output port over that through the incident monitor: all of it in the mode
    # (measured 0.988 against T 0.984)
    assert abs(float(t["out_flux"][0]) - float(t["out"][0])) < 0.02, (t["out_flux"], t["out"])

    rng = np.random.default_rng(1)
    x0 = rng.uniform(0.3, 0.7, device.design.shape)

    def objective(x):
        return device.transmissions(device.permittivity(x, 4.0), steps)["out"][0]

    x = torch.tensor(x0, requires_grad=True)
    (grad,) = torch.autograd.grad(objective(x), x)
    h = 1e-3
    for i, j in [(2, 7), (6, 4), (9, 10)]:
        up, down = x0.copy(), x0.copy()
        up[i, j] += h
        down[i, j] -= h
        with torch.no_grad():
            fd = float(objective(torch.tensor(up)) - objective(torch.tensor(down))) / (2 * h)
        assert abs(float(grad[i, j]) - fd) <= 1e-4 * abs(fd) + 1e-9, ((i, j), float(grad[i, j]), fd)  # ≤ 5.8e-6


def test_slab_device_input_errors_name_the_fix():
    device = _device()
    bad = SlabDevice(**{**device.__dict__, "design": DesignRegion((14, 8), (12, 14), 2.085, 12.1)})
    with pytest.raises(ValueError, match="needs z_span"):
        bad.check()
    bad = SlabDevice(**{**device.__dict__, "design": DesignRegion((14, 8), (12, 14), 2.085, 12.1, z_span=(20, 40))})
    with pytest.raises(ValueError, match="z_span"):
        bad.check()
    with pytest.raises(ValueError, match="in-plane ports"):
        device.port(DevicePort("up", 2, 10, 15, 14))
