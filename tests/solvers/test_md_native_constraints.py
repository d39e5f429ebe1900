"""The native SHAKE/RATTLE kernels (``solvers/md/native/constraints.cpp``) against the pure-torch matrix
SHAKE/RATTLE on the same input: two implementations, one answer, and the constraints held exactly."""

import pytest
import torch

from physics.forcefields.space import displacement
from solvers.md import native
from solvers.md.constraints import ConstraintFailure, DistanceConstraints, rattle, shake


@pytest.fixture(autouse=True)
def _kernel():
    if native.CONSTRAINTS.load() is None:
        pytest.skip(f"no native constraint kernel: {native.CONSTRAINTS.error}")


def _molecules(seed: int = 0, box: float = 1.5):
    """Methyl groups (three C–H sharing the carbon), isolated bonds and four-bond chains (coupled clusters of
    3, 1 and 4 constraints) at random positions in a periodic box, some straddling a face; float64."""
    g = torch.Generator().manual_seed(seed)
    R, idx, masses = [], [], []

    def place(points, bonds, mass):
        base = sum(len(p) for p in R)
        R.append(torch.remainder(points + box * torch.rand(3, generator=g, dtype=torch.float64), box))
        idx.extend([[base + a, base + b] for a, b in bonds])
        masses.extend(mass)

    for _ in range(30):
        h = 0.109 * torch.nn.functional.normalize(torch.randn(3, 3, generator=g, dtype=torch.float64), dim=1)
        place(torch.cat([torch.zeros(1, 3, dtype=torch.float64), h]), [(0, 1), (0, 2), (0, 3)], [12.011] + [1.008] * 3)
        place(torch.tensor([[0.0, 0, 0], [0.1, 0.0, 0.0]], dtype=torch.float64), [(0, 1)], [14.007, 1.008])
        steps = torch.nn.functional.normalize(torch.randn(5, 3, generator=g, dtype=torch.float64), dim=1)
        chain = torch.cumsum(0.15 * steps, 0)
        place(chain, [(0, 1), (1, 2), (2, 3), (3, 4)], [12.011, 15.999, 12.011, 14.007, 1.008])
    R = torch.cat(R)
    index = torch.tensor(idx)
    b = torch.full((3,), box, dtype=torch.float64)
    d = torch.linalg.norm(displacement(R[index[:, 0]], R[index[:, 1]], b), dim=-1)
    return R, DistanceConstraints(index, d), torch.tensor(masses, dtype=torch.float64)[:, None], b, g


def _torch_path(t: torch.Tensor) -> torch.Tensor:
    return t.clone().requires_grad_(True)  # an input that needs a graph keeps the pure-torch path


def test_native_rattle_equals_the_torch_solve_and_removes_every_bond_velocity():
    R, c, mass, box, g = _molecules()
    V = torch.randn(R.shape, generator=g, dtype=R.dtype)
    fast = rattle(c, R, V, mass, box)
    reference = rattle(c, R, _torch_path(V), mass, box).detach()
    assert (fast - reference).abs().max() < 1e-12
    i, j = c.index.unbind(1)
    along = (displacement(R[i], R[j], box) * (fast[i] - fast[j])).sum(-1)
    assert along.abs().max() < 1e-12


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_native_shake_holds_every_distance_and_agrees_with_the_torch_iteration(dtype):
    R, c, mass, box, g = _molecules(seed=1)
    moved = R + 0.004 * torch.randn(R.shape, generator=g, dtype=R.dtype)  # about a 2 fs step of a hydrogen
    R, moved, mass, box = R.to(dtype), moved.to(dtype), mass.to(dtype), box.to(dtype)
    fast = shake(c, moved, R, mass, box)
    reference = shake(c, _torch_path(moved), R, mass, box).detach()
    i, j = c.index.unbind(1)
    err = ((displacement(fast[i], fast[j], box) ** 2).sum(-1) - c.distance.to(dtype) ** 2).abs() / c.distance**2
    eps = torch.finfo(dtype).eps  # float32 stops at its rounding floor, 4 ε max|R| / min d (constraints.py)
    assert float(err.max()) < max(1e-10, 2 * 4 * eps * float(R.abs().max()) / float(c.distance.min()))
    assert float((fast - reference).abs().max()) < (1e-9 if dtype == torch.float64 else 1e-5)


def test_a_step_too_large_for_shake_names_the_atoms_in_both_paths():
    R, c, mass, box, g = _molecules(seed=2)
    labels = tuple(f"A{k}" for k in range(len(R)))
    c = DistanceConstraints(c.index, c.distance, labels=labels, max_iterations=3)
    wild = R + 0.2 * torch.randn(R.shape, generator=g, dtype=R.dtype)
    with pytest.raises(ConstraintFailure, match=r"between atom \d+ \(A\d+\) and atom \d+ \(A\d+\)"):
        shake(c, wild, R, mass, box)
    with pytest.raises(ConstraintFailure, match=r"between atom \d+ \(A\d+\) and atom \d+ \(A\d+\)"):
        shake(c, _torch_path(wild), R, mass, box)


def test_native_settle_equals_the_torch_settle_on_waters_straddling_the_box():
    import math

    g = torch.Generator().manual_seed(4)
    th, box = math.radians(104.52), torch.full((3,), 1.2, dtype=torch.float64)
    body = torch.tensor(
        [[0.0, 0, 0], [0.09572, 0, 0], [0.09572 * math.cos(th), 0.09572 * math.sin(th), 0]], dtype=torch.float64
    )
    R = []
    for _ in range(150):
        q, _ = torch.linalg.qr(torch.randn(3, 3, generator=g, dtype=torch.float64))
        R.append(body @ q.T + 1.2 * torch.rand(3, generator=g, dtype=torch.float64))
    R = torch.remainder(torch.cat(R), 1.2)
    w = torch.arange(150)[:, None] * 3
    idx = torch.cat([torch.cat([w, w + 1], 1), torch.cat([w, w + 2], 1), torch.cat([w + 1, w + 2], 1)])
    d = torch.linalg.norm(displacement(R[idx[:, 0]], R[idx[:, 1]], box), dim=-1)
    c = DistanceConstraints(idx, d)
    assert c.waters is not None and not c.blocks  # every constraint is a rigid water's
    mass = torch.tensor([15.999, 1.008, 1.008] * 150, dtype=torch.float64)[:, None]
    moved = R + 0.004 * torch.randn(R.shape, generator=g, dtype=R.dtype)
    fast = shake(c, moved, R, mass, box)
    reference = shake(c, _torch_path(moved), R, mass, box).detach()
    assert float((fast - reference).abs().max()) < 1e-13
    err = (torch.linalg.norm(displacement(fast[idx[:, 0]], fast[idx[:, 1]], box), dim=-1) - d).abs().max()
    assert float(err) < 1e-12
