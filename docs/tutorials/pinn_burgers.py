"""Tutorial: a physics-informed network for Burgers' equation, from Python.

Composes the shipped ``burgers_pinn`` config with a shorter schedule, trains it, and compares the
result with the exact Cole–Hopf solution. Run: ``python docs/tutorials/pinn_burgers.py`` (about a minute).
"""

from sciml.config import compose
from solvers.pinn import solver_from_config
from solvers.reference import BurgersColeHopf

cfg = compose(
    [
        "experiment=burgers_pinn",
        "mode=pynative",
        "optimizer.steps=600",
        "optimizer.lbfgs_steps=200",
        "sampling.n_interior=2000",
    ]
)
solver = solver_from_config(cfg)  # problem, geometry, network (from model.*), phases, sampling, methods
result = solver.fit()  # Adam, then L-BFGS on the same points; non-finite losses would be rolled back
metrics = solver.evaluate(BurgersColeHopf(nu=cfg.problem.nu, nx=128, nt=50))
print(f"{result.steps} steps, final loss {result.history[-1]:.3e}, relative L2 vs Cole–Hopf {metrics['rel_l2']:.3e}")
print("u(x=0.5, t=0.25) =", float(solver.predict([[0.5, 0.25]])[0, 0]))
assert metrics["rel_l2"] < 0.3, metrics
