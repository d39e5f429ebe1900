"""Geometries read from triangle (2-D) or tetrahedron (3-D) meshes through meshio.

Interior samples pick an element with probability proportional to its measure, then a
uniform point inside it (flat Dirichlet barycentric weights). Boundary facets are the
facets that belong to exactly one element; boundary samples pick a facet by measure and
carry its outward normal (oriented away from the owning element's centroid).
"""

from __future__ import annotations

import math
import os

import numpy as np

from sciml.geometry.base import Geometry, check_points
from sciml.geometry.sampling import sample_unit

_CELL_DIM = {"triangle": 2, "tetra": 3}


def _segment_distance(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances ``[N, F]`` from points ``x`` ``[N, d]`` to segments ``a→b`` ``[F, d]``."""
    ab = b - a
    t = np.clip(np.einsum("nfd,fd->nf", x[:, None, :] - a, ab) / np.einsum("fd,fd->f", ab, ab), 0, 1)
    return np.linalg.norm(x[:, None, :] - (a + t[..., None] * ab), axis=2)


def _simplex_measure(v: np.ndarray) -> np.ndarray:
    """Measures of simplices ``v`` ``[E, k+1, d]`` (k-simplices in R^d) via the Gram determinant."""
    e = v[:, 1:] - v[:, :1]
    gram = np.einsum("eid,ejd->eij", e, e)
    k = e.shape[1]
    return np.sqrt(np.clip(np.linalg.det(gram), 0, None)) / math.factorial(k)


class MeshGeometry(Geometry):
    """Region covered by a simplicial mesh: ``points [P, dim]``, ``cells [E, dim+1]``."""

    def __init__(self, points: np.ndarray, cells: np.ndarray, source: str = "<arrays>"):
        pts, cells = np.asarray(points, float), np.asarray(cells, np.int64)
        self.dim = cells.shape[1] - 1
        if self.dim not in (2, 3):
            raise ValueError(f"{source}: cells must be triangles or tetrahedra, got {cells.shape[1]} nodes per cell.")
        if pts.shape[1] > self.dim:
            if np.any(np.abs(pts[:, self.dim :]) > 1e-12):
                raise ValueError(f"{source}: a {self.dim}-D mesh has non-zero coordinates beyond axis {self.dim}.")
            pts = pts[:, : self.dim]
        if cells.min() < 0 or cells.max() >= len(pts):
            raise ValueError(f"{source}: cell indices reach {cells.max()} but there are only {len(pts)} points.")
        self.points, self.cells, self.source = pts, cells, source
        vol = _simplex_measure(pts[cells])
        if np.any(vol <= 1e-14 * max(vol.max(), 1e-300)):
            bad = int(np.argmin(vol))
            raise ValueError(f"{source}: element {bad} is degenerate (measure {vol[bad]:.3g}); repair the mesh.")
        self.element_measure = vol
        self.lower, self.upper = pts.min(0), pts.max(0)
        self._facets, self._owner = self._boundary_facets()
        fv = pts[self._facets]
        self.facet_measure = _simplex_measure(fv)
        self.facet_normal = self._facet_normals(fv)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> MeshGeometry:
        """Read a mesh file (any meshio format: .msh, .vtu, .xdmf, ...) and keep its top-dimensional cells."""
        import meshio

        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"Mesh file {path!r} does not exist.")
        try:
            mesh = meshio.read(path)
        except Exception as err:  # meshio raises many types
            raise ValueError(f"Could not read mesh {path!r} with meshio: {err}") from err
        blocks = {b.type: b.data for b in mesh.cells}
        for kind in ("tetra", "triangle"):
            if kind in blocks:
                return cls(
                    mesh.points, np.concatenate([d for b in mesh.cells if b.type == kind for d in [b.data]]), path
                )
        raise ValueError(
            f"Mesh {path!r} has cell types {sorted(blocks)}; MeshGeometry supports 'triangle' (2-D) "
            "and 'tetra' (3-D). Re-mesh with simplices (e.g. gmsh -2 / -3)."
        )

    @property
    def measure(self) -> float:
        """Total length, area or volume of the mesh's cells."""
        return float(self.element_measure.sum())

    def _boundary_facets(self):
        k = self.dim + 1
        faces = np.concatenate([np.delete(self.cells, j, axis=1) for j in range(k)])
        owner = np.tile(np.arange(len(self.cells)), k)
        key = np.sort(faces, axis=1)
        _, inv, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
        once = counts[inv.ravel()] == 1
        return faces[once], owner[once]

    def _facet_normals(self, fv: np.ndarray) -> np.ndarray:
        if self.dim == 2:
            e = fv[:, 1] - fv[:, 0]
            n = np.stack([e[:, 1], -e[:, 0]], 1)
        else:
            n = np.cross(fv[:, 1] - fv[:, 0], fv[:, 2] - fv[:, 0])
        n /= np.linalg.norm(n, axis=1, keepdims=True)
        centroid = self.points[self.cells[self._owner]].mean(1)
        flip = np.einsum("nd,nd->n", n, fv.mean(1) - centroid) < 0
        n[flip] *= -1
        return n

    def _barycentric(self, x: np.ndarray) -> np.ndarray:
        v = self.points[self.cells]  # [E, d+1, d]
        t = np.transpose(v[:, 1:] - v[:, :1], (0, 2, 1))  # [E, d, d]
        tinv = np.linalg.inv(t)
        lam = np.einsum("eij,nej->nei", tinv, x[:, None, :] - v[None, :, 0])  # [N, E, d]
        return np.concatenate([1 - lam.sum(-1, keepdims=True), lam], -1)

    def contains(self, x):
        """``[N]`` bool: inside some cell (barycentric test)."""
        x = check_points(x, self.dim)
        out = np.zeros(len(x), bool)
        for s in range(0, len(x), 512):
            lam = self._barycentric(x[s : s + 512])
            out[s : s + 512] = np.any(np.all(lam >= -1e-10, axis=-1), axis=1)
        return out

    def boundary_distance(self, x):
        """``[N]``: distance to the nearest boundary facet."""
        x = check_points(x, self.dim)
        fv = self.points[self._facets]
        if self.dim == 2:
            return _segment_distance(x, fv[:, 0], fv[:, 1]).min(1)
        # tetra meshes: plane distance where the projection falls in the triangle, else edge distance
        nrm = self.facet_normal
        h = np.einsum("nfd,fd->nf", x[:, None, :] - fv[None, :, 0], nrm)
        proj = x[:, None, :] - h[..., None] * nrm[None]
        a, b, c = fv[:, 0], fv[:, 1], fv[:, 2]
        inside = np.ones(h.shape, bool)
        for p, q in ((a, b), (b, c), (c, a)):
            inside &= np.einsum("nfd,fd->nf", np.cross(q - p, proj - p), nrm) >= -1e-12
        edges = np.minimum.reduce([_segment_distance(x, a, b), _segment_distance(x, b, c), _segment_distance(x, c, a)])
        return np.where(inside, np.abs(h), edges).min(1)

    def _pick(self, weights: np.ndarray, u: np.ndarray) -> np.ndarray:
        cum = np.cumsum(weights) / weights.sum()
        return np.minimum(np.searchsorted(cum, u, side="right"), len(weights) - 1)

    def _simplex_points(self, verts: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Uniform points in simplices ``verts`` ``[n, k+1, d]`` from unit samples ``u`` ``[n, k]``."""
        s = np.sort(u, axis=1)
        w = np.diff(np.concatenate([np.zeros((len(u), 1)), s, np.ones((len(u), 1))], 1), axis=1)
        return np.einsum("nk,nkd->nd", w, verts)

    def sample_interior(self, n, method="random", seed=None):
        """``n`` points uniformly by measure over the cells: ``[n, dim]``."""
        u = sample_unit(n, self.dim + 1, method, seed)
        e = self._pick(self.element_measure, u[:, 0])
        return self._simplex_points(self.points[self.cells[e]], u[:, 1:])

    def sample_boundary(self, n, method="random", seed=None):
        """``n`` points on the boundary facets with their outward normals."""
        u = sample_unit(n, self.dim, method, seed)
        f = self._pick(self.facet_measure, u[:, 0])
        pts = self._simplex_points(self.points[self._facets[f]], u[:, 1:])
        return pts, self.facet_normal[f].copy()
