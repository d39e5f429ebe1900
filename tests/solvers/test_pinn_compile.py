"""The compiled PINN step is one graph: no graph breaks in the shipped PINN experiments' losses.

A graph break splits the step into pieces that are compiled separately (more kernels to build, a longer cold
start) and glued together by Python. ``torch._dynamo.explain`` traces the loss without compiling it.
"""

import pytest
import torch

from sciml.config import compose
from solvers.pinn.build import solver_from_config


@pytest.mark.parametrize(
    "experiment",
    [
        "burgers_pinn",
        "wave",
        "poisson_disk",
        "heat",
        "helmholtz",
        "kovasznay",
        "allen_cahn",
        "darcy_pinn",
        "maxwell2d_pinn",
    ],
)
def test_shipped_pinn_loss_traces_as_one_graph(experiment):
    # derivatives=taylor: what mode=graph uses (allen_cahn's config pins autograd for its eager run)
    cfg = compose([f"experiment={experiment}", "sampling.n_interior=64", "mode=graph", "derivatives=taylor"])
    solver = solver_from_config(cfg)
    torch._dynamo.reset()
    explanation = torch._dynamo.explain(solver.loss)()
    reasons = [str(b.reason)[:200] for b in explanation.break_reasons]
    assert explanation.graph_break_count == 0, f"{experiment}: graph breaks {reasons}"
    assert explanation.graph_count == 1
