"""Maxwell's equations: units, materials and sources for the FDTD solver (``solvers.fdtd``)."""
from physics.maxwell.materials import Materials, disk_mask
from physics.maxwell.sources import (COMPONENTS, DistributedSource, GaussianPulse, ModulatedGaussian, PlaneSource,
                                     PointSource)
from physics.maxwell.units import C0, EPS0, ETA0, MU0, NormalizedUnits

__all__ = ["C0", "EPS0", "MU0", "ETA0", "NormalizedUnits", "Materials", "disk_mask", "GaussianPulse",
           "ModulatedGaussian", "PointSource", "PlaneSource", "DistributedSource", "COMPONENTS"]
