"""PDE residuals and conditions."""
from physics.pdes.base import PDE, Condition
from physics.pdes.burgers import Burgers
from physics.pdes.poisson import PoissonSine2D

__all__ = ["PDE", "Condition", "Burgers", "PoissonSine2D"]
