"""SETTLE (analytic rigid water) against the iterative matrix SHAKE on the same step: two methods, one answer."""

import math

import pytest
import torch

from physics.forcefields.space import displacement
from solvers.md.constraints import ConstraintFailure, DistanceConstraints, shake


def _waters(n: int, seed: int = 0, box: float = 1.2):
    """``n`` TIP3P-shaped waters (d_OH 0.09572 nm, 104.52°) at random orientations in a cubic box, some
    straddling its faces; constraints O–H1, O–H2, H1–H2 per water."""
    g = torch.Generator().manual_seed(seed)
    th = math.radians(104.52)
    body = torch.tensor(
        [[0.0, 0, 0], [0.09572, 0, 0], [0.09572 * math.cos(th), 0.09572 * math.sin(th), 0]], dtype=torch.float64
    )
    R = []
    for _ in range(n):
        q, _ = torch.linalg.qr(torch.randn(3, 3, generator=g, dtype=torch.float64))
        R.append(body @ q.T + box * torch.rand(3, generator=g, dtype=torch.float64))
    R = torch.remainder(torch.cat(R), box)  # wrapped: a water may straddle the box
    w = torch.arange(n)[:, None] * 3
    idx = torch.cat([torch.cat([w, w + 1], 1), torch.cat([w, w + 2], 1), torch.cat([w + 1, w + 2], 1)])
    b = torch.full((3,), box, dtype=torch.float64)
    d = torch.linalg.norm(displacement(R[idx[:, 0]], R[idx[:, 1]], b), dim=-1)
    mass = torch.tensor([15.999, 1.008, 1.008] * n, dtype=torch.float64)
    return R, idx, d, mass, b, g


def test_settle_equals_iterated_shake_and_holds_every_distance_exactly():
    R, idx, d, mass, box, g = _waters(200)
    moved = R + 0.004 * torch.randn(R.shape, generator=g, dtype=R.dtype)  # about a 2 fs step of a hydrogen
    with_settle = DistanceConstraints(idx, d)
    assert with_settle.waters is not None and len(with_settle.waters.atoms) == 200
    analytic = shake(with_settle, moved, R, mass, box)
    iterated = shake(DistanceConstraints(idx, d, settle=False, tolerance=1e-14), moved, R, mass, box)
    assert (analytic - iterated).abs().max() < 1e-12  # measured 9e-16
    got = torch.linalg.norm(displacement(analytic[idx[:, 0]], analytic[idx[:, 1]], box), dim=-1)
    assert ((got - d) / d).abs().max() < 1e-13  # measured 5e-15: exact, where SHAKE stops at its tolerance
    # constraint forces are internal: every water keeps the centre of mass of its unconstrained drift
    delta = (mass[:, None] * (analytic - moved)).reshape(200, 3, 3).sum(1)
    assert delta.abs().max() < 1e-13  # measured 2e-15 g/mol·nm


def test_settle_in_float32_holds_distances_to_single_precision():
    R, idx, d, mass, box, g = _waters(50, seed=3)
    moved = R + 0.004 * torch.randn(R.shape, generator=g, dtype=R.dtype)
    out = shake(DistanceConstraints(idx, d.float()), moved.float(), R.float(), mass.float(), box.float())
    got = torch.linalg.norm(displacement(out[idx[:, 0]], out[idx[:, 1]], box.float()), dim=-1)
    assert ((got - d.float()) / d.float()).abs().max() < 2e-6


def test_a_triangle_with_unequal_sides_goes_to_shake():
    R, idx, d, mass, box, _ = _waters(2)
    d = d.clone()
    d[0] *= 1.01  # O–H1 of the first water no longer equals O–H2
    c = DistanceConstraints(idx, d)
    assert c.waters is not None and c.waters.atoms.tolist() == [[3, 4, 5]]
    assert sum(len(b.reshape(-1)) for b in c.blocks) == 3


def test_a_step_with_no_rigid_solution_names_the_water():
    R, idx, d, mass, box, _ = _waters(3)
    labels = tuple(f"chain W HOH{k // 3 + 1} atom {('O', 'H1', 'H2')[k % 3]}" for k in range(9))
    c = DistanceConstraints(idx, d, labels=labels)
    normal = torch.linalg.cross(displacement(R[4], R[3], box), displacement(R[5], R[3], box))
    moved = R.clone()
    moved[3] += 0.1 * normal / normal.norm()  # the second oxygen leaves its plane by 1 Å: no rigid solution
    with pytest.raises(ConstraintFailure, match=r"SETTLE .* HOH2 atom O.*too large"):
        shake(c, moved, R, mass, box)


def test_unequal_hydrogen_masses_are_refused_with_the_fix():
    R, idx, d, mass, box, g = _waters(2)
    mass = mass.clone()
    mass[1] = 4.0  # hydrogen mass repartitioned onto one water hydrogen
    with pytest.raises(ValueError, match="both hydrogens of a rigid water"):
        shake(DistanceConstraints(idx, d), R + 1e-3, R, mass, box)
