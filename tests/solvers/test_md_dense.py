"""The fast MD path: dense neighbour lists (native and torch builds) and the fused force kernel, checked
against the all-pairs sums, autograd, LAMMPS's step-0 numbers and the pair-format trajectory."""

import pytest
import torch

from physics.forcefields import (
    energy_and_forces,
    fcc,
    lennard_jones_neighbor_list,
    lennard_jones_pair,
    morse_pair,
    pair_energy_fn,
    pressure,
    virial_stress,
)
from physics.forcefields.pair import morse
from solvers.md import NeighborListOverflow, maxwell_boltzmann, native, neighbor_list, nve
from solvers.md.dense_neighbors import DenseNeighborFn


def _liquid(cells=4, density=0.8442, seed=0):
    R, box = fcc(cells, density=density)
    g = torch.Generator().manual_seed(seed)
    R = R + 0.08 * torch.randn(R.shape, generator=g, dtype=R.dtype)
    return R + box * (torch.rand(R.shape, generator=g) > 0.9), box  # some atoms an image away


def _brute_rows(R, box, reach):
    d = R[:, None] - R[None]
    d = d - box * torch.round(d / box)
    r2 = (d * d).sum(-1)
    r2.fill_diagonal_(float("inf"))
    return [set(torch.nonzero(row < reach * reach).flatten().tolist()) for row in r2]


def _rows(idx):
    n = idx.shape[0]
    return [set(v for v in row.tolist() if v < n) for row in idx]


@pytest.mark.parametrize("use_native", [True, False])
@pytest.mark.parametrize("cells,cutoff,skin", [(6, 2.5, 0.3), (7, 2.5, 0.5), (3, 2.2, 0.2)])  # cell lists; all pairs
def test_dense_lists_hold_exactly_the_pairs_within_reach(float64, use_native, cells, cutoff, skin):
    if use_native and not native.available():
        pytest.skip("no C++ compiler")
    R, box = _liquid(cells)
    fn = DenseNeighborFn(box, cutoff, skin, native=use_native)
    nbrs = fn.allocate(R)
    rows = _rows(nbrs.idx)
    assert rows == _brute_rows(R, box, cutoff + skin)
    assert all(len(r) == sum(1 for v in row.tolist() if v < len(R)) for r, row in zip(rows, nbrs.idx))  # no duplicates
    assert nbrs.max_count == max(len(r) for r in rows)


def test_native_and_torch_builds_agree_in_float32():
    if not native.available():
        pytest.skip("no C++ compiler")
    R, box = _liquid(6)
    R, box = R.float(), box.float()
    a = DenseNeighborFn(box, 2.5, 0.3, native=True).allocate(R)
    b = DenseNeighborFn(box, 2.5, 0.3, native=False).allocate(R)
    assert _rows(a.idx) == _rows(b.idx)


@pytest.mark.parametrize("potential", ["lj", "lj_shifted", "lj_switched", "morse"])
def test_fast_forces_equal_autograd_and_all_pairs(float64, potential):
    R, box = _liquid(4)
    if potential == "morse":
        dense = pair_energy_fn(
            lambda r: morse(r, D=0.7, a=1.3, r0=1.1), box, 2.5, neighbor_list=True, format="dense", compile=False
        )
        ref = morse_pair(box=box, cutoff=2.5, D=0.7, a=1.3, r0=1.1)
    else:
        kw = {"lj": {}, "lj_shifted": {"shift": True}, "lj_switched": {"switch": (2.0,)}}[potential]
        dense = lennard_jones_neighbor_list(
            box=box, cutoff=2.5, format="dense", compile=False, sigma=1.05, epsilon=0.9, **kw
        )
        ref = lennard_jones_pair(box=box, cutoff=2.5, sigma=1.05, epsilon=0.9, **kw)
        assert (dense.radial_r2 is None) == (potential == "lj_switched")  # closed form unless switched
    nbrs = neighbor_list(box, 2.5, 0.3, format="dense").allocate(R)
    e0, f0 = energy_and_forces(ref, R)
    e1, f1 = energy_and_forces(dense, R, nbrs.idx)  # autograd through the dense energy
    e2, f2 = dense.energy_and_forces(R, nbrs.idx)  # the fused path (eager here)
    for e, f in ((e1, f1), (e2, f2)):
        assert float(abs(e - e0)) < 1e-11 * abs(float(e0))
        assert float((f - f0).abs().max()) < 1e-11
    s0 = virial_stress(ref, R, box)
    s1 = virial_stress(dense, R, box, nbrs.idx)
    assert float((s0 - s1).abs().max()) < 1e-12


def test_lammps_step0_through_the_dense_path(float64):
    R, box = fcc(4, density=0.8442)
    U = lennard_jones_neighbor_list(box=box, cutoff=2.5, format="dense", compile=False)
    nbrs = neighbor_list(box, 2.5, 0.3, format="dense").allocate(R)
    e, _ = U.energy_and_forces(R, nbrs.idx)
    assert float(e) / len(R) == pytest.approx(-6.7733681, rel=1e-6)
    p = float(pressure(U, R, box, None, 1.0, nbrs.idx)) + 0.8442 * 1.44 * (32000 - 1) / 32000
    assert p == pytest.approx(-5.0197073, rel=1e-6)


def test_compiled_kernels_match_eager():
    R, box = _liquid(5)
    R, box = R.float(), box.float()
    eager = lennard_jones_neighbor_list(box=box, cutoff=2.5, format="dense", compile=False)
    fused = lennard_jones_neighbor_list(box=box, cutoff=2.5, format="dense", compile=True)
    nb_fn = neighbor_list(box, 2.5, 0.3, format="dense")
    nbrs = DenseNeighborFn(box, 2.5, 0.3, native=False).allocate(R)  # the torch build
    assert _rows(nbrs.idx) == _rows(nb_fn.allocate(R).idx)
    e0, f0 = eager.energy_and_forces(R, nbrs.idx)
    e1, f1 = fused.energy_and_forces(R, nbrs.idx)
    e2, f2 = fused.energy_and_forces(R, nbrs.idx[:, :-3].contiguous())  # another width: no recompile needed
    assert float(abs(e1 - e0)) < 1e-5 * abs(float(e0)) and float((f1 - f0).abs().max()) < 1e-3
    assert torch.isfinite(f2).all()


def test_dense_trajectory_equals_the_pair_format_trajectory(float64):
    R, box = _liquid(4)
    V = maxwell_boltzmann(len(R), 1.0, seed=2)
    runs = []
    for fmt in ("pairs", "dense"):
        U = lennard_jones_neighbor_list(box=box, cutoff=2.5, format=fmt, compile=False)
        nf = neighbor_list(box, 2.5, 0.3, format=fmt)
        nbrs = nf.allocate(R)
        key = "pairs" if fmt == "pairs" else "neighbors"
        get = (lambda n: n.pairs) if fmt == "pairs" else (lambda n: n.idx)
        init, step = nve(U, 0.005, box=box)
        s = init(R, V, **{key: get(nbrs)})
        for _ in range(200):
            nbrs = nf.update(s.R, nbrs)
            s = step(s, **{key: get(nbrs)})
        runs.append((s, nbrs.rebuilds))
    (a, ra), (b, rb) = runs
    assert ra == rb > 0
    assert float((a.R - b.R).abs().max()) < 1e-9 and float(abs(a.energy - b.energy)) < 1e-9


def test_dense_list_refuses_overflow_and_bad_input(float64):
    R, box = _liquid(4)
    fn = neighbor_list(box, 2.5, 0.3, format="dense", capacity_multiplier=1.0)
    nbrs = fn.allocate(R)
    assert fn.update(R + 0.01, nbrs) is nbrs
    with pytest.raises(NeighborListOverflow, match="allocate"):
        fn.update(R * 0.6, nbrs)
    U = lennard_jones_neighbor_list(box=box, cutoff=2.5, format="dense", compile=False)
    with pytest.raises(ValueError, match=r"\[N, M\]"):
        U(R, torch.zeros(len(R) - 1, 4, dtype=torch.int64))
    with pytest.raises(ValueError, match="format"):
        neighbor_list(box, 2.5, 0.3, format="csr")
    with pytest.raises(ValueError, match="format"):
        lennard_jones_neighbor_list(box=box, cutoff=2.5, format="csr")
