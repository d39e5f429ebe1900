"""The near-to-far transformation of a 2-D (xy) simulation: far fields from DFT fields on a closed rectangle.

By the equivalence principle the fields outside a closed contour C are those radiated by the surface currents
``J = n̂ × H`` and ``M = −n̂ × E`` on it (``n̂`` outward). In the far zone, with the outgoing 2-D Green's function
``G(ρ) = (i/4) H₀⁽¹⁾(kρ) ≈ (i/4) √(2/πkρ) e^{i(kρ − π/4)}`` (time dependence ``e^{−iωt}``), and the radiation
vectors ``N = ∮ J e^{−ik r̂·r'} dl'``, ``L = ∮ M e^{−ik r̂·r'} dl'``:

    E_z = G(ρ) [iωμ₀ N_z − ik (r̂ × L)_z]       (E out of plane)
    H_z = G(ρ) [iωε₀ L_z + ik (r̂ × N)_z]       (H out of plane)

(Taflove & Hagness ch. 8; Balanis, *Advanced Engineering Electromagnetics*, ch. 6). The surrounding medium is vacuum.
The DFT of :mod:`.monitors` uses ``e^{−iωt}`` in the transform, i.e. fields ``∝ e^{+iωt}``; they are conjugated
into the convention above and the result conjugated back. E and H are averaged onto common nodes (the E nodes of
``Ez`` for ``"ez"``, the ``Hz`` nodes for ``"hz"``) along the contour; the contour integral is the trapezoid rule.

:meth:`NearToFarBox.far_field` returns the angular amplitude ``a(φ)`` with ``F(ρ, φ) = a(φ) e^{ikρ}/√ρ`` (conjugated
to the DFT convention), so ``|a|²`` is the pattern and ``P = ∫ |a|²/(2η₀) dφ`` (``η₀|a|²/2`` for ``"hz"``) is the
radiated power per metre of z, comparable with the Poynting flux out of the box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import Tensor

from physics.maxwell import C0, EPS0, ETA0, MU0
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.mirror_images import unfold_box_record
from solvers.fdtd.monitors import DFTMonitor

COMPONENTS = {"ez": ("ez", "hx", "hy"), "hz": ("hz", "ex", "ey")}


def check_box_clear(grid: YeeGrid, lo, hi, name: str) -> None:
    """A near-to-far box from node ``lo`` to ``hi`` (one index per checked axis) must be at least 2 cells wide and
    keep one cell (its DFT margin) clear of the CPML on every axis; along an axis with a mirror plane it starts on
    the plane (``lo = 0``) and its image closes it. Raise an error that says where it may lie."""
    for ax, (a, b) in enumerate(zip(lo, hi)):
        a, b = int(a), int(b)
        low, high = grid.absorber_cells(ax)
        if grid.mirror[ax]:
            if not (a == 0 and b + 2 <= grid.shape[ax] - high and b >= 1):
                raise ValueError(
                    f"near-to-far box {name!r} spans nodes {a}..{b} along {'xyz'[ax]}, which has a mirror plane at "
                    f"node 0: the box must start on the plane (lo = 0; its image closes it) and end by node "
                    f"{grid.shape[ax] - high - 2} (clear of the CPML)."
                )
            continue
        if not (low + 1 <= a and b + 2 <= grid.shape[ax] - high and b - a >= 2):
            raise ValueError(
                f"near-to-far box {name!r} spans nodes {a}..{b} along {'xyz'[ax]}: it must be at least 2 "
                f"cells wide and lie within {low + 1}..{grid.shape[ax] - high - 2} (clear of the CPML)."
            )


def box_region(lo, hi) -> tuple:
    """The DFT region of a box: its nodes and a one-cell margin (from node 0 where the box starts on a mirror
    plane, ``lo = 0``, whose images supply the rest)."""
    return tuple(slice(max(int(a) - 1, 0), int(b) + 2) for a, b in zip(lo, hi))


@dataclass(frozen=True)
class NearToFarBox:
    """A rectangle of a 2-D grid from node ``lo = (i0, j0)`` to ``hi = (i1, j1)`` (cell indices; the contour runs
    through the ``Ez`` nodes for ``"ez"``, the ``Hz`` nodes for ``"hz"``), enclosing every source, in vacuum."""

    lo: tuple
    hi: tuple
    polarization: str = "ez"
    name: str = "near_to_far"

    def check(self, grid: YeeGrid) -> None:
        """Clear errors for a box that is not 2-D, too small, or touches the CPML."""
        if grid.shape[2] != 1:
            raise ValueError(f"NearToFarBox works on 2-D xy grids (nz = 1); got {grid.shape}.")
        if self.polarization not in COMPONENTS:
            raise ValueError(f"polarization must be one of {sorted(COMPONENTS)}, got {self.polarization!r}.")
        check_box_clear(grid, self.lo, self.hi, self.name)

    def monitor(self, frequencies) -> DFTMonitor:
        """The DFT monitor the transformation reads: the box and a one-cell margin."""
        region = (*box_region(self.lo, self.hi), 0)
        return DFTMonitor(tuple(float(f) for f in frequencies), COMPONENTS[self.polarization], region, self.name)

    def _contour(self, dft: dict, grid: YeeGrid):
        """Points ``[P, 2]`` (m), outward normals ``[P, 2]``, weights ``[P]`` (m) and the colocated, conjugated
        fields ``[n_freq, P]`` on the contour."""
        out, a, b = COMPONENTS[self.polarization]
        f_out, fa, fb = (dft[c].conj() for c in (out, a, b))  # [nf, X, Y] on the box + margin
        if self.polarization == "ez":  # Ez nodes (i, j): Hx at (i, j + ½), Hy at (i + ½, j)
            fa = 0.5 * (fa[:, :, 1:] + fa[:, :, :-1])[:, 1:-1, :]  # Hx onto (i, j), interior rows
            fb = 0.5 * (fb[:, 1:] + fb[:, :-1])[:, :, 1:-1]
            f_out = f_out[:, 1:-1, 1:-1]
            offset = 0.0
        else:  # Hz nodes (i + ½, j + ½): Ex at (i + ½, j), Ey at (i, j + ½)
            fa = 0.5 * (fa[:, :, 1:] + fa[:, :, :-1])[:, 1:-1, 1:]
            fb = 0.5 * (fb[:, 1:] + fb[:, :-1])[:, 1:, 1:-1]
            f_out = f_out[:, 1:-1, 1:-1]
            offset = 0.5
        nx, ny = f_out.shape[1], f_out.shape[2]
        fa, fb = fa[:, :nx, :ny], fb[:, :nx, :ny]
        (i0, j0) = self.lo
        pts, normals, weights, idx = [], [], [], []
        sides = (
            ([(i, 0) for i in range(nx)], (0.0, -1.0)),  # bottom
            ([(nx - 1, j) for j in range(ny)], (1.0, 0.0)),  # right
            ([(i, ny - 1) for i in range(nx)], (0.0, 1.0)),  # top
            ([(0, j) for j in range(ny)], (-1.0, 0.0)),  # left
        )
        for cells, normal in sides:
            for k, (i, j) in enumerate(cells):
                pts.append(((i0 + i + offset) * grid.dx, (j0 + j + offset) * grid.dx))
                normals.append(normal)
                weights.append(grid.dx * (0.5 if k in (0, len(cells) - 1) else 1.0))  # trapezoid per side
                idx.append((i, j))
        ii = torch.tensor([p[0] for p in idx])
        jj = torch.tensor([p[1] for p in idx])
        fields = (f_out[:, ii, jj], fa[:, ii, jj], fb[:, ii, jj])
        return np.array(pts), np.array(normals), np.array(weights), fields

    def far_field(self, dft: dict, grid: YeeGrid, frequencies, angles) -> Tensor:
        """The out-of-plane far-field amplitude ``a(φ)`` at each frequency (Hz) and angle (rad, from +x):
        ``[n_freq, n_angles]`` complex (V/√m for ``"ez"``, A/√m for ``"hz"``); see the module docstring."""
        self.check(grid)
        whole, lo = unfold_box_record(dft, grid, self.lo, self.hi)  # a box on a mirror plane: add its image
        pts, normals, weights, (f_out, fa, fb) = replace(self, lo=lo)._contour(whole, grid)
        centre = pts.mean(0)
        r = torch.as_tensor(pts - centre)
        n = torch.as_tensor(normals)
        w = torch.as_tensor(weights)
        phi = torch.as_tensor(np.asarray(angles, dtype=np.float64))
        rhat = torch.stack([torch.cos(phi), torch.sin(phi)], -1)  # [A, 2]
        out = []
        for k, f in enumerate(frequencies):
            omega = 2 * math.pi * float(f)
            kk = omega / C0
            phase = torch.exp(-1j * kk * (rhat @ r.T)) * w  # [A, P]
            e_or_h, a, b = f_out[k], fa[k], fb[k]
            if self.polarization == "ez":  # J_z = n_x H_y − n_y H_x;  M = (−n_y E_z, n_x E_z)
                jz = n[:, 0] * b - n[:, 1] * a
                mx, my = -n[:, 1] * e_or_h, n[:, 0] * e_or_h
                nz = phase @ jz.to(phase.dtype)
                lx, ly = phase @ mx.to(phase.dtype), phase @ my.to(phase.dtype)
                bracket = 1j * omega * MU0 * nz - 1j * kk * (rhat[:, 0] * ly - rhat[:, 1] * lx)
            else:  # J = (n_y H_z, −n_x H_z);  M_z = −(n_x E_y − n_y E_x)
                jx, jy = n[:, 1] * e_or_h, -n[:, 0] * e_or_h
                mz = -(n[:, 0] * b - n[:, 1] * a)
                lz = phase @ mz.to(phase.dtype)
                nx_, ny_ = phase @ jx.to(phase.dtype), phase @ jy.to(phase.dtype)
                bracket = 1j * omega * EPS0 * lz + 1j * kk * (rhat[:, 0] * ny_ - rhat[:, 1] * nx_)
            g = 0.25j * math.sqrt(2 / (math.pi * kk)) * complex(np.exp(-1j * math.pi / 4))
            out.append((g * bracket).conj())
        return torch.stack(out)

    def radiated_power(self, amplitude: Tensor, angles) -> Tensor:
        """Power per metre of z from far-field amplitudes ``[n_freq, n_angles]`` on a uniform full circle of
        ``angles``: ``∫ |a|²/(2η₀) dφ`` (``η₀|a|²/2`` for ``"hz"``), W/m per Hz² of the DFT."""
        dphi = 2 * math.pi / len(angles)
        scale = 1 / (2 * ETA0) if self.polarization == "ez" else ETA0 / 2
        return (amplitude.abs() ** 2).sum(-1) * dphi * scale


__all__ = ["NearToFarBox", "box_region", "check_box_clear"]
