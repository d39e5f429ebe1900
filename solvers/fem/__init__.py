"""Finite-element reference solvers (P1 triangles, scipy.sparse)."""
from solvers.fem.poisson_p1 import boundary_nodes, lshape_mesh, solve_poisson_p1
from solvers.fem.reference import LShapeFEMReference

__all__ = ["LShapeFEMReference", "boundary_nodes", "lshape_mesh", "solve_poisson_p1"]
