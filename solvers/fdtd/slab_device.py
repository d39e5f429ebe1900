"""3-D slab devices for inverse design: a planar pattern etched through a slab, with 3-D mode ports.

A :class:`SlabDevice` is :class:`~solvers.fdtd.planar_device.PlanarDevice` in three dimensions: a grid of
``shape = (nx, ny, nz)`` cells with a CPML all round, a slab of ``slab_eps`` over cells ``slab = (k0, k1)`` of z in a
``cladding_eps`` background, waveguides as in-plane cell boxes ``(i0, i1, j0, j1)`` cut from the slab, and a
:class:`~solvers.fdtd.design_region.DesignRegion` whose 2-D density is extruded through the slab (its ``z_span``).
Ports are the in-plane :class:`~solvers.fdtd.planar_device.DevicePort` of the 2-D device, given the cross-section's
z cells ``port_z``; each becomes a :class:`~solvers.fdtd.mode_ports_3d.ModePort3D` whose modes are the grid's own
full-vector modes (quasi-TE first: E in the slab's plane).

:meth:`SlabDevice.transmissions` returns, per wavelength, the power in each output's mode over the power launched
(measured by an ``incident`` port two cells downstream of the source), differentiable in the permittivity maps by
one adjoint run (:func:`solvers.fdtd.adjoint.dft_with_adjoint`: two forward-cost runs for every wavelength, no tape).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from physics.maxwell import C0, Materials, ModulatedGaussian
from solvers.fdtd.adjoint import dft_with_adjoint
from solvers.fdtd.design_region import DesignRegion
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.mode_ports_3d import ModePort3D
from solvers.fdtd.monitors import DFTMonitor
from solvers.fdtd.planar_device import DevicePort, device_pulse
from solvers.fdtd.simulation import run
from solvers.fdtd.yee import coefficients


@dataclass(frozen=True)
class SlabDevice:
    """Grid ``shape`` (cells) of ``cell_size`` (m) with a ``pml_cells`` CPML; a slab of ``slab_eps`` over z cells
    ``slab`` in ``cladding_eps``; ``waveguides`` as in-plane cell boxes ``(i0, i1, j0, j1)`` of slab; the ``design``
    region (its ``z_span`` the slab); the ``source`` port, the ``outputs``, the ports' z cells ``port_z``, and the
    vacuum ``wavelengths`` (m)."""

    shape: tuple
    cell_size: float
    pml_cells: int
    slab_eps: float
    cladding_eps: float
    slab: tuple
    waveguides: tuple
    design: DesignRegion
    source: DevicePort
    outputs: tuple
    port_z: tuple
    wavelengths: tuple

    @property
    def grid(self) -> YeeGrid:
        """The 3-D Yee grid (CPML on every axis, ``dt`` at 0.99 of the Courant limit)."""
        return YeeGrid(tuple(self.shape), self.cell_size, pml_cells=self.pml_cells)

    @property
    def frequencies(self) -> list:
        """The frequencies (Hz) of the wavelengths."""
        return [C0 / lam for lam in self.wavelengths]

    def background(self, dtype=torch.float64) -> Tensor:
        """The cell permittivity without the design, ``[nx, ny, nz]``."""
        eps = torch.full(tuple(self.shape), float(self.cladding_eps), dtype=dtype)
        k0, k1 = self.slab
        for i0, i1, j0, j1 in self.waveguides:
            eps[i0:i1, j0:j1, k0:k1] = self.slab_eps
        return eps

    def port(self, spec: DevicePort, shift: int = 0, name: str | None = None) -> ModePort3D:
        """The 3-D port of an in-plane port spec, moved ``shift`` cells along its direction."""
        half = spec.width // 2
        across = (spec.centre - half, spec.centre + half)
        index = spec.index + shift * spec.direction
        if spec.axis == 0:  # cross-section axes (y, z)
            return ModePort3D(0, index, across, tuple(self.port_z), name or spec.name)
        if spec.axis == 1:  # cross-section axes (z, x)
            return ModePort3D(1, index, tuple(self.port_z), across, name or spec.name)
        raise ValueError(f"port {spec.name!r}: slab devices take in-plane ports (axis 0 or 1), got {spec.axis}.")

    def check(self) -> None:
        """Clear errors before any stepping: the slab, the design region and the ports fit the grid."""
        grid = self.grid
        k0, k1 = self.slab
        if not 0 <= k0 < k1 <= self.shape[2]:
            raise ValueError(f"the slab's z cells {self.slab} must lie within the grid's {self.shape[2]} cells.")
        if self.design.z_span is None:
            raise ValueError("the design region of a slab device needs z_span (the slab's z cells) to extrude over.")
        self.design.check(grid)
        for p in (self.port(self.source), self.port(self.source, 2, "incident"), *map(self.port, self.outputs)):
            p.check(grid)

    def permittivity(self, x: Tensor, beta: float) -> dict:
        """Component maps with the design ``x`` (``[ni, nj]`` in [0, 1]) filtered, projected at ``beta`` and
        extruded through the slab."""
        eps = self.background(x.dtype)
        return self.design.paint({"ex": eps, "ey": eps, "ez": eps}, self.design.density(x, beta))

    def default_steps(self, transits: int = 4, bandwidth: float = 0.1) -> int:
        """Steps for the pulse and ``transits`` crossings of the in-plane diagonal at ``c/√ε_slab``."""
        profile = self._profile(bandwidth)
        transit = math.hypot(*self.shape[:2]) * self.cell_size * math.sqrt(self.slab_eps) / C0
        return int((8 * profile.width + transits * transit) / self.grid.time_step)

    def _profile(self, bandwidth: float) -> ModulatedGaussian:
        return device_pulse(self.frequencies, bandwidth)

    @property
    def mid_slab(self) -> int:
        """The z cell through the middle of the slab (where plots cut the device)."""
        return (self.slab[0] + self.slab[1]) // 2

    def field(self, eps: dict, frequency: float, steps: int | None = None) -> Tensor:
        """``|E|`` of the in-plane components ``[nx, ny]`` in the slab's middle at ``frequency`` (Hz), the source
        port driven (for plots)."""
        grid = self.grid
        frozen = {c: v.detach() for c, v in eps.items()}
        sources = self.port(self.source).source(
            frozen, grid, self._profile(0.1), frequency, self.source.mode, self.source.direction
        )
        monitor = DFTMonitor((frequency,), ("ex", "ey"), (slice(None), slice(None), self.mid_slab), "field")
        co = coefficients(grid, Materials(eps_r=frozen), dtype=torch.float64)
        rec = run(co, steps or self.default_steps(), sources, [monitor]).dft["field"]
        return (rec["ex"][0].abs() ** 2 + rec["ey"][0].abs() ** 2).sqrt().numpy()

    def transmissions(
        self,
        eps: dict,
        steps: int | None = None,
        checkpoint_every: int = 0,
        dtype=torch.float64,
        bandwidth: float = 0.1,
        gradient: str = "adjoint",
        fluxes: bool = False,
    ) -> dict[str, Tensor]:
        """``{output name: [n_wavelengths]}`` power transmissions into each output's mode, and ``"reflection"``
        (back into the source mode), differentiable in ``eps`` on the design region by the adjoint method (the
        arguments of :meth:`PlanarDevice.transmissions`; ``checkpoint_every`` is unused, and autograd through a 3-D
        run is refused: it would hold every step). ``fluxes`` adds ``"<output>_flux"``: the net power through each
        output port over the net power through the incident monitor, all modes and radiation in the ports
        included (what a flux region on the same planes reports)."""
        if gradient != "adjoint":
            raise ValueError(
                f"slab devices take gradient='adjoint' (two forward-cost runs), got {gradient!r}: autograd through "
                "every step of a 3-D run would hold all of them in memory."
            )
        grid, freqs = self.grid, self.frequencies
        profile = self._profile(bandwidth)
        with torch.no_grad():
            frozen = {c: v.detach() for c, v in eps.items()}
        source_port, incident = self.port(self.source), self.port(self.source, 2, "incident")
        outputs = [self.port(p) for p in self.outputs]
        f0 = sum(freqs) / len(freqs)
        sources = source_port.source(frozen, grid, profile, f0, self.source.mode, self.source.direction)
        monitors = [incident.monitor(freqs)] + [p.monitor(freqs) for p in outputs]
        (i0, j0), (ni, nj) = self.design.lo, self.design.shape
        box = (slice(i0, i0 + ni), slice(j0, j0 + nj), slice(*self.design.z_span))
        rec = dft_with_adjoint(grid, eps, steps or self.default_steps(), sources, monitors, box, dtype)
        forward, backward = ("forward", "backward") if self.source.direction > 0 else ("backward", "forward")
        c_in = incident.coefficients(rec["incident"], frozen, grid, freqs, self.source.mode)
        launched = c_in[forward].abs() ** 2
        out = {"reflection": c_in[backward].abs() ** 2 / launched}
        if fluxes:
            flux_in = self.source.direction * incident.flux(rec["incident"], grid)
        for spec, port in zip(self.outputs, outputs):
            c = port.coefficients(rec[port.name], frozen, grid, freqs, spec.mode)
            out[spec.name] = c["forward" if spec.direction > 0 else "backward"].abs() ** 2 / launched
            if fluxes:
                out[f"{spec.name}_flux"] = spec.direction * port.flux(rec[port.name], grid) / flux_in
        return out


__all__ = ["SlabDevice"]
