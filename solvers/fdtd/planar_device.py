"""Planar (2-D, E out of plane) devices described by pixels and mode ports: the setting of inverse design.

A :class:`PlanarDevice` is ceviche-challenges' description (waveguide boxes of slab material in a cladding, one
design region, waveguide ports with a mode order and a direction) on our Yee grid: ``Ez`` at the pixel nodes. The
source port launches its mode into the device; a monitor two cells downstream measures what entered (the forward
coefficient) and what came back; each output port measures the mode leaving the device. Transmissions are
``|c_out|² / |c_in|²`` per wavelength: the power in the target mode relative to the power launched, with no
normalisation run.
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
from solvers.fdtd.mode_ports import ModePort, check_ports
from solvers.fdtd.monitors import DFTMonitor
from solvers.fdtd.simulation import run
from solvers.fdtd.yee import coefficients


def device_pulse(freqs, bandwidth: float) -> ModulatedGaussian:
    """The source pulse of a device run: centred on the mean of ``freqs`` (Hz), ``bandwidth`` (relative) wide or
    1.5× the spread of ``freqs``, whichever is wider."""
    f0 = sum(freqs) / len(freqs)
    spread = (max(freqs) - min(freqs)) / f0
    return ModulatedGaussian(f0, max(bandwidth, 1.5 * spread) * f0)


@dataclass(frozen=True)
class DevicePort:
    """A waveguide port: plane ``index`` across ``axis``, ``width`` cells centred on ``centre``, mode ``mode``
    (0 = fundamental) travelling along ``direction`` (+1/−1 on ``axis``) into the device (the input port) or out of
    it (an output port)."""

    name: str
    axis: int
    index: int
    centre: int
    width: int
    mode: int = 0
    direction: int = 1

    def mode_port(self, shift: int = 0, name: str | None = None) -> ModePort:
        """The :class:`ModePort` of this port, moved ``shift`` cells along its direction."""
        half = self.width // 2
        return ModePort(
            self.axis,
            self.index + shift * self.direction,
            (self.centre - half, self.centre + half),
            "ez",
            name or self.name,
        )


@dataclass(frozen=True)
class PlanarDevice:
    """Grid ``shape`` (cells) of ``cell_size`` (m) with a ``pml_cells`` CPML, ``waveguides`` as cell boxes
    ``(i0, i1, j0, j1)`` of ``slab_eps`` in ``cladding_eps``, the ``design`` region, the ``source`` port, the
    ``outputs`` and the vacuum ``wavelengths`` (m)."""

    shape: tuple
    cell_size: float
    pml_cells: int
    slab_eps: float
    cladding_eps: float
    waveguides: tuple
    design: DesignRegion
    source: DevicePort
    outputs: tuple
    wavelengths: tuple

    @property
    def grid(self) -> YeeGrid:
        """The Yee grid (CPML on both axes, ``dt`` at 0.99 of the Courant limit)."""
        return YeeGrid((*self.shape, 1), self.cell_size, ("pml", "pml", "periodic"), pml_cells=self.pml_cells)

    @property
    def frequencies(self) -> list:
        """The frequencies (Hz) of the wavelengths."""
        return [C0 / lam for lam in self.wavelengths]

    def background(self, dtype=torch.float64) -> Tensor:
        """The pixel permittivity without the design ``[nx, ny, 1]``."""
        eps = torch.full((*self.shape, 1), float(self.cladding_eps), dtype=dtype)
        for i0, i1, j0, j1 in self.waveguides:
            eps[i0:i1, j0:j1] = self.slab_eps
        return eps

    def check(self) -> None:
        """Clear errors before any stepping: the design region and the ports fit the grid and do not overlap."""
        grid = self.grid
        self.design.check(grid)
        ports = [self.source.mode_port(), self.source.mode_port(2, "incident")]
        ports += [p.mode_port() for p in self.outputs]
        check_ports(grid, ports)

    def permittivity(self, x: Tensor, beta: float) -> dict:
        """Component maps with the design ``x`` (``[ni, nj]`` in [0, 1]) filtered and projected at ``beta``."""
        eps = self.background(x.dtype)
        return self.design.paint({"ex": eps, "ey": eps, "ez": eps}, self.design.density(x, beta))

    def _profile(self, bandwidth: float) -> ModulatedGaussian:
        return device_pulse(self.frequencies, bandwidth)

    def _steps(self, profile, steps: int | None, transits: int = 4) -> int:
        if steps:
            return steps
        transit = math.hypot(*self.shape) * self.cell_size * math.sqrt(self.slab_eps) / C0
        return int((8 * profile.width + transits * transit) / self.grid.time_step)  # the pulse, then the transits

    def default_steps(self, transits: int = 4, bandwidth: float = 0.1) -> int:
        """Steps for the pulse and ``transits`` crossings of the grid's diagonal at ``c/√ε_slab``: long enough for
        the DFT of a weakly resonant device to converge (a truncated ring-down is an error the optimiser exploits;
        score final designs with more transits)."""
        return self._steps(self._profile(bandwidth), None, transits)

    def field(self, eps: dict, frequency: float, steps: int | None = None) -> Tensor:
        """``|Ez|`` ``[nx, ny]`` over the grid at ``frequency`` (Hz) with the source port driven (for plots)."""
        grid = self.grid
        profile = self._profile(0.1)
        frozen = {c: v.detach() for c, v in eps.items()}
        sources = self.source.mode_port().source(
            frozen, grid, profile, frequency, self.source.mode, self.source.direction
        )
        co = coefficients(grid, Materials(eps_r=frozen), dtype=torch.float64)
        rec = run(co, self._steps(profile, steps), sources, [DFTMonitor((frequency,), ("ez",), name="field")]).dft
        return rec["field"]["ez"][0, :, :, 0].abs().numpy()

    def transmissions(
        self,
        eps: dict,
        steps: int | None = None,
        checkpoint_every: int = 100,
        dtype=torch.float64,
        bandwidth=0.1,
        gradient: str = "adjoint",
    ) -> dict[str, Tensor]:
        """``{output name: [n_wavelengths]}`` power transmissions into each output's mode, and ``"reflection"``
        (back into the source mode), for the permittivity maps ``eps``. Differentiable in ``eps`` on the design
        region: ``gradient="adjoint"`` by one adjoint run for all wavelengths (:mod:`.adjoint`, native steps),
        ``"autograd"`` by reverse mode through every step (``checkpoint_every`` steps recomputed)."""
        if gradient not in ("adjoint", "autograd"):
            raise ValueError(f"gradient must be 'adjoint' or 'autograd', got {gradient!r}.")
        grid = self.grid
        freqs = self.frequencies
        f0 = sum(freqs) / len(freqs)
        profile = self._profile(bandwidth)
        source_port = self.source.mode_port()
        incident = self.source.mode_port(2, "incident")
        outputs = [p.mode_port() for p in self.outputs]
        steps = self._steps(profile, steps)
        with torch.no_grad():
            frozen = {c: v.detach() for c, v in eps.items()}
        sources = source_port.source(frozen, grid, profile, f0, self.source.mode, self.source.direction)
        monitors = [incident.monitor(freqs)] + [p.monitor(freqs) for p in outputs]
        if gradient == "adjoint":
            (i0, j0), (ni, nj) = self.design.lo, self.design.shape
            box = (slice(i0, i0 + ni), slice(j0, j0 + nj), slice(None))
            rec = dft_with_adjoint(grid, eps, steps, sources, monitors, box, dtype)
        else:
            co = coefficients(grid, Materials(eps_r=eps), dtype=dtype)
            rec = run(co, steps, sources, monitors, checkpoint_every=checkpoint_every).dft
        c_in = incident.coefficients(rec["incident"], frozen, grid, freqs, self.source.mode)
        launched = c_in["forward" if self.source.direction > 0 else "backward"].abs() ** 2
        out = {"reflection": c_in["backward" if self.source.direction > 0 else "forward"].abs() ** 2 / launched}
        for spec, port in zip(self.outputs, outputs):
            c = port.coefficients(rec[port.name], frozen, grid, freqs, spec.mode)
            out[spec.name] = c["forward" if spec.direction > 0 else "backward"].abs() ** 2 / launched
        return out


__all__ = ["PlanarDevice", "DevicePort", "device_pulse"]
