"""Half pair lists (``neighbor_list(..., format="half")``): every pair ``i < j`` within reach once, against a brute
force over all pairs; the same list for any thread count; the Verlet-skin rebuild rule; the fallback through the
dense rows when the box is too small for cells."""

import pytest
import torch

from solvers.md import native
from solvers.md.half_pair_neighbors import HalfPairList
from solvers.md.neighbor_lists import neighbor_list


def _brute_force(R: torch.Tensor, box: torch.Tensor, reach: float) -> torch.Tensor:
    """Sorted keys ``i N + j`` of every pair ``i < j`` nearer than ``reach`` (minimum image), by all pairs."""
    n = R.shape[0]
    d = R[:, None, :] - R[None, :, :]
    d = d - box * torch.round(d / box)
    r2 = (d * d).sum(-1)
    i, j = torch.triu_indices(n, n, 1)
    near = r2[i, j] < reach * reach
    return torch.sort(i[near] * n + j[near]).values


def _keys(pairs: torch.Tensor, n: int) -> torch.Tensor:
    p = pairs.long()
    return torch.sort(p[:, 0] * n + p[:, 1]).values


def _water_like(n=700, edge=3.1, seed=0):
    g = torch.Generator().manual_seed(seed)
    box = torch.full((3,), edge, dtype=torch.float64)
    R = (torch.rand(n, 3, generator=g, dtype=torch.float64) * 1.4 - 0.2) * box  # some atoms beyond each face
    return R, box


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_the_half_list_holds_every_near_pair_once(dtype):
    R, box = _water_like()
    fn = neighbor_list(box, 0.8, skin=0.2, format="half")
    nbrs = fn.allocate(R.to(dtype))
    p = nbrs.pairs
    assert bool((p[:, 0] < p[:, 1]).all())
    assert torch.equal(_keys(p, len(R)), _brute_force(R, box, 1.0))
    if native.available():  # the native kernel built it: int32, grouped by i
        assert p.dtype == torch.int32
        first = p[:, 0].long()
        runs = torch.unique_consecutive(first)
        assert len(runs) == len(torch.unique(first)), "each atom's pairs must be one run"


@pytest.mark.skipif(not native.available(), reason="no C++ compiler: the native cell list is unavailable")
def test_the_native_half_list_is_the_same_for_one_and_two_threads():
    R, box = _water_like(seed=1)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = native.cell_half_pairs(R, box, 1.0)
        torch.set_num_threads(2)
        two = native.cell_half_pairs(R, box, 1.0)
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(one, two)  # same order: a simulation does not depend on the thread count


@pytest.mark.skipif(not native.available(), reason="no C++ compiler: the native cell list is unavailable")
def test_a_cluster_denser_than_its_box_gets_every_pair():
    """The output is sized from the box's mean density; atoms packed into one corner hold far more pairs, and the
    kernel must count them and fill a second, larger buffer rather than drop any."""
    g = torch.Generator().manual_seed(4)
    box = torch.full((3,), 6.0, dtype=torch.float64)
    R = torch.rand(900, 3, generator=g, dtype=torch.float64) * 1.2  # a 1.2 nm cube in a 6 nm box
    pairs = native.cell_half_pairs(R, box, 1.0)
    assert torch.equal(_keys(pairs, len(R)), _brute_force(R, box, 1.0))


@pytest.mark.skipif(not native.available(), reason="no C++ compiler: the native cell list is unavailable")
def test_excluded_pairs_are_left_out_as_the_list_is_built():
    from physics.forcefields.biomolecular.pair_kernel import exception_rows

    R, box = _water_like(seed=5)
    n = len(R)
    every = native.cell_half_pairs(R, box, 1.0)
    g = torch.Generator().manual_seed(6)
    chosen = every[torch.randperm(len(every), generator=g)[:300]].long()  # 300 listed pairs to exclude
    excluded = torch.cat([chosen, torch.tensor([[0, n - 1], [5, 6]])])  # and two that may lie beyond reach
    kept = native.cell_half_pairs(R, box, 1.0, excluded=exception_rows(excluded, n))
    expected = _keys(every, n)
    drop = torch.unique(excluded.min(1).values * n + excluded.max(1).values)
    expected = expected[~torch.isin(expected, drop)]
    assert torch.equal(_keys(kept, n), expected)
    assert len(kept) == len(every) - int(torch.isin(_keys(every, n), drop).sum())


def test_a_box_too_small_for_cells_falls_back_to_the_dense_rows():
    R, box = _water_like(n=120, edge=2.2)  # 2.2 * 2 / 1.0 = 4 half-width cells < 5: no cell grid
    assert native.cell_grid(box, 1.0) is None
    nbrs = neighbor_list(box, 0.9, skin=0.1, format="half").allocate(R)
    assert torch.equal(_keys(nbrs.pairs, len(R)), _brute_force(R, box, 1.0))


def test_the_list_is_rebuilt_only_after_an_atom_moves_half_the_skin():
    R, box = _water_like(seed=2)
    fn = neighbor_list(box, 0.8, skin=0.2, format="half")
    nbrs = fn.allocate(R)
    small = R.clone()
    small[0, 0] += 0.09  # under skin / 2 = 0.1
    assert fn.update(small, nbrs) is nbrs
    big = R.clone()
    big[0, 0] += 0.11
    rebuilt = fn.update(big, nbrs)
    assert isinstance(rebuilt, HalfPairList) and rebuilt.rebuilds == 1
    assert torch.equal(_keys(rebuilt.pairs, len(R)), _brute_force(big, box, 1.0))


def test_an_unknown_format_names_the_formats():
    with pytest.raises(ValueError, match="half"):
        neighbor_list(torch.full((3,), 3.0), 0.8, format="rows")
