"""The near-to-far transformation of a 3-D simulation: far fields from DFT fields on a closed box.

By the equivalence principle the fields outside a closed surface S are those radiated by the surface currents
``J = n̂ × H`` and ``M = −n̂ × E`` on it (``n̂`` outward). In the far zone, with time dependence ``e^{−iωt}``, the
radiation vectors ``N = ∯ J e^{−ik r̂·r'} dS'`` and ``L = ∯ M e^{−ik r̂·r'} dS'`` give

    E(r) = (e^{ikr} / 4πr) [iωμ₀ (N − r̂ (r̂·N)) − ik r̂ × L],      H = r̂ × E / η₀,

i.e. ``E_θ = (i e^{ikr}/4πr)(ωμ₀ N_θ + k L_φ)`` and ``E_φ = (i e^{ikr}/4πr)(ωμ₀ N_φ − k L_θ)`` (Balanis, *Advanced
Engineering Electromagnetics*, 2nd ed., §6.7; Taflove & Hagness, *Computational Electrodynamics*, 3rd ed., ch. 8).
The surrounding medium is vacuum.

The DFT of :mod:`.monitors` uses ``e^{−iωt}`` in the transform, i.e. fields ``∝ e^{+iωt}``; they are conjugated
into the convention above and the result conjugated back. All six components are averaged onto the integer
nodes ``(i, j, k)`` of the box's faces (two or four neighbours each, second order), and each face is integrated
with the trapezoid rule.

:meth:`NearToFarBox3D.far_field` returns the vector amplitude ``a(r̂)`` with ``E(r) = a(r̂) e^{ikr}/r`` (conjugated
to the DFT convention; V per Hz of the DFT), and :meth:`NearToFarBox3D.radiated_power` integrates
``P = ∯ |a|²/(2η₀) dΩ`` on the quadrature of :func:`sphere_quadrature`; it is comparable with the Poynting flux out of
the box and, for a point current element of moment ``I l``, with ``η₀ k² |I l|² / 12π`` (Hertzian dipole).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import Tensor

from physics.maxwell import C0, ETA0, MU0
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.mirror_images import unfold_box_record
from solvers.fdtd.monitors import DFTMonitor
from solvers.fdtd.near_to_far import box_region, check_box_clear

COMPONENTS = ("ex", "ey", "ez", "hx", "hy", "hz")
# half-cell offsets (x, y, z) of each component on the Yee grid (see solvers.fdtd.grid)
OFFSETS = {
    "ex": (1, 0, 0),
    "ey": (0, 1, 0),
    "ez": (0, 0, 1),
    "hx": (0, 1, 1),
    "hy": (1, 0, 1),
    "hz": (1, 1, 0),
}
_CHUNK = 512  # directions per phase matrix (bounds memory: chunk × surface points complex numbers)


def sphere_quadrature(n_theta: int = 48, n_phi: int = 96) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Directions on the unit sphere and their solid-angle weights: Gauss–Legendre in ``cos θ`` × uniform ``φ``.

    Returns ``(directions [A, 3], weights [A] (sr, summing to 4π), theta [A], phi [A])`` with ``A = n_theta·n_phi``;
    exact for band-limited patterns of degree below ``2 n_theta`` in ``cos θ`` and ``n_phi`` in ``φ``.
    """
    if n_theta < 2 or n_phi < 3:
        raise ValueError(f"sphere_quadrature needs n_theta >= 2 and n_phi >= 3, got {n_theta}, {n_phi}.")
    mu, w_mu = np.polynomial.legendre.leggauss(n_theta)
    theta = np.arccos(mu)
    phi = np.arange(n_phi) * 2 * np.pi / n_phi
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    w = np.repeat(w_mu, n_phi) * (2 * np.pi / n_phi)
    dirs = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], -1).reshape(-1, 3)
    as_t = lambda a: torch.as_tensor(a, dtype=torch.float64)
    return as_t(dirs), as_t(w), as_t(th.reshape(-1)), as_t(ph.reshape(-1))


def spherical_components(amplitude: Tensor, theta: Tensor, phi: Tensor) -> tuple[Tensor, Tensor]:
    """``(a_θ, a_φ)`` ``[..., A]`` of Cartesian amplitudes ``[..., A, 3]`` at directions ``(θ, φ)`` ``[A]`` (rad)."""
    ct, st, cp, sp = torch.cos(theta), torch.sin(theta), torch.cos(phi), torch.sin(phi)
    e_theta = torch.stack([ct * cp, ct * sp, -st], -1).to(amplitude.dtype)
    e_phi = torch.stack([-sp, cp, torch.zeros_like(cp)], -1).to(amplitude.dtype)
    return (amplitude * e_theta).sum(-1), (amplitude * e_phi).sum(-1)


@dataclass(frozen=True)
class NearToFarBox3D:
    """A closed box of a 3-D grid through the nodes ``lo = (i0, j0, k0)`` … ``hi = (i1, j1, k1)`` (cell indices),
    enclosing every source, in vacuum, clear of the CPML by at least one cell."""

    lo: tuple
    hi: tuple
    name: str = "near_to_far_3d"

    def check(self, grid: YeeGrid) -> None:
        """Clear errors for a grid that is not 3-D, or a box that is too small or touches the CPML."""
        if min(grid.shape) < 2:
            raise ValueError(
                f"NearToFarBox3D works on 3-D grids; got shape {grid.shape}. For a 2-D (xy) simulation use "
                "solvers.fdtd.near_to_far.NearToFarBox."
            )
        check_box_clear(grid, self.lo, self.hi, self.name)

    def monitor(self, frequencies) -> DFTMonitor:
        """The DFT monitor the transformation reads: the box and a one-cell margin, all six components.

        It records the whole volume of the box; for large boxes that is the memory cost
        (``6 × n_freq × volume`` complex numbers).
        """
        return DFTMonitor(tuple(float(f) for f in frequencies), COMPONENTS, box_region(self.lo, self.hi), self.name)

    def _nodes(self, dft: dict) -> dict[str, Tensor]:
        """Each component averaged onto the box's integer nodes: ``[n_freq, nx, ny, nz]`` complex, conjugated."""
        n = [int(b) - int(a) + 1 for a, b in zip(self.lo, self.hi)]
        out = {}
        for c in COMPONENTS:
            f = dft[c].conj()
            for ax, half in enumerate(OFFSETS[c]):
                d = ax + 1
                if half:  # node i lies between the samples at i − ½ and i + ½ (array positions i − i0, i − i0 + 1)
                    f = 0.5 * (f.narrow(d, 0, n[ax]) + f.narrow(d, 1, n[ax]))
                else:
                    f = f.narrow(d, 1, n[ax])
            out[c] = f
        return out

    def _whole_surface(self, dft: dict, grid: YeeGrid):
        """:meth:`_surface` of the whole box: a box on mirror planes is completed by its images first."""
        whole, lo = unfold_box_record(dft, grid, self.lo, self.hi)
        return replace(self, lo=lo)._surface(whole, grid)

    def _surface(self, dft: dict, grid: YeeGrid):
        """Points ``[P, 3]`` (m), outward normals ``[P, 3]``, weights ``[P]`` (m²), and ``E``, ``H``
        ``[n_freq, P, 3]``."""
        nodes = self._nodes(dft)
        e = torch.stack([nodes["ex"], nodes["ey"], nodes["ez"]], -1)  # [nf, nx, ny, nz, 3]
        h = torch.stack([nodes["hx"], nodes["hy"], nodes["hz"]], -1)
        shape = e.shape[1:4]
        coords = [(int(self.lo[ax]) + np.arange(shape[ax])) * grid.dx for ax in range(3)]
        trap = [np.where((np.arange(m) == 0) | (np.arange(m) == m - 1), 0.5, 1.0) * grid.dx for m in shape]
        pts, normals, weights, e_s, h_s = [], [], [], [], []
        for ax in range(3):
            a, b = [t for t in range(3) if t != ax]
            for side, index in ((-1.0, 0), (1.0, shape[ax] - 1)):
                ga, gb = np.meshgrid(coords[a], coords[b], indexing="ij")
                p = np.zeros(ga.shape + (3,))
                p[..., a], p[..., b], p[..., ax] = ga, gb, coords[ax][index]
                nrm = np.zeros(3)
                nrm[ax] = side
                pts.append(p.reshape(-1, 3))
                normals.append(np.broadcast_to(nrm, (p[..., 0].size, 3)))
                weights.append(np.outer(trap[a], trap[b]).reshape(-1))
                e_s.append(e.select(ax + 1, index).reshape(e.shape[0], -1, 3))
                h_s.append(h.select(ax + 1, index).reshape(h.shape[0], -1, 3))
        return (
            torch.as_tensor(np.concatenate(pts)),
            torch.as_tensor(np.concatenate(normals)),
            torch.as_tensor(np.concatenate(weights)),
            torch.cat(e_s, 1).to(torch.complex128),
            torch.cat(h_s, 1).to(torch.complex128),
        )

    def far_field(self, dft: dict, grid: YeeGrid, frequencies, directions) -> Tensor:
        """The far-field vector amplitude ``a(r̂)`` ``[n_freq, A, 3]`` complex (V per Hz of the DFT), with
        ``E = a e^{ikr}/r``, at frequencies (Hz) and unit ``directions`` ``[A, 3]``; see the module docstring."""
        self.check(grid)
        missing = [c for c in COMPONENTS if c not in dft]
        if missing:
            raise ValueError(f"the DFT record lacks {missing}; record it with NearToFarBox3D.monitor(frequencies).")
        pts, n, w, e, h = self._whole_surface(dft, grid)
        r = pts - pts.mean(0)
        rhat = torch.as_tensor(np.asarray(directions, dtype=np.float64))
        if rhat.ndim != 2 or rhat.shape[1] != 3:
            raise ValueError(f"directions must be unit vectors [A, 3], got shape {tuple(rhat.shape)}.")
        rhat = rhat / rhat.norm(dim=1, keepdim=True)
        nc = n.to(torch.complex128)
        out = []
        for q, f in enumerate(frequencies):
            omega = 2 * math.pi * float(f)
            k = omega / C0
            current = torch.linalg.cross(nc.expand_as(h[q]), h[q]) * w[:, None]  # J dS  [P, 3]
            magnetic = -torch.linalg.cross(nc.expand_as(e[q]), e[q]) * w[:, None]  # M dS
            rows = []
            for s in range(0, rhat.shape[0], _CHUNK):
                rh = rhat[s : s + _CHUNK]
                phase = torch.exp(-1j * k * (rh @ r.T))  # [a, P]
                big_n, big_l = phase @ current, phase @ magnetic  # [a, 3]
                rc = rh.to(torch.complex128)
                n_perp = big_n - rc * (rc * big_n).sum(-1, keepdim=True)
                a = (1j * omega * MU0 * n_perp - 1j * k * torch.linalg.cross(rc, big_l)) / (4 * math.pi)
                rows.append(a.conj())
            out.append(torch.cat(rows))
        return torch.stack(out)

    def surface_flux(self, dft: dict, grid: YeeGrid) -> Tensor:
        """The Poynting flux out of the box, ``½ Re ∯ (E × H*)·n̂ dS`` ``[n_freq]`` (W per Hz² of the DFT), on the same
        colocated surface fields as :meth:`far_field`: the power the far field must carry."""
        self.check(grid)
        _, n, w, e, h = self._whole_surface(dft, grid)
        s = torch.linalg.cross(e, h.conj()).real  # [nf, P, 3]
        return 0.5 * ((s * n.to(s.dtype)).sum(-1) * w.to(s.dtype)).sum(-1)

    @staticmethod
    def radiated_power(amplitude: Tensor, weights: Tensor) -> Tensor:
        """``P = Σ |a|² w / (2η₀)`` ``[n_freq]`` (W per Hz² of the DFT) from amplitudes ``[n_freq, A, 3]`` on the
        quadrature ``weights`` ``[A]`` (sr) of :func:`sphere_quadrature`."""
        return ((amplitude.abs() ** 2).sum(-1) * weights.to(amplitude.real.dtype)).sum(-1) / (2 * ETA0)


__all__ = ["NearToFarBox3D", "sphere_quadrature", "spherical_components"]
