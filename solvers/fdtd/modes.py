"""Waveguide modes of a 1-D cross-section (the role MPB plays for Meep), on the Yee grid's own staggering.

A 2-D simulation in the xy-plane with a waveguide along x has modes ``F(y) e^{i(βx − ωt)}`` of two polarisations:

- ``"ez"`` (E out of plane; TE in slab-waveguide language): ``d²Ez/dy² + k₀² ε(y) Ez = β² Ez``, with
  ``Hx = Ez'/(iωμ₀)``, ``Hy = −β Ez/(ωμ₀)``;
- ``"hz"`` (H out of plane; TM): ``ε_y d/dy(ε_x⁻¹ dHz/dy) + k₀² ε_y Hz = β² Hz``, with
  ``Ey = β Hz/(ωε₀ε_y)``, ``Ex = −Hz'/(iωε₀ε_x)``.

``y`` is discretised exactly as the FDTD discretises it (``Ez`` at ``jΔx``, ``Hz`` at ``(j+½)Δx``, ``ε_x`` and ``ε_y``
at the positions of ``Ex`` and ``Ey``), so a mode launched into the FDTD is a mode of the FDTD up to the ``O(Δx²)``
dispersion along ``x``. Both operators are symmetric tridiagonal after a diagonal similarity, solved by LAPACK's
tridiagonal eigensolver. Fields vanish outside the cross-section (PEC ends): make it wider than the mode.

A section may instead start on a mirror plane (``mirror = ±1``, the grid's mirror at its low wall): it is then half
of a symmetric section, and the modes are those of the whole section with that parity. ``+1`` (tangential E even,
a PMC plane): ``Ez[−1] = Ez[1]``, ``Hz[−½] = −Hz[½]``; ``−1`` (tangential E odd, a PEC plane): ``Ez[0] = 0``,
``Hz[−½] = Hz[½]``. Powers and overlaps are those of the whole section (:func:`section_weights`: node 0 on the
plane counts once, every other sample twice, for itself and its image).

Modes are normalised to unit power, ``½ ∫ Re(E × H*)·x̂ dy = 1`` (W per metre of z), so the amplitude of a
mode coefficient squared is the power it carries. The group index ``n_g = c dβ/dω`` is a central difference in
frequency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from physics.maxwell import C0, EPS0, MU0

POLARIZATIONS = ("ez", "hz")


@dataclass(frozen=True)
class WaveguideMode:
    """One guided mode at ``frequency`` (Hz): ``n_eff = β/k₀``, ``n_group``, and the transverse fields on the
    cross-section, unit power: ``ez``/``hy`` for ``"ez"`` (V/m, A/m, at ``jΔx``), ``hz``/``ey`` for ``"hz"`` (at
    ``(j+½)Δx``). ``order`` counts from 0 (the fundamental)."""

    frequency: float
    polarization: str
    order: int
    n_eff: float
    n_group: float
    dx: float
    e: np.ndarray  # the transverse E component across the section (Ez or Ey), [n]
    h: np.ndarray  # the transverse H component (Hy or Hz), [n]
    mirror: int = 0  # the section starts on a mirror plane of this phase (0: no mirror)

    @property
    def beta(self) -> float:
        """Propagation constant β (rad/m)."""
        return 2 * math.pi * self.frequency / C0 * self.n_eff


def section_weights(n: int, polarization: str, mirror: int = 0) -> np.ndarray:
    """Quadrature weights ``[n]`` of a section's samples for powers and overlaps over the whole section: 1 without a
    mirror; with one, 2 for every sample (itself and its image) except an ``Ez`` sample on the plane (node 0), 1."""
    w = np.full(n, 2.0 if mirror else 1.0)
    if mirror and polarization == "ez":
        w[0] = 1.0
    return w


def _operator(eps_e: np.ndarray, eps_h: np.ndarray, polarization: str, k0: float, dx: float, mirror: int = 0):
    """Diagonal and off-diagonal of the symmetric form of the operator, and the similarity scale."""
    n = len(eps_e)
    if polarization == "ez":  # D_b D_f + k0² ε: (f[j+1] − 2 f[j] + f[j−1])/dx²
        off, scale = np.full(n - 1, 1 / dx**2), np.ones(n)
        if mirror == 1:  # f[−1] = f[1]: row 0 couples to f[1] twice; weight ½ on node 0 symmetrises it
            off[0], scale[0] = math.sqrt(2) / dx**2, math.sqrt(2)
        return k0**2 * eps_e - 2 / dx**2, off, scale
    # ε_y D_f ε_x⁻¹ D_b + k0² ε_y on Hz[j] at (j+½): Ex at j between Hz[j−1] and Hz[j]
    inv_x = 1 / eps_h  # ε at the Ex positions, [n]; Ex[0] sits on the wall
    inv_next = np.append(inv_x[1:], inv_x[-1])  # Ex[j+1]; the last one outside
    low = inv_x * 1.0
    if mirror:  # Ex[0] on the plane: 2 Hz[0] behind a PMC plane (Hz odd), 0 on a PEC plane (Ex odd)
        low[0] = 2 * inv_x[0] if mirror == 1 else 0.0
    diag = eps_e * (k0**2 - (low + inv_next) / dx**2)
    off = np.sqrt(eps_e[:-1] * eps_e[1:]) * inv_x[1:] / dx**2
    return diag, off, np.sqrt(eps_e)


def _solve(eps_e, eps_h, polarization, frequency, dx, count, mirror=0):
    if polarization == "ez" and mirror == -1:  # Ez = 0 on the plane: the rest is a section with a PEC end there
        k0, beta2, vec = _solve(eps_e[1:], eps_h[1:], polarization, frequency, dx, count)
        return k0, beta2, np.concatenate([np.zeros((1, vec.shape[1])), vec])
    k0 = 2 * math.pi * frequency / C0
    diag, off, scale = _operator(eps_e, eps_h, polarization, k0, dx, mirror)
    n = len(diag)
    count = min(count, n)
    import scipy.linalg  # here, not at import: every `sciml run` loads the FDTD experiments

    beta2, vec = scipy.linalg.eigh_tridiagonal(diag, off, select="i", select_range=(n - count, n - 1))
    order = np.argsort(-beta2)
    return k0, beta2[order], vec[:, order] * scale[:, None]


def waveguide_modes(
    eps_section,
    dx: float,
    frequency: float,
    polarization: str = "ez",
    count: int = 1,
    eps_x_section=None,
    mirror: int = 0,
) -> list[WaveguideMode]:
    """The ``count`` highest-index guided modes of a cross-section at ``frequency`` (Hz).

    ``eps_section``: relative permittivity ``[n]`` along the section at the transverse field's positions (the
    ``Ez`` map's column for ``"ez"``, the ``Ey`` map's for ``"hz"``); ``eps_x_section``: for ``"hz"``, ε at the
    ``Ex`` positions (default: the same); ``mirror``: the section starts on a mirror plane of that phase (see the
    module notes). Raises ``ValueError`` when fewer than ``count`` modes are guided (``n_eff`` above the larger
    edge index; with a mirror, the far edge's).
    """
    if polarization not in POLARIZATIONS:
        raise ValueError(
            f"polarization must be one of {POLARIZATIONS} (the out-of-plane component), got {polarization!r}."
        )
    eps_e = np.asarray(eps_section, dtype=np.float64).reshape(-1)
    eps_h = eps_e if eps_x_section is None else np.asarray(eps_x_section, dtype=np.float64).reshape(-1)
    if len(eps_e) < 3 or eps_h.shape != eps_e.shape:
        raise ValueError(f"the cross-section needs at least 3 cells (and matching ε_x), got {len(eps_e)} cells.")
    if not (frequency > 0 and dx > 0 and count >= 1):
        raise ValueError(f"need frequency > 0, dx > 0 and count >= 1, got {frequency}, {dx}, {count}.")
    if mirror not in (-1, 0, 1):
        raise ValueError(f"mirror must be -1, 0 or +1 (the phase of a mirror plane at the section's start): {mirror}.")
    k0, beta2, vec = _solve(eps_e, eps_h, polarization, frequency, dx, count, mirror)
    edge = eps_e[-1] if mirror else max(eps_e[0], eps_e[-1])  # a mirror plane is the middle, not an edge
    guided = beta2 > k0**2 * edge
    if not guided.all():
        found = int(guided.sum())
        raise ValueError(
            f"only {found} guided {polarization} mode(s) at {frequency:.6g} Hz where {count} were asked for: the "
            f"section's ε reaches {eps_e.max():.4g} but the edges have {edge:.4g}, and a guided mode needs "
            f"n_eff > {math.sqrt(edge):.4g}. Put the source across a waveguide core, raise the frequency, or ask "
            "for fewer modes."
        )
    # group index: β at f(1 ± δ)
    delta = 1e-4
    up = _solve(eps_e, eps_h, polarization, frequency * (1 + delta), dx, count, mirror)
    down = _solve(eps_e, eps_h, polarization, frequency * (1 - delta), dx, count, mirror)
    weights = section_weights(len(eps_e), polarization, mirror)
    omega = 2 * math.pi * frequency
    modes = []
    for m in range(count):
        beta = math.sqrt(beta2[m])
        d_beta = math.sqrt(up[1][m]) - math.sqrt(down[1][m])
        n_group = C0 * d_beta / (2 * delta * omega)
        f = vec[:, m]
        f = f * np.sign(f[np.argmax(np.abs(f))])  # the largest lobe positive
        if polarization == "ez":
            e, h = f, -beta * f / (omega * MU0)
        else:
            h, e = f, beta * f / (omega * EPS0 * eps_e)
        power = 0.5 * float(np.sum(weights * (e * -h if polarization == "ez" else e * h))) * dx
        s = 1 / math.sqrt(power)
        modes.append(WaveguideMode(frequency, polarization, m, beta / k0, n_group, dx, e * s, h * s, mirror))
    return modes


__all__ = ["waveguide_modes", "section_weights", "WaveguideMode", "POLARIZATIONS"]
