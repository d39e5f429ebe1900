"""Mode ports of a 2-D (xy) simulation: eigenmode sources and mode-decomposition monitors (Meep's
``EigenModeSource`` and ``get_eigenmode_coefficients``).

A :class:`ModePort` is a line across a waveguide: the plane ``index`` along the propagation ``axis`` (0 or 1),
cells ``span`` across it. Its modes come from :func:`solvers.fdtd.modes.waveguide_modes` on the grid's own ε.

**Source.** A Huygens sheet (equivalence principle): electric and magnetic surface currents
``J = n̂ × H_m``, ``M = −n̂ × E_m`` radiate the mode ``(E_m, H_m)`` on the ``n̂`` side and nothing behind. On the
Yee grid the transverse E of the pair lives on the plane and its H partner half a cell ahead, so the H sheet fires
early by the mode's travel time over that half cell, ``n_eff Δx / 2c``: its backward wave then reaches the E plane
in antiphase with the E sheet's. The mode is solved at the source's centre frequency; what leaks backwards is
below 1e-7 of the forward power there and ~3e-4 at ±13 % (measured at 19 cells per wavelength in the core).

**Coefficients.** With unit-power modes (``½ ∫ s E_m H_m dy = 1``, ``s`` the sign that makes the flux positive),
the DFT fields on the line decompose as ``E = Σ (a_m + b_m) E_m``, ``H = Σ (a_m − b_m) H_m``, so

    a_m = (∫ s E H_m dy + ∫ s E_m H dy) / 4,     b_m = (∫ s E H_m dy − ∫ s E_m H dy) / 4

and ``|a_m|²`` (``|b_m|²``) is the power in mode ``m`` going forward (backward), in W per metre of z per Hz² of the
DFT (the same units as :func:`solvers.fdtd.monitors.poynting_flux`). E is averaged over the two planes about
its H partner so both sit at ``index + ½``.

**Mirror planes.** A port whose span starts at cell 0 of an axis with a mirror plane (``YeeGrid(mirror=...)``) is
half of a port across the whole symmetric waveguide: its modes are that waveguide's modes of the mirror's parity
(:func:`solvers.fdtd.modes.waveguide_modes` with ``mirror``), and its flux and coefficients are the whole
waveguide's, as the full-domain run would report them (:func:`~solvers.fdtd.modes.section_weights`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from physics.maxwell import C0, EPS0, MU0, DistributedSource
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.modes import POLARIZATIONS, WaveguideMode, section_weights, waveguide_modes
from solvers.fdtd.monitors import DFTMonitor, poynting_flux

# (propagation axis, polarisation) -> (transverse E, its H partner, s with flux = s·½Re(E H*), ε of the E component)
PAIRS = {
    (0, "ez"): ("ez", "hy", -1.0),
    (1, "ez"): ("ez", "hx", 1.0),
    (0, "hz"): ("ey", "hz", 1.0),
    (1, "hz"): ("ex", "hz", -1.0),
}


@dataclass(frozen=True)
class Delayed:
    """``profile(t − delay)``: a time profile shifted by ``delay`` seconds."""

    profile: Any
    delay: float

    def __call__(self, t):
        """The shifted profile at times ``t`` (s)."""
        return self.profile(t - self.delay)


def eps_maps(eps, shape) -> dict:
    """Relative permittivity per E component, ``{"ex", "ey", "ez"} → [nx, ny, nz]`` float64, from a
    :func:`~solvers.fdtd.rasterize` dict or one (broadcastable) map."""
    if isinstance(eps, dict):
        return {c: torch.as_tensor(eps[c]).detach().to(torch.float64).broadcast_to(shape) for c in ("ex", "ey", "ez")}
    t = torch.as_tensor(eps).detach().to(torch.float64).broadcast_to(shape)
    return {"ex": t, "ey": t, "ez": t}


def check_clear_of_cpml(
    grid: YeeGrid,
    what: str,
    spans,
    why: str = "fields there are attenuated, so sources and monitors would be wrong",
) -> None:
    """Refuse ``what`` (e.g. ``"port 'in'"``) whose cells ``lo..hi`` along an axis (``spans`` = ``(axis, lo, hi)``
    triples) enter the CPML, saying ``why`` that matters."""
    for ax, lo, hi in spans:
        low, high = grid.absorber_cells(ax)
        if lo < low or hi >= grid.shape[ax] - high:
            layers = f"the first {low} and last {high} cells" if low else f"the last {high} cells (a mirror is low)"
            raise ValueError(
                f"{what} reaches into the CPML along {'xyz'[ax]} (cells {lo}..{hi}; the absorbing layers are "
                f"{layers}): {why}. Move it to {low} <= cell < {grid.shape[ax] - high}."
            )


@dataclass(frozen=True)
class ModePort:
    """A port across a waveguide of a 2-D grid (``nz = 1``): plane ``index`` along ``axis``, cells
    ``span = (start, stop)`` across it, ``polarization`` ``"ez"`` or ``"hz"`` (the out-of-plane field)."""

    axis: int
    index: int
    span: tuple
    polarization: str = "ez"
    name: str = "port"

    def check(self, grid: YeeGrid) -> None:
        """Clear errors for a port that does not fit: wrong grid, outside it, or inside the CPML."""
        if grid.shape[2] != 1 or self.axis not in (0, 1):
            raise ValueError(
                f"port {self.name!r}: mode ports work on 2-D xy grids (nz = 1) with axis 0 or 1; got grid "
                f"{grid.shape} and axis {self.axis}."
            )
        if self.polarization not in POLARIZATIONS:
            raise ValueError(f"port {self.name!r}: polarization must be one of {POLARIZATIONS}.")
        across = 1 - self.axis
        start, stop = self.span
        n_along, n_across = grid.shape[self.axis], grid.shape[across]
        if not (0 <= self.index < n_along - 1 and 0 <= start < stop <= n_across and stop - start >= 3):
            raise ValueError(
                f"port {self.name!r} at index {self.index}, span {self.span} does not fit the grid {grid.shape}: "
                f"need 0 <= index < {n_along - 1} and 0 <= start < stop <= {n_across} (at least 3 cells)."
            )
        check_clear_of_cpml(
            grid, f"port {self.name!r}", ((self.axis, self.index, self.index + 1), (across, start, stop - 1))
        )

    def _line(self, eps_map: Tensor) -> np.ndarray:
        start, stop = self.span
        m = eps_map[:, :, 0]
        return (m[self.index, start:stop] if self.axis == 0 else m[start:stop, self.index]).numpy()

    def _section(self, eps, grid: YeeGrid):
        """ε along the section: of the transverse E (``Ez``, or the in-plane E across), and for ``"hz"`` of the
        longitudinal E (along ``axis``), each at its own Yee positions."""
        maps = eps_maps(eps, grid.shape)
        if self.polarization == "ez":
            return self._line(maps["ez"]), None
        across, along = ("ey", "ex") if self.axis == 0 else ("ex", "ey")
        return self._line(maps[across]), self._line(maps[along])

    def mirror(self, grid: YeeGrid) -> int:
        """The phase of the mirror plane the port's span starts on (0: none; see the module notes)."""
        return grid.mirror[1 - self.axis] if self.span[0] == 0 else 0

    def _weights(self, grid: YeeGrid, dtype) -> Tensor:
        n = self.span[1] - self.span[0]
        return torch.as_tensor(section_weights(n, self.polarization, self.mirror(grid)), dtype=dtype)

    def modes(self, eps, grid: YeeGrid, frequency: float, count: int = 1) -> list[WaveguideMode]:
        """The ``count`` highest-index modes of the port's cross-section at ``frequency`` (Hz)."""
        self.check(grid)
        section, section_x = self._section(eps, grid)
        try:
            mirror = self.mirror(grid)
            return waveguide_modes(section, grid.dx, frequency, self.polarization, count, section_x, mirror)
        except ValueError as err:
            raise ValueError(f"port {self.name!r} (index {self.index}, span {self.span}): {err}") from None

    def _profiles(self, mode: WaveguideMode):
        """The forward pair (E_t, H_t) with ``s E_t H_t > 0``."""
        _, _, s = PAIRS[(self.axis, self.polarization)]
        if self.polarization == "ez":
            return mode.e, s * np.abs(mode.h) * np.sign(mode.e)
        return s * np.abs(mode.e) * np.sign(mode.h), mode.h

    def _pattern(self, grid: YeeGrid, values: np.ndarray, plane: int) -> Tensor:
        pattern = torch.zeros(grid.shape, dtype=torch.float64)
        start, stop = self.span
        v = torch.as_tensor(values, dtype=torch.float64)
        if self.axis == 0:
            pattern[plane, start:stop, 0] = v
        else:
            pattern[start:stop, plane, 0] = v
        return pattern

    def source(
        self, eps, grid: YeeGrid, profile, frequency: float, mode: int = 0, direction: int = 1
    ) -> list[DistributedSource]:
        """Two soft sheets that launch mode ``mode`` (0 = fundamental, solved at ``frequency``) towards
        ``direction`` (+1 or −1 along ``axis``) with time ``profile``."""
        if direction not in (1, -1):
            raise ValueError(f"direction must be +1 or -1 along the port's axis, got {direction}.")
        m = self.modes(eps, grid, frequency, mode + 1)[mode]
        e_t, h_t = self._profiles(m)
        e_name, h_name, s = PAIRS[(self.axis, self.polarization)]
        eps_line = self._line(eps_maps(eps, grid.shape)[e_name])
        dt = grid.time_step
        e_amp = s * dt / (EPS0 * eps_line) * h_t  # ΔE = −(Δt/ε) J
        h_amp = direction * s * dt / MU0 * e_t  # ΔH = −(Δt/μ) M
        delay = -direction * m.n_eff * grid.dx / (2 * C0)  # fire early: cancel behind the E plane
        return [
            DistributedSource(self._pattern(grid, e_amp, self.index), profile, e_name),
            DistributedSource(self._pattern(grid, h_amp, self.index), Delayed(profile, delay), h_name),
        ]

    def monitor(self, frequencies) -> DFTMonitor:
        """The DFT monitor this port reads: its E on planes ``index, index + 1`` and H on ``index``."""
        e_name, h_name, _ = PAIRS[(self.axis, self.polarization)]
        start, stop = self.span
        along = slice(self.index, self.index + 2)
        region = (along, slice(start, stop), 0) if self.axis == 0 else (slice(start, stop), along, 0)
        return DFTMonitor(tuple(float(f) for f in frequencies), (e_name, h_name), region, self.name)

    def _fields(self, dft: dict):
        e_name, h_name, _ = PAIRS[(self.axis, self.polarization)]
        # complex128: in SI units the products below (~1e-42 W per Hz²) underflow single precision
        e, h = dft[e_name].to(torch.complex128), dft[h_name].to(torch.complex128)  # [nf, 2, span] or [nf, span, 2]
        if self.axis == 1:
            e, h = e.transpose(1, 2), h.transpose(1, 2)
        return 0.5 * (e[:, 0] + e[:, 1]), h[:, 0]  # both at index + ½

    def flux(self, dft: dict, grid: YeeGrid) -> Tensor:
        """Net power through the port along ``+axis``: ``[n_freq]`` (W/m per Hz² of the DFT)."""
        e, h = self._fields(dft)
        e_name, h_name, _ = PAIRS[(self.axis, self.polarization)]
        e = e * self._weights(grid, e.real.dtype) if self.mirror(grid) else e
        return poynting_flux({e_name: e, h_name: h}, self.axis, grid.dx, 2)

    def coefficients(self, dft: dict, eps, grid: YeeGrid, frequencies, mode: int = 0) -> dict[str, Tensor]:
        """Forward and backward amplitudes of mode ``mode`` at each of the monitor's ``frequencies`` (Hz):
        ``{"forward", "backward"}`` → ``[n_freq]`` complex; ``|·|²`` is the power in that mode and direction."""
        e, h = self._fields(dft)
        _, _, s = PAIRS[(self.axis, self.polarization)]
        if len(frequencies) != e.shape[0]:
            raise ValueError(
                f"port {self.name!r}: {len(frequencies)} frequencies given but the DFT record holds {e.shape[0]}; "
                "pass the frequencies the monitor was built with."
            )
        fwd, bwd = [], []
        w = self._weights(grid, e.real.dtype)
        for k, f in enumerate(frequencies):
            m = self.modes(eps, grid, float(f), mode + 1)[mode]
            e_m, h_m = (torch.as_tensor(v, dtype=e.real.dtype) for v in self._profiles(m))
            p = s * (w * e[k] * h_m).sum() * grid.dx
            q = s * (w * e_m * h[k]).sum() * grid.dx
            fwd.append((p + q) / 4)
            bwd.append((p - q) / 4)
        return {"forward": torch.stack(fwd), "backward": torch.stack(bwd)}


def _cells(port: ModePort) -> set:
    start, stop = port.span
    along = (port.index, port.index + 1)
    return {(a, c) if port.axis == 0 else (c, a) for a in along for c in range(start, stop)}


def check_ports(grid: YeeGrid, ports) -> None:
    """Each port fits the grid, and no two ports share cells (overlapping ports would read each other's sources)."""
    ports = list(ports)
    for p in ports:
        p.check(grid)
    for i, a in enumerate(ports):
        for b in ports[i + 1 :]:
            if _cells(a) & _cells(b):
                raise ValueError(
                    f"ports {a.name!r} (axis {a.axis}, plane {a.index}, span {a.span}) and {b.name!r} (axis "
                    f"{b.axis}, plane {b.index}, span {b.span}) overlap: each port occupies its plane and the next "
                    "one; move them at least two cells apart."
                )


__all__ = ["ModePort", "Delayed", "check_ports", "check_clear_of_cpml", "eps_maps"]
