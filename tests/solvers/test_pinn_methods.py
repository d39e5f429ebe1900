"""PINN methods: sympy residuals, loss weighting, causal training, RAR, self-adaptive weights, ADF hard BCs."""

import dataclasses
import math

import numpy as np
import pytest
import sympy
import torch

from physics.pdes import Burgers
from physics.pdes.symbolic import SympyPDE
from sciml.autodiff import derivatives
from sciml.geometry import Interval, Polygon, SpaceTime, TimeDomain
from sciml.geometry.distance import PolygonDistance, polygon_adf
from sciml.networks import MLP
from sciml.training import LearningRateAnnealing, LossWeights, Phase, ReLoBRaLo
from solvers.pinn import PINNMethods, PINNSolver, Sampling, solver_from_config
from solvers.pinn.adaptivity import causal_loss, causal_weights
from solvers.pinn.loss import derivatives_at

METHOD_KEYS = {f.name for f in dataclasses.fields(PINNMethods)}


def _burgers_solver(**kw):
    torch.manual_seed(0)
    geo = SpaceTime(Interval(-1, 1), TimeDomain(0, 1))
    phases = kw.pop("phases", [Phase("adam", 20, 1e-3)])
    sampling = kw.pop("sampling", Sampling(256, 32, 32))
    methods = PINNMethods(**{k: kw.pop(k) for k in list(kw) if k in METHOD_KEYS})
    return PINNSolver(
        Burgers(0.01 / math.pi),
        geo,
        MLP(2, 1, 16, 2),
        phases,
        sampling,
        methods,
        hard_constraints=kw.pop("hard_constraints", False),
        dtype="float64",
        **kw,
    )


@pytest.mark.parametrize("engine", ["autograd", "taylor"])
def test_sympy_residual_equals_python_residual(float64, engine):
    x, t = sympy.symbols("x t")
    u = sympy.Function("u")(x, t)
    pde = SympyPDE({"pde": u.diff(t) + u * u.diff(x) - 0.01 / sympy.pi * u.diff(x, 2)}, ("x", "t"), ("u",))
    assert pde.second_dims == ("x",)
    net, pts = MLP(2, 1, 16, 3), torch.rand(64, 2)
    d = derivatives(net, pts, engine, second_dims=(0,), input_names=("x", "t"), output_names=("u",))
    torch.testing.assert_close(
        pde.residual(d, pts)["pde"], Burgers(0.01 / math.pi).residual(d, pts)["pde"], rtol=1e-13, atol=1e-13
    )


def test_sympy_pde_errors_are_clear():
    x, t = sympy.symbols("x t")
    u, v = sympy.Function("u")(x, t), sympy.Function("v")(x, t)
    with pytest.raises(ValueError, match=r"uses v\(\.\.\.\), which is not an output"):
        SympyPDE({"pde": u.diff(t) + v}, ("x", "t"), ("u",))
    with pytest.raises(ValueError, match="mixed or third-order"):
        SympyPDE({"pde": u.diff(x, t)}, ("x", "t"), ("u",))
    with pytest.raises(ValueError, match=r"unknown symbols \['nu'\]"):
        SympyPDE({"pde": u.diff(t) - sympy.Symbol("nu") * u.diff(x, 2)}, ("x", "t"), ("u",))


def test_pinn_refuses_a_network_that_lacks_the_pde_outputs():
    x, t = sympy.symbols("x t")
    u, v = sympy.Function("u")(x, t), sympy.Function("v")(x, t)
    pde = SympyPDE({"pde": u.diff(t) + v.diff(x)}, ("x", "t"), ("u", "v"))
    with pytest.raises(ValueError, match=r"outputs \('u', 'v'\).*1 features"):
        PINNSolver(
            pde,
            SpaceTime(Interval(-1, 1), TimeDomain(0, 1)),
            MLP(2, 1, 8, 2),
            [Phase("adam", 1)],
            Sampling(16, 0, 0),
            hard_constraints=False,
        )


def test_lr_annealing_follows_its_formula_and_direction():
    """λ̂ = max|∇L_ref| / mean|∇L_bc|: a term with weak gradients gains weight, a strong one loses it."""
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    weak = {"pde": lambda: (w * torch.tensor([3.0, -1.0])).sum() ** 2, "bc": lambda: 1e-3 * (w**2).sum()}
    weights = LossWeights({"pde": 1.0, "bc": 1.0})
    lra = LearningRateAnnealing(weights, lambda: {k: f() for k, f in weak.items()}, [w], alpha=0.9)
    g_pde = torch.autograd.grad(weak["pde"](), w)[0].abs().max()
    g_bc = torch.autograd.grad(weak["bc"](), w)[0].abs().mean()
    out = lra.rebalance()
    assert out["bc"] == pytest.approx(0.1 + 0.9 * float(g_pde / g_bc), rel=1e-6) and out["bc"] > 100
    strong = LossWeights({"pde": 1.0, "bc": 50.0})
    out = LearningRateAnnealing(strong, lambda: {"pde": weak["pde"](), "bc": 1e3 * (w**2).sum()}, [w]).rebalance()
    assert out["bc"] < 50.0


def test_relobralo_raises_the_weight_of_the_stagnating_term():
    weights = LossWeights({"pde": 1.0, "bc": 1.0})
    bal = ReLoBRaLo(weights, ["pde", "bc"], alpha=0.9, expected_rho=0.99)
    for k in range(50):
        out = bal.update({"pde": 10.0 * 0.9**k, "bc": 1.0})
    assert out["bc"] > 1.5 > out["pde"] and sum(out.values()) == pytest.approx(2.0, rel=1e-6)


def test_causal_weights_and_loss():
    w = causal_weights(torch.tensor([1.0, 2.0, 0.5, 0.1]), epsilon=1.0)
    torch.testing.assert_close(w, torch.exp(-torch.tensor([0.0, 1.0, 3.0, 3.5])))
    t = torch.tensor([0.05, 0.3, 0.6, 0.9])
    sq = torch.tensor([100.0, 1.0, 1.0, 1.0])  # a large early-time residual mutes later times
    loss = causal_loss(sq, t, 0.0, 1.0, bins=4, epsilon=1.0)
    assert float(loss) == pytest.approx((100 + 3 * math.exp(-100)) / 4)


def test_rar_adds_points_where_the_residual_is_largest(float64):
    s = _burgers_solver(rar_every=5, rar_candidates=500, rar_add=20)
    from solvers.pinn.collocation import ResidualAdaptiveRefinement

    rar = ResidualAdaptiveRefinement(s.collocation, s.residual_magnitude, 5, 500, 20)
    n0 = len(s.points.interior)
    seed_cand = torch.as_tensor(s.geometry.sample_interior(500, "random", s.sampling.seed + 7919 * 3))
    mags = rar.residual_magnitude(seed_cand)
    new = rar.refine(3)
    assert len(s.points.interior) == n0 + 20
    chosen = rar.residual_magnitude(new)
    assert float(chosen.min()) >= float(torch.sort(mags, descending=True).values[19]) - 1e-12
    s.fit()  # training continues with the enlarged point set (graph of new size)
    assert len(s.points.interior) > n0 + 20


def test_self_adaptive_weights_grow_with_the_squared_residual(float64):
    s = _burgers_solver(self_adaptive=True, self_adaptive_lr=0.5, phases=[Phase("adam", 1, 1e-3)])
    with torch.enable_grad():
        d = derivatives_at(s.model, s.problem, s.points.interior, s.engine)
        r2 = s.problem.residual(d, s.points.interior)["pde"].detach() ** 2
    s.fit()
    torch.testing.assert_close(s.point_weights.detach() - 1, 0.5 * r2, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="cannot be combined"):
        _burgers_solver(self_adaptive=True, rar_every=10)


def test_polygon_adf_hard_constraint_is_exact_on_the_boundary(float64):
    pent = np.array([[np.cos(a), np.sin(a)] for a in np.pi / 2 + 2 * np.pi * np.arange(5) / 5])
    poly = Polygon(pent)
    b, _ = poly.sample_boundary(400, "random", 0)
    inside = poly.sample_interior(400, "random", 1)
    net = MLP(2, 1, 16, 2).double()
    g = lambda x: x[:, 0:1] ** 2 - x[:, 1:2]
    transform = lambda x: g(x) + polygon_adf(x, pent) * net(x)
    xb = torch.as_tensor(b)
    with torch.no_grad():
        assert float((transform(xb) - g(xb)).abs().max()) < 1e-10
    assert float(polygon_adf(torch.as_tensor(inside), pent).min()) > 0
    # the Taylor engine's jets give the same value and derivatives as autograd
    xi = torch.as_tensor(inside[:20])
    a = derivatives(PolygonDistance(pent), xi, "taylor", second_dims=(0, 1))
    c = derivatives(PolygonDistance(pent), xi, "autograd", second_dims=(0, 1))
    torch.testing.assert_close(a.laplacian(0), c.laplacian(0), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("weighting", ["relobralo", "lr_annealing", "gradnorm"])
def test_burgers_trains_with_causal_weighting_and_balancing(float64, weighting):
    s = _burgers_solver(causal_bins=8, causal_epsilon=1.0, weighting=weighting, weighting_every=5)
    h = s.fit().history
    assert h[-1] < h[0] and all(math.isfinite(v) for v in h)
    assert set(s.weights.values()) != {1.0}
    with pytest.raises(
        ValueError, match=r"weighting = 'softadapt' is not one of \['fixed', 'lr_annealing', 'relobralo', 'gradnorm'\]"
    ):
        _burgers_solver(weighting="softadapt")


def test_methods_are_selectable_in_config():
    from sciml.config import ConfigError, compose

    cfg = compose(
        [
            "methods.weighting=relobralo",
            "methods.causal_bins=16",
            "sampling.n_interior=64",
            "sampling.n_boundary=8",
            "sampling.n_initial=8",
            "hard_constraints=false",
            "mode=pynative",
        ]
    )
    s = solver_from_config(cfg)
    assert s.methods.weighting == "relobralo" and s.methods.causal_bins == 16
    with pytest.raises(ConfigError):
        compose(["methods.weighting=softadapt"])


def test_pinn_case_writes_plots_and_a_paraview_point_cloud(tmp_path):
    import json

    import meshio

    from sciml.cli.main import main as cli

    out = tmp_path / "run"
    assert (
        cli(
            [
                "run",
                "experiment=poisson_triangle",
                "optimizer.steps=3",
                "optimizer.lbfgs_steps=0",
                "mode=pynative",
                "sampling.n_interior=64",
                "sampling.n_boundary=16",
                "evaluation.n=256",
                "trainer.progress_bar=false",
                f"hydra.run.dir={out}",
            ]
        )
        == 0
    )
    m = json.loads((out / "metrics.json").read_text())
    vtu = meshio.read(out / "solution.vtu")
    assert len(vtu.points) == 256 and {"u", "u_reference", "u_error"} <= set(vtu.point_data)
    err = vtu.point_data["u_error"]
    assert abs(np.linalg.norm(err) / np.linalg.norm(vtu.point_data["u_reference"]) - m["rel_l2"]) < 1e-5
    assert (out / "solution.png").exists() and (out / "loss.png").exists()


def test_loss_weights_accept_the_problems_own_term_names():
    from physics import Kovasznay
    from sciml.geometry import Rectangle

    geo = Rectangle([-0.5, -0.5], [1.0, 1.5])
    s = PINNSolver(
        Kovasznay(20.0),
        geo,
        MLP(2, 3, 8, 2),
        [Phase("adam", 1)],
        Sampling(32, 16, 0),
        hard_constraints=False,
        loss_weights={"continuity": 2.0, "bc": 10.0},
    )
    assert s.weights.values()["continuity"] == 2.0
    with pytest.raises(ValueError, match=r"unknown terms \['pde'\]; terms are \['momentum_x'"):
        PINNSolver(
            Kovasznay(20.0),
            geo,
            MLP(2, 3, 8, 2),
            [Phase("adam", 1)],
            Sampling(32, 16, 0),
            hard_constraints=False,
            loss_weights={"pde": 2.0},
        )


def test_points_are_redrawn_during_adam_but_frozen_for_lbfgs():
    """A new draw under L-BFGS's curvature memory sent the default run's line search to NaN at step 4002."""
    from sciml.training import Callback

    s = _burgers_solver(
        phases=[Phase("adam", 12, 1e-3), Phase("lbfgs", 8, 1.0)],
        sampling=Sampling(n_interior=64, n_boundary=8, n_initial=8, resample_every=4),
    )
    seen = []

    class Watch(Callback):
        def on_step_end(self, trainer, record):
            seen.append((record.step, record.phase, s.points.interior.sum().item()))

    s.fit([Watch()])
    value = {step: v for step, _, v in seen}
    assert len({value[3], value[4], value[8]}) == 3  # the initial draw, then new draws after steps 4 and 8
    assert value[12] == value[8]  # no draw after step 12: the next step is L-BFGS's
    assert {v for _, ph, v in seen if ph == "lbfgs"} == {value[8]}  # one fixed objective through the L-BFGS phase
