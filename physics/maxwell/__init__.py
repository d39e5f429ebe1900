"""Maxwell's equations: units, materials, geometry and sources for the FDTD solver (``solvers.fdtd``), and the 2-D TE
point-source problem posed for PINNs (:class:`Maxwell2DPointSource`)."""

from physics.maxwell.geometry import Block, Cylinder, Ellipsoid, Prism, Sphere
from physics.maxwell.materials import Materials, disk_mask
from physics.maxwell.point_source_pde import Maxwell2DPointSource
from physics.maxwell.sources import (
    COMPONENTS,
    DistributedSource,
    GaussianPulse,
    ModulatedGaussian,
    PlaneSource,
    PointSource,
)
from physics.maxwell.thin_films import thin_film_rt
from physics.maxwell.units import C0, EPS0, ETA0, MU0, NormalizedUnits

__all__ = [
    "C0",
    "EPS0",
    "MU0",
    "ETA0",
    "NormalizedUnits",
    "Materials",
    "disk_mask",
    "Block",
    "Cylinder",
    "Sphere",
    "Ellipsoid",
    "Prism",
    "thin_film_rt",
    "GaussianPulse",
    "ModulatedGaussian",
    "PointSource",
    "PlaneSource",
    "DistributedSource",
    "COMPONENTS",
    "Maxwell2DPointSource",
]
