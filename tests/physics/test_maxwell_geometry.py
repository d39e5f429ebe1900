"""Signed distances of the photonic primitives against closed forms, and their bad-input errors."""

import math

import pytest
import torch

from physics.maxwell.geometry import Block, Cylinder, Ellipsoid, Prism, Sphere


def _points(n=200, seed=0):
    return torch.rand(n, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 4 - 2


def test_signed_distances_match_closed_forms():
    x = _points()
    r = x.norm(dim=-1)
    assert torch.allclose(Sphere((0, 0, 0), 1.0).signed_distance(x), r - 1)
    assert torch.allclose(Ellipsoid((0, 0, 0), (1.0, 1.0, 1.0)).signed_distance(x), r - 1)
    assert torch.allclose(Cylinder((0, 0, 0), 0.7).signed_distance(x), x[:, :2].norm(dim=-1) - 0.7)
    inside = x.abs().max(-1).values < 0.5
    d = Block((0, 0, 0), (1, 1, 1)).signed_distance(x)
    assert torch.equal(d < 0, inside)
    # a face-on point: the distance to the nearest face
    assert math.isclose(
        float(Block((0, 0, 0), (1, 1, 1)).signed_distance(torch.tensor([0.9, 0.1, 0.0], dtype=torch.float64))), 0.4
    )
    # an unbounded block is a slab
    slab = Block((0, 0, 0), (1, math.inf, math.inf)).signed_distance(x)
    assert torch.allclose(slab, x[:, 0].abs() - 0.5)


def test_a_square_prism_is_a_block_and_orientation_does_not_matter():
    x = _points(seed=1)
    square = [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]]
    block = Block((0, 0, 0), (1, 1, 1)).signed_distance(x)
    for verts in (square, square[::-1]):
        prism = Prism(verts, -0.5, 0.5).signed_distance(x)
        assert torch.allclose(prism, block, atol=1e-12)


def test_bad_shapes_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="positive"):
        Sphere((0, 0, 0), -1.0)
    with pytest.raises(ValueError, match="Cylinder axis"):
        Cylinder((0, 0, 0), 1.0, axis=3)
    with pytest.raises(ValueError, match=r"\[k, 2\]"):
        Prism([[0, 0], [1, 1]])
    with pytest.raises(ValueError, match="eps"):
        Block((0, 0, 0), (1, 1, 1), eps=0.0)
