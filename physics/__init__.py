"""physics: what is solved (PDE residuals, conditions, material laws). Imports ``sciml`` only."""

from physics.maxwell import Maxwell2DPointSource
from physics.pdes import (
    PDE,
    AllenCahn,
    Burgers,
    Condition,
    DarcyMixed,
    Heat1D,
    Helmholtz2D,
    Kovasznay,
    LidDrivenCavity,
    NavierStokes2D,
    PoissonManufactured,
    PoissonSine2D,
    SympyPDE,
    Wave1D,
)

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
    "Maxwell2DPointSource",
]
