"""SETTLE: the analytic solution of a rigid water's three distance constraints after an unconstrained step.

Miyamoto & Kollman, J. Comput. Chem. 13, 952 (1992). A rigid water is a triangle O–H–H with ``|OH₁| = |OH₂|
= d_OH``, ``|H₁H₂| = d_HH`` and equal hydrogen masses. SHAKE solves its three constraints iteratively;
SETTLE finds the constrained positions in closed form. The constrained triangle keeps the centre of mass of
the unconstrained one (constraint forces are internal), and its orientation follows from three rotations
about axes of a frame built from the old plane normal ``n₀ = b₀ × c₀`` and the new oxygen offset ``a₁``:

    canonical triangle about its centre of mass:  r_a = 2 m_H h / M,  r_b = h − r_a,  r_c = d_HH / 2,
                                                   h = √(d_OH² − r_c²),  M = m_O + 2 m_H
    sin φ = z_a1 / r_a            (tilt of the O–bisector out of the old plane)
    sin ψ = (z_b1 − z_c1) / (2 r_c cos φ)            (roll about the bisector)
    sin θ = (α γ − β √(α² + β² − γ²)) / (α² + β²)   (turn in the plane; α, β, γ from the old and new
                                                      in-plane coordinates, the paper's eqs. A7–A9)

with coordinates in the frame ``x ∝ a₁ × n₀``, ``y = n₀ × x``, ``z ∝ n₀``. Every water is solved at once
(vectorised over ``[W]``); the result is exact to rounding, where SHAKE stops at its tolerance. Vectors use
the minimum image, so a water may straddle the box. A step so large that ``sin φ`` or the discriminant leaves
its range has no rigid solution; the caller raises :class:`~solvers.md.constraints.ConstraintFailure`
naming the water. Velocities are made tangent separately (RATTLE's exact 3 × 3 solve is SETTLE's velocity step).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from physics.forcefields.space import displacement
from solvers.md import native


@dataclass(frozen=True)
class RigidWaters:
    """Atoms ``[W, 3]`` (oxygen, hydrogen, hydrogen) held at ``d_oh`` and ``d_hh`` ``[W]`` (nm)."""

    atoms: Tensor
    d_oh: Tensor
    d_hh: Tensor


def find_rigid_waters(index: Tensor, distance: Tensor, clusters: list[list[int]]):
    """Split constraint clusters into SETTLE waters (three constraints closing a triangle with two equal sides)
    and the rest. Returns ``(RigidWaters | None, remaining clusters)``."""
    waters, rest = [], []
    for rows in clusters:
        pairs = index[rows].tolist() if len(rows) == 3 else []
        atoms = sorted({a for p in pairs for a in p})
        if len(atoms) != 3:
            rest.append(rows)
            continue
        d = distance[rows].tolist()
        # the oxygen is the atom shared by the two equal sides
        for k, (i, j) in enumerate(pairs):
            others = [m for m in range(3) if m != k]
            if abs(d[others[0]] - d[others[1]]) <= 1e-9 * d[others[0]]:
                oxygen = next(a for a in atoms if a not in (i, j))
                waters.append((oxygen, i, j, d[others[0]], d[k]))
                break
        else:
            rest.append(rows)
    if not waters:
        return None, rest
    w = torch.tensor([x[:3] for x in waters], dtype=torch.int64, device=distance.device)
    lengths = torch.tensor([x[3:] for x in waters], dtype=distance.dtype, device=distance.device)
    return RigidWaters(w, lengths[:, 0], lengths[:, 1]), rest


def _dot(a: Tensor, b: Tensor) -> Tensor:
    return (a * b).sum(-1)


def settle(waters: RigidWaters, R_new: Tensor, R_old: Tensor, mass: Tensor, box=None) -> tuple[Tensor, int | None]:
    """``(positions [N, 3], failed)``: every rigid water of ``waters`` restored (``R_old`` satisfied the
    constraints; ``mass`` ``[N]``), and ``failed``, the oxygen of a water with no rigid solution, else None."""
    o, h1, h2 = waters.atoms.to(R_new.device).unbind(1)
    m_o, m_h = mass[o], mass[h1]
    if not torch.allclose(m_h, mass[h2], rtol=1e-12, atol=0):
        k = int(torch.argmax((m_h - mass[h2]).abs()))
        raise ValueError(
            f"SETTLE needs both hydrogens of a rigid water to have one mass; atoms {int(h1[k])} and {int(h2[k])} "
            "differ. Repartition hydrogen mass on the solute only (OpenMM leaves water alone)."
        )
    if native.usable(R_new, R_old, mass):
        return native.settle_waters(waters.atoms, waters.d_oh, waters.d_hh, R_new, R_old, mass, box)
    d_oh, d_hh = waters.d_oh.to(R_new), waters.d_hh.to(R_new)
    total = m_o + 2 * m_h
    rc = 0.5 * d_hh
    height = torch.sqrt(d_oh * d_oh - rc * rc)
    ra = 2 * m_h * height / total
    rb = height - ra

    b0 = displacement(R_old[h1], R_old[o], box)  # old triangle, oxygen at the origin
    c0 = displacement(R_old[h2], R_old[o], box)
    b1 = displacement(R_new[h1], R_new[o], box)  # new, unconstrained
    c1 = displacement(R_new[h2], R_new[o], box)
    com = (m_h[:, None] * (b1 + c1)) / total[:, None]  # relative to the new oxygen
    a1, b1, c1 = -com, b1 - com, c1 - com

    n0 = torch.linalg.cross(b0, c0)
    ex = torch.linalg.cross(a1, n0)
    ey = torch.linalg.cross(n0, ex)
    ex = ex / torch.linalg.norm(ex, dim=-1, keepdim=True)
    ey = ey / torch.linalg.norm(ey, dim=-1, keepdim=True)
    ez = n0 / torch.linalg.norm(n0, dim=-1, keepdim=True)

    xb0, yb0, xc0, yc0 = _dot(b0, ex), _dot(b0, ey), _dot(c0, ex), _dot(c0, ey)
    za1 = _dot(a1, ez)
    xb1, yb1, zb1 = _dot(b1, ex), _dot(b1, ey), _dot(b1, ez)
    xc1, yc1, zc1 = _dot(c1, ex), _dot(c1, ey), _dot(c1, ez)

    sin_phi = za1 / ra
    cos_phi2 = 1 - sin_phi * sin_phi
    sin_psi = (zb1 - zc1) / (2 * rc * torch.sqrt(cos_phi2.clamp_min(0)))
    cos_psi2 = 1 - sin_psi * sin_psi
    cos_phi, cos_psi = torch.sqrt(cos_phi2.clamp_min(0)), torch.sqrt(cos_psi2.clamp_min(0))

    ya2 = ra * cos_phi
    xb2 = -rc * cos_psi
    t1, t2 = -rb * cos_phi, rc * sin_psi * sin_phi
    yb2, yc2 = t1 - t2, t1 + t2

    alpha = xb2 * (xb0 - xc0) + yb0 * yb2 + yc0 * yc2
    beta = xb2 * (yc0 - yb0) + xb0 * yb2 + xc0 * yc2
    gamma = xb0 * yb1 - xb1 * yb0 + xc0 * yc1 - xc1 * yc0
    ab2 = alpha * alpha + beta * beta
    disc = ab2 - gamma * gamma
    bad = (cos_phi2 <= 0) | (cos_psi2 <= 0) | (disc < 0) | ~torch.isfinite(disc)
    if bool(bad.any()):
        return R_new, int(o[int(torch.nonzero(bad)[0, 0])])
    sin_t = (alpha * gamma - beta * torch.sqrt(disc)) / ab2
    cos_t = torch.sqrt((1 - sin_t * sin_t).clamp_min(0))

    def frame(x, y, z):  # local coordinates back to the lab frame
        return x[:, None] * ex + y[:, None] * ey + z[:, None] * ez

    a3 = frame(-ya2 * sin_t, ya2 * cos_t, za1)
    b3 = frame(xb2 * cos_t - yb2 * sin_t, xb2 * sin_t + yb2 * cos_t, zb1)
    c3 = frame(-xb2 * cos_t - yc2 * sin_t, -xb2 * sin_t + yc2 * cos_t, zc1)
    # move each atom by (constrained − unconstrained), both about the same centre of mass
    moves = torch.cat([a3 - a1, b3 - b1, c3 - c1])
    return R_new.index_add(0, torch.cat([o, h1, h2]), moves), None
