"""GradNorm's update against its published rule (Chen et al. 2018, Alg. 1), computed here by hand."""

import numpy as np
import pytest
import torch

from sciml.training import GradNorm, LossWeights


def test_one_update_follows_the_published_rule():
    """Two quadratic terms with analytic gradients: L1 = ½‖θ − a‖², L2 = 2‖θ − b‖², shared W = θ."""
    a, b = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    theta = torch.tensor([0.0, 0.0], dtype=torch.float64, requires_grad=True)
    at, bt = torch.tensor(a), torch.tensor(b)

    def terms():
        return {"pde": 0.5 * ((theta - at) ** 2).sum(), "bc": 2.0 * ((theta - bt) ** 2).sum()}

    weights = LossWeights({"pde": 1.0, "bc": 1.0}, dtype=torch.float64)
    gn = GradNorm(weights, terms, [theta], alpha=1.5, lr=0.01)
    first = gn.update()  # records L_i(0): both ratios are 1
    th0 = np.zeros(2)
    L0 = np.array([0.5 * ((th0 - a) ** 2).sum(), 2.0 * ((th0 - b) ** 2).sum()])
    n0 = np.array([np.linalg.norm(th0 - a), np.linalg.norm(4 * (th0 - b))])
    G = 1.0 * n0
    target = G.mean() * np.ones(2)  # r_i = 1
    w = 1.0 - 0.01 * np.sign(G - target) * n0
    w = 2 * w / w.sum()
    assert first["pde"] == pytest.approx(w[0]) and first["bc"] == pytest.approx(w[1])

    with torch.no_grad():
        theta.copy_(torch.tensor([0.8, 1.0]))  # training moved θ: the terms now fall at different rates
    second = gn.update()
    th = np.array([0.8, 1.0])
    L = np.array([0.5 * ((th - a) ** 2).sum(), 2.0 * ((th - b) ** 2).sum()])
    n = np.array([np.linalg.norm(th - a), np.linalg.norm(4 * (th - b))])
    G = w * n
    ratio = L / L0
    r = ratio / ratio.mean()
    target = G.mean() * r**1.5
    w2 = w - 0.01 * np.sign(G - target) * n
    w2 = 2 * w2 / w2.sum()
    assert second["pde"] == pytest.approx(w2[0]) and second["bc"] == pytest.approx(w2[1])
    assert sum(second.values()) == pytest.approx(2.0)  # renormalised to the number of terms


def test_the_slower_term_gains_weight():
    """Equal gradients, but one term's loss has fallen tenfold and the other's not at all: the slow term
    (larger inverse training rate r_i) gets the larger gradient target, so its weight rises."""
    theta = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    offset = {"fast": 9.0, "slow": 9.0}

    def terms():
        return {k: theta.sum() + offset[k] for k in ("fast", "slow")}

    weights = LossWeights({"fast": 1.0, "slow": 1.0}, dtype=torch.float64)
    gn = GradNorm(weights, terms, [theta], alpha=1.0, lr=0.05)
    assert gn.update() == {"fast": 1.0, "slow": 1.0}  # equal gradients and rates: nothing to change
    offset["fast"] = 0.0  # L_fast: 10 → 1; L_slow stays 10
    w = gn.update()
    assert w["slow"] > 1.0 > w["fast"]


def test_pinn_runs_with_gradnorm(toy_pinn_run):
    import json

    code, out = toy_pinn_run(
        "methods.weighting=gradnorm", "methods.weighting_every=2", "mode=pynative", "optimizer.steps=10"
    )
    assert code == 0
    assert np.isfinite(json.loads((out / "metrics.json").read_text())["rel_l2"])
