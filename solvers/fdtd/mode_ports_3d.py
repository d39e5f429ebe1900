"""Mode ports of a 3-D simulation: eigenmode sources and mode coefficients on a plane across a waveguide.

A :class:`ModePort3D` is the rectangle ``span_u × span_v`` of the plane ``index`` normal to ``axis`` (0, 1 or 2).
The cross-section axes are the next two in cyclic order, ``u = axis + 1`` and ``v = axis + 2`` (mod 3), so that
``(u, v, axis)`` is right-handed and the transverse components ``(E_u, E_v, H_u, H_v)`` sit where
:func:`solvers.fdtd.cross_section_modes.vector_modes` puts ``(Ex, Ey, Hx, Hy)``. Its modes are the FDTD's own discrete
modes (the solver gets the grid's ``dx`` along the guide and ``dt``), so a launched mode propagates with the β the
solver reports.

**Source.** As in 2-D (:mod:`.mode_ports`), a Huygens sheet: ``J = n̂ × H_m`` on the E plane and
``M = −n̂ × E_m`` on the H plane half a cell ahead, fired early by ``n_eff Δx / 2c``:
``ΔE_u ∝ Δt H_v/ε₀ε_u``, ``ΔE_v ∝ −Δt H_u/ε₀ε_v``, ``ΔH_u ∝ −d Δt E_v/μ₀``, ``ΔH_v ∝ d Δt E_u/μ₀`` (``d = ±1``
the direction). The transverse fields of a lossless guide's mode are real.

**Coefficients.** With unit-power modes (``½ ∫ (E_u H_v − E_v H_u) dA = 1``):
``p = ∫ (E_u H_v,m − E_v H_u,m) dA``, ``q = ∫ (E_u,m H_v − E_v,m H_u) dA``, forward ``(p + q)/4``, backward
``(p − q)/4``; ``|·|²`` is the power in W per Hz² of the DFT. E is averaged over the planes ``index`` and
``index + 1`` so that it sits with H at ``index + ½``.

**Mirror planes.** Where a span starts at cell 0 of an axis with a mirror plane, the port is part of a port across
the whole symmetric guide: its modes are that guide's modes of the mirrors' parity
(:func:`~solvers.fdtd.cross_section_modes.vector_modes` with ``mirror``), and its flux and coefficients count every
sample with its images (:func:`~solvers.fdtd.cross_section_modes.power_weights`): the whole guide's, as the full run
reports them. The fundamental quasi-TE mode of a guide along z (``Ex`` even in x and y) wants ``mirror = (−1, +1)`` on
x and y, the quasi-TM one (``Ey``) ``(+1, −1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from physics.maxwell import C0, EPS0, MU0, DistributedSource
from solvers.fdtd.cross_section_modes import VectorMode, power_weights, vector_modes
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.mode_ports import Delayed, check_clear_of_cpml, eps_maps
from solvers.fdtd.monitors import DFTMonitor

NAMES = "xyz"


@dataclass(frozen=True)
class ModePort3D:
    """A port across a waveguide of a 3-D grid: plane ``index`` along ``axis``, cells ``span_u`` and ``span_v``
    (``(start, stop)``) along the cross-section axes ``u = (axis + 1) % 3`` and ``v = (axis + 2) % 3``."""

    axis: int
    index: int
    span_u: tuple
    span_v: tuple
    name: str = "port"

    @property
    def _axes(self) -> tuple[int, int]:
        return (self.axis + 1) % 3, (self.axis + 2) % 3

    def components(self) -> tuple[str, str, str, str]:
        """``(E_u, E_v, H_u, H_v)`` names, e.g. ``("ex", "ey", "hx", "hy")`` for a port normal to z."""
        u, v = (NAMES[a] for a in self._axes)
        return f"e{u}", f"e{v}", f"h{u}", f"h{v}"

    def check(self, grid: YeeGrid) -> None:
        """Clear errors for a port that does not fit the 3-D grid or reaches into the CPML."""
        if min(grid.shape) < 3 or self.axis not in (0, 1, 2):
            raise ValueError(
                f"port {self.name!r}: ModePort3D needs a 3-D grid and axis 0, 1 or 2; got grid {grid.shape}, "
                f"axis {self.axis}. For 2-D grids use solvers.fdtd.ModePort."
            )
        if not 0 <= self.index < grid.shape[self.axis] - 1:
            raise ValueError(f"port {self.name!r}: index {self.index} must be in 0..{grid.shape[self.axis] - 2}.")
        for ax, (start, stop) in zip(self._axes, (self.span_u, self.span_v)):
            if not (0 <= start < stop <= grid.shape[ax] and stop - start >= 3):
                raise ValueError(
                    f"port {self.name!r}: span ({start}, {stop}) along {NAMES[ax]} must lie in 0..{grid.shape[ax]} "
                    "and hold at least 3 cells."
                )
        spans = (
            (self.axis, self.index, self.index + 1),
            *((a, s[0], s[1] - 1) for a, s in zip(self._axes, (self.span_u, self.span_v))),
        )
        check_clear_of_cpml(grid, f"port {self.name!r}", spans)

    def _plane(self, volume: Tensor) -> np.ndarray:
        """The port's rectangle of a ``[nx, ny, nz]`` map as ``[n_u, n_v]``."""
        (u0, u1), (v0, v1) = self.span_u, self.span_v
        plane = volume.detach().select(self.axis, self.index)
        u, v = self._axes
        # after removing `axis`, the remaining axes keep their order; (u, v) is that order except for axis 1
        plane = plane.T if u > v else plane
        return plane[u0:u1, v0:v1].to(torch.float64).numpy()

    def mirror(self, grid: YeeGrid) -> tuple[int, int]:
        """The phases of the mirror planes the span starts on, along ``u`` and ``v`` (0: none)."""
        return tuple(grid.mirror[ax] if s[0] == 0 else 0 for ax, s in zip(self._axes, (self.span_u, self.span_v)))

    def _weights(self, grid: YeeGrid) -> tuple[Tensor, Tensor]:
        """Integration weights of the ``(E_u, H_v)`` and ``(E_v, H_u)`` samples ``[n_u, n_v]``."""
        shape = (self.span_u[1] - self.span_u[0], self.span_v[1] - self.span_v[0])
        w = power_weights(shape, self.mirror(grid))
        return torch.as_tensor(w["x"]), torch.as_tensor(w["y"])

    def modes(self, eps: dict, grid: YeeGrid, frequency: float, count: int = 1) -> list[VectorMode]:
        """The ``count`` highest-index modes of the port's cross-section (``eps`` per E component, 3-D maps)."""
        self.check(grid)
        maps = eps_maps(eps, grid.shape)
        e_u, e_v, _, _ = self.components()
        e_n = f"e{NAMES[self.axis]}"
        section = {k: self._plane(maps[c]) for k, c in (("ex", e_u), ("ey", e_v), ("ez", e_n))}
        try:
            mirror = self.mirror(grid)
            return vector_modes(section, grid.dx, frequency, count, dz=grid.dx, dt=grid.time_step, mirror=mirror)
        except ValueError as err:
            raise ValueError(f"port {self.name!r} (axis {self.axis}, index {self.index}): {err}") from None

    def _full(self, grid: YeeGrid, values: np.ndarray) -> Tensor:
        pattern = torch.zeros(grid.shape, dtype=torch.float64)
        (u0, u1), (v0, v1) = self.span_u, self.span_v
        index = [slice(None)] * 3
        index[self.axis] = self.index
        u, v = self._axes
        index[u], index[v] = slice(u0, u1), slice(v0, v1)
        block = torch.as_tensor(values, dtype=torch.float64)
        pattern[tuple(index)] = block.T if u > v else block
        return pattern

    def source(self, eps: dict, grid: YeeGrid, profile, frequency: float, mode: int = 0, direction: int = 1) -> list:
        """Four soft sheets that launch mode ``mode`` (solved at ``frequency``) towards ``direction`` (±1 along
        ``axis``) with time ``profile``."""
        if direction not in (1, -1):
            raise ValueError(f"direction must be +1 or -1 along the port's axis, got {direction}.")
        m = self.modes(eps, grid, frequency, mode + 1)[mode]
        eu, ev, hu, hv = (m.fields[c].real for c in ("ex", "ey", "hx", "hy"))
        names = self.components()
        maps = eps_maps(eps, grid.shape)
        eps_u, eps_v = (self._plane(maps[c]) for c in names[:2])
        dt = grid.time_step
        delay = -direction * m.n_eff * grid.dx / (2 * C0)
        amplitudes = (
            (names[0], dt / (EPS0 * eps_u) * hv, profile),
            (names[1], -dt / (EPS0 * eps_v) * hu, profile),
            (names[2], -direction * dt / MU0 * ev, Delayed(profile, delay)),
            (names[3], direction * dt / MU0 * eu, Delayed(profile, delay)),
        )
        return [DistributedSource(self._full(grid, a), p, c) for c, a, p in amplitudes]

    def monitor(self, frequencies) -> DFTMonitor:
        """The DFT monitor this port reads: the four transverse components on planes ``index`` and ``index + 1``."""
        region = [slice(None)] * 3
        region[self.axis] = slice(self.index, self.index + 2)
        for ax, (a, b) in zip(self._axes, (self.span_u, self.span_v)):
            region[ax] = slice(a, b)
        return DFTMonitor(tuple(float(f) for f in frequencies), self.components(), tuple(region), self.name)

    def _fields(self, dft: dict):
        """``E_u, E_v`` (averaged to ``index + ½``) and ``H_u, H_v``, each ``[n_freq, n_u, n_v]`` complex128."""
        out = []
        u, v = self._axes
        for c in self.components():
            f = dft[c].to(torch.complex128)  # SI products (~1e-42) underflow single precision
            first, second = f.select(self.axis + 1, 0), f.select(self.axis + 1, 1)
            g = 0.5 * (first + second) if c[0] == "e" else first
            out.append(g.transpose(1, 2) if u > v else g)
        return out

    def flux(self, dft: dict, grid: YeeGrid) -> Tensor:
        """Net power through the port along ``+axis``, ``½ Re ∫ (E_u H_v* − E_v H_u*) dA``: ``[n_freq]``."""
        eu, ev, hu, hv = self._fields(dft)
        wu, wv = self._weights(grid)
        return 0.5 * (wu * eu * hv.conj() - wv * ev * hu.conj()).real.sum((1, 2)) * grid.dx**2

    def coefficients(self, dft: dict, eps: dict, grid: YeeGrid, frequencies, mode: int = 0) -> dict[str, Tensor]:
        """Forward and backward amplitudes of mode ``mode`` at each frequency (Hz): ``{"forward", "backward"}`` →
        ``[n_freq]`` complex; ``|·|²`` is the power in that mode and direction."""
        eu, ev, hu, hv = self._fields(dft)
        if len(frequencies) != eu.shape[0]:
            raise ValueError(
                f"port {self.name!r}: {len(frequencies)} frequencies given but the DFT record holds {eu.shape[0]}."
            )
        fwd, bwd = [], []
        wu, wv = self._weights(grid)
        for k, f in enumerate(frequencies):
            m = self.modes(eps, grid, float(f), mode + 1)[mode]
            mu_, mv, nu, nv = (torch.as_tensor(m.fields[c].real) for c in ("ex", "ey", "hx", "hy"))
            p = (wu * eu[k] * nv - wv * ev[k] * nu).sum() * grid.dx**2
            q = (wu * mu_ * hv[k] - wv * mv * hu[k]).sum() * grid.dx**2
            fwd.append((p + q) / 4)
            bwd.append((p - q) / 4)
        return {"forward": torch.stack(fwd), "backward": torch.stack(bwd)}


__all__ = ["ModePort3D"]
