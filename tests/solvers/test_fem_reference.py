"""P1 FEM reference: second-order convergence to an exact solution on the L-shape; the shipped mesh loads."""

import numpy as np
import pytest
import torch

from physics import PoissonManufactured
from solvers.reference import LShapeFEMReference, lshape_mesh, solve_poisson_p1


def test_p1_fem_converges_at_second_order():
    pde = PoissonManufactured()
    ex = lambda p: pde.exact(torch.as_tensor(p)).numpy()[:, 0]
    f = lambda p: pde.source(torch.as_tensor(p)).numpy()
    errs = []
    for n in (4, 8, 16):
        pts, tri = lshape_mesh(n)
        errs.append(np.abs(solve_poisson_p1(pts, tri, f, ex) - ex(pts)).max())
    order = np.polyfit(np.log([4, 8, 16]), np.log(errs), 1)[0]
    assert order < -1.9


def test_degenerate_triangles_are_refused():
    pts = np.array([[0, 0], [1, 0], [2, 0], [0, 1]], float)
    with pytest.raises(ValueError, match="degenerate"):
        solve_poisson_p1(pts, np.array([[0, 1, 2], [0, 1, 3]]), lambda p: np.ones(len(p)), lambda p: np.zeros(len(p)))


def test_poisson_mesh_case_composes_with_the_packaged_mesh():
    from hydra.utils import instantiate

    from sciml.config import compose

    cfg = compose(["experiment=poisson_mesh"])
    geo = instantiate(cfg.geometry)
    assert abs(geo.measure - 3.0) < 1e-12  # the L-shape area
    ref = LShapeFEMReference(PoissonManufactured(), n=16)
    exact = PoissonManufactured().exact(torch.as_tensor(ref.points())).numpy()
    assert np.linalg.norm(ref.solution(ref.points()) - exact) / np.linalg.norm(exact) < 5e-3
