"""meshio interop: fields on unstructured meshes, in and out of sharded datasets.

A dataset of mesh fields stores per-node arrays ``[n_points, *components]``; the mesh itself
is stored once, beside the shards, as ``mesh.vtu``, and its name is in the schema's attrs.
:func:`write_sample_vtu` writes one sample back onto the mesh for ParaView.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from sciml.data.schema import DatasetError, FieldSpec, Schema


def read_mesh(path: str | os.PathLike):
    """A meshio mesh; clear errors for a missing or unreadable file."""
    import meshio

    path = Path(path)
    if not path.exists():
        raise DatasetError(f"mesh file {path} does not exist.")
    try:
        return meshio.read(path)
    except Exception as err:  # meshio raises many types for unreadable files
        raise DatasetError(f"mesh file {path} could not be read by meshio ({type(err).__name__}: {err}). "
                           "Supported formats include .msh, .vtu, .xdmf, .vtk.") from err


def mesh_schema(mesh, fields: Mapping[str, int], description: str = "", metadata: Sequence[str] = ()) -> Schema:
    """Schema for node fields on ``mesh``: ``fields`` maps name -> components (1 = scalar)."""
    n = len(mesh.points)
    specs = tuple(FieldSpec(name, (n,) if c == 1 else (n, c), "float32", description="node field")
                  for name, c in fields.items())
    return Schema(specs, tuple(metadata), description, attrs={"mesh": "mesh.vtu", "mesh_points": n})


def save_dataset_mesh(dataset_dir: str | os.PathLike, mesh) -> Path:
    """Store the mesh beside the shards (``mesh.vtu``), so the dataset is self-contained."""
    import meshio

    path = Path(dataset_dir) / "mesh.vtu"
    path.parent.mkdir(parents=True, exist_ok=True)
    meshio.write(path, meshio.Mesh(mesh.points, mesh.cells))
    return path


def sample_from_mesh(mesh, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Node fields ``names`` of a meshio mesh (its ``point_data``) as a sample dict."""
    missing = [n for n in names if n not in mesh.point_data]
    if missing:
        raise DatasetError(f"mesh has no point data {missing}; it has {sorted(mesh.point_data)}.")
    return {n: np.asarray(mesh.point_data[n]) for n in names}


def write_sample_vtu(path: str | os.PathLike, mesh, sample: Mapping[str, np.ndarray]) -> Path:
    """Write ``sample``'s node fields on ``mesh`` to a VTU file that ParaView opens."""
    import meshio

    n = len(mesh.points)
    data = {}
    for k, v in sample.items():
        arr = np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v)
        if arr.shape[0] != n:
            raise DatasetError(f"field {k!r} has {arr.shape[0]} values but the mesh has {n} points.")
        data[k] = arr
    path = Path(path)
    meshio.write(path, meshio.Mesh(mesh.points, mesh.cells, point_data=data))
    return path
