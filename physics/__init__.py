"""physics: what is solved (PDE residuals, conditions, material laws). Imports ``sciml`` only."""
from physics.pdes import PDE, Burgers, Condition, PoissonSine2D

__all__ = ["PDE", "Condition", "Burgers", "PoissonSine2D"]
