"""Geometry: Monte Carlo measures, normals, membership of sampled points, meshes via meshio."""

import math

import numpy as np
import pytest

from sciml.geometry import (
    SAMPLERS,
    Box,
    Cuboid,
    Disk,
    Interval,
    MeshGeometry,
    Polygon,
    Rectangle,
    SpaceTime,
    TimeDomain,
    sample_unit,
)


def mc_measure(geom, n=200_000, seed=0):
    box = Box(geom.lower, geom.upper)
    pts = box.sample_interior(n, "random", seed)
    return box.measure * geom.contains(pts).mean()


SHAPES = {
    "rectangle": (Rectangle([0, -1], [2, 1]), 4.0),
    "cuboid": (Cuboid([0, 0, 0], [1, 2, 0.5]), 1.0),
    "disk": (Disk([0.5, 0.5], 0.4), math.pi * 0.16),
    "triangle": (Polygon([[0, 0], [1, 0], [0, 1]]), 0.5),
    "pentagon": (
        Polygon([[math.cos(a), math.sin(a)] for a in np.linspace(0, 2 * math.pi, 6)[:-1]]),
        2.5 * math.sin(2 * math.pi / 5),
    ),
    "rect_minus_disk": (Rectangle([0, 0], [2, 1]) - Disk([1, 0.5], 0.3), 2 - math.pi * 0.09),
    "union": (Rectangle([0, 0], [1, 1]) | Rectangle([0.5, 0.5], [1.5, 1.5]), 1.75),
    "intersection": (Disk([0, 0], 1) & Rectangle([0, 0], [2, 2]), math.pi / 4),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_monte_carlo_measure(name):
    geom, exact = SHAPES[name]
    assert mc_measure(geom) == pytest.approx(exact, rel=0.01)


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("method", SAMPLERS)
def test_samples_inside_and_on_boundary(name, method):
    geom, _ = SHAPES[name]
    p = geom.sample_interior(300, method, seed=1)
    assert p.shape == (300, geom.dim) and geom.contains(p).all()
    b, n = geom.sample_boundary(200, method, seed=2)
    assert b.shape == (200, geom.dim) and n.shape == (200, geom.dim)
    assert geom.on_boundary(b, tol=1e-9).all()
    np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1.0, atol=1e-12)
    # outward: stepping along the normal leaves the region, stepping against it enters
    assert (~geom.contains(b + 1e-6 * n)).mean() > 0.97
    assert geom.contains(b - 1e-6 * n).mean() > 0.97


def test_disk_normals_are_radial():
    d = Disk([1.0, -2.0], 0.5)
    b, n = d.sample_boundary(64, "sobol", seed=0)
    np.testing.assert_allclose(n, (b - d.center) / 0.5, atol=1e-12)


def test_boundary_measure_by_sampling_density():
    # perimeter of the rectangle split by sides: share of points per side ∝ side length
    r = Rectangle([0, 0], [3, 1])
    b, n = r.sample_boundary(80_000, "random", seed=0)
    share_vertical = np.mean(np.abs(n[:, 0]) == 1)
    assert share_vertical == pytest.approx(2 / 8, abs=0.01)


def test_spacetime_regions():
    st = SpaceTime(Interval(-1, 1), TimeDomain(0, 2))
    p = st.sample_interior(500, "lhs", seed=0)
    assert st.contains(p).all() and p[:, 1].max() <= 2
    b, n = st.sample_boundary(100, "random", seed=0)
    assert set(np.round(b[:, 0], 12)) <= {-1.0, 1.0} and np.all(n[:, 1] == 0)
    i = st.sample_initial(50, "halton", seed=0)
    assert np.all(i[:, 1] == 0)
    st2 = TimeDomain(0, 1) * Disk([0, 0], 1)
    assert st2.dim == 3 and st2.contains(st2.sample_interior(100, "sobol", 0)).all()


def test_low_discrepancy_samplers_beat_random_points():
    """Scrambled Sobol', Halton and Latin-hypercube points cover the square more evenly than i.i.d. points,
    measured by scipy's centred L2 discrepancy (Hickernell 1998), an implementation independent of ours."""
    from scipy.stats import qmc

    def disc(method):
        return np.mean([qmc.discrepancy(sample_unit(256, 2, method, seed=s)) for s in range(5)])

    random = disc("random")
    assert disc("sobol") < 0.2 * random and disc("halton") < 0.3 * random and disc("lhs") < random


def test_latin_hypercube_has_one_point_per_stratum_and_seeds_reproduce():
    u = sample_unit(50, 3, "lhs", seed=3)
    for axis in range(3):
        assert sorted(np.floor(u[:, axis] * 50).astype(int)) == list(range(50))
    for m in ("lhs", "sobol", "halton", "random"):
        assert np.array_equal(sample_unit(64, 2, m, seed=1), sample_unit(64, 2, m, seed=1))
        assert not np.array_equal(sample_unit(64, 2, m, seed=1), sample_unit(64, 2, m, seed=2))


def test_samplers_shape_and_range():
    for m in SAMPLERS:
        u = sample_unit(100, 3, m, seed=0)
        assert u.shape == (100, 3) and (u >= 0).all() and (u < 1).all()
    with pytest.raises(ValueError, match="sampler"):
        sample_unit(10, 2, "grid")


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="degenerate"):
        Box([0, 0], [1, 0])
    with pytest.raises(ValueError, match="radius"):
        Disk([0, 0], -1)
    with pytest.raises(ValueError, match="zero area"):
        Polygon([[0, 0], [1, 1], [2, 2]])
    with pytest.raises(ValueError, match="t1 > t0"):
        TimeDomain(1, 1)


def _square_mesh(n=8):
    xs = np.linspace(0, 1, n + 1)
    pts = np.array([[x, y] for y in xs for x in xs])
    tris = []
    for j in range(n):
        for i in range(n):
            a = j * (n + 1) + i
            tris += [[a, a + 1, a + n + 2], [a, a + n + 2, a + n + 1]]
    return pts, np.array(tris)


def test_mesh_geometry_roundtrip_vtu(tmp_path):
    meshio = pytest.importorskip("meshio")
    pts, tris = _square_mesh()
    path = tmp_path / "square.vtu"
    meshio.write(str(path), meshio.Mesh(np.c_[pts, np.zeros(len(pts))], [("triangle", tris)]))
    g = MeshGeometry.from_file(path)
    assert g.dim == 2 and g.measure == pytest.approx(1.0)
    p = g.sample_interior(500, seed=0)
    assert Rectangle([0, 0], [1, 1]).contains(p).all() and g.contains(p).all()
    b, n = g.sample_boundary(400, seed=1)
    assert Rectangle([0, 0], [1, 1]).on_boundary(b, 1e-12).all() and g.on_boundary(b, 1e-9).all()
    # outward normals: for the unit square, n points away from the centre
    assert (np.einsum("nd,nd->n", n, b - 0.5) > 0).all()
    # uniform interior density: mean of samples at the centroid
    np.testing.assert_allclose(g.sample_interior(40_000, seed=3).mean(0), [0.5, 0.5], atol=0.01)


def test_mesh_tetra_volume():
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(0)
    corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], float)
    pts = np.vstack([corners, rng.random((40, 3))])
    g = MeshGeometry(pts, Delaunay(pts).simplices)
    assert g.measure == pytest.approx(1.0)
    b, n = g.sample_boundary(300, seed=0)
    assert Cuboid([0, 0, 0], [1, 1, 1]).on_boundary(b, 1e-9).all()
    assert g.contains(g.sample_interior(200, seed=1)).all()


def test_mesh_bad_inputs(tmp_path):
    meshio = pytest.importorskip("meshio")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        MeshGeometry.from_file(tmp_path / "missing.msh")
    quad = tmp_path / "quad.vtu"
    meshio.write(
        str(quad),
        meshio.Mesh(np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0.0]]), [("quad", np.array([[0, 1, 2, 3]]))]),
    )
    with pytest.raises(ValueError, match="supports 'triangle'"):
        MeshGeometry.from_file(quad)
    with pytest.raises(ValueError, match="degenerate"):
        MeshGeometry(np.array([[0, 0], [1, 1], [2, 2.0]]), np.array([[0, 1, 2]]))
