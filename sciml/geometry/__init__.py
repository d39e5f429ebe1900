"""Geometry and sampling: shapes, CSG, space × time domains, meshes, point samplers."""

from sciml.geometry.base import Geometry
from sciml.geometry.csg import Difference, Intersection, Union
from sciml.geometry.mesh import MeshGeometry
from sciml.geometry.sampling import SAMPLERS, sample_unit
from sciml.geometry.shapes import Box, Cuboid, Disk, Interval, Polygon, Rectangle
from sciml.geometry.spacetime import SpaceTime, TimeDomain

__all__ = [
    "Geometry",
    "Interval",
    "Box",
    "Rectangle",
    "Cuboid",
    "Disk",
    "Polygon",
    "Union",
    "Difference",
    "Intersection",
    "TimeDomain",
    "SpaceTime",
    "MeshGeometry",
    "SAMPLERS",
    "sample_unit",
]
