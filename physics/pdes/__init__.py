"""PDE residuals and conditions."""

from physics.pdes.allen_cahn import AllenCahn
from physics.pdes.base import PDE, Condition
from physics.pdes.burgers import Burgers
from physics.pdes.classical import Heat1D, Helmholtz2D, Kovasznay, PoissonManufactured, Wave1D
from physics.pdes.darcy import DarcyMixed
from physics.pdes.navier_stokes import LidDrivenCavity, NavierStokes2D
from physics.pdes.poisson import PoissonSine2D
from physics.pdes.symbolic import SympyPDE

__all__ = [
    "PDE",
    "Condition",
    "Burgers",
    "PoissonSine2D",
    "Heat1D",
    "Wave1D",
    "Helmholtz2D",
    "Kovasznay",
    "PoissonManufactured",
    "SympyPDE",
    "DarcyMixed",
    "AllenCahn",
    "LidDrivenCavity",
    "NavierStokes2D",
]
