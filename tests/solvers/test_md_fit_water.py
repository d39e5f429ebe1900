"""Fitting water through the simulation: the soft g(r) against direct pair counting, and the gradient of the
g(r) loss with respect to the oxygen σ, taken through a constrained Langevin segment (SETTLE, RATTLE, seeded
noise), against central differences of the same segment."""

import math

import pytest
import torch

pytest.importorskip("openmm")

from physics.forcefields.space import displacement
from solvers.md.biomolecular import MolecularDynamics
from solvers.md.experiments.fit_water import (
    WaterFitSettings,
    _md_settings,
    segment_rdf,
    water_box,
    with_parameter,
)
from solvers.md.observables import soft_rdf


def _setup(segment_steps=10):
    p = WaterFitSettings(segment_steps=segment_steps, bins=30)
    system, R = water_box(p)
    oxygens = torch.tensor([k for k, a in enumerate(system.atoms) if a.element == "O"])
    return p, system, R, oxygens


def test_soft_rdf_counts_the_same_neighbours_as_direct_counting():
    p, system, R, oxygens = _setup()
    r = torch.linspace(0.005, 0.9, 2000, dtype=torch.float64)
    g = soft_rdf(R, system.box, oxygens, r, width=0.002)
    n, volume = len(oxygens), float(system.box.prod())
    dr = float(r[1] - r[0])
    inside = r < 0.35
    soft_count = float((n / volume * g * 4 * math.pi * r * r)[inside].sum() * dr)
    X = R[oxygens]
    d = torch.linalg.norm(displacement(X[:, None], X[None, :], system.box), dim=-1)
    direct = float(((d < 0.35).sum() - n) / n)  # neighbours within 0.35 nm per oxygen
    assert soft_count == pytest.approx(direct, rel=0.01)  # the kernel leaks ~w/Δ at the edge


def test_gradient_of_the_rdf_loss_through_the_simulation_matches_central_differences():
    p, system, R, oxygens = _setup(segment_steps=10)
    md = MolecularDynamics.build(system, _md_settings(p), seed=1)
    state, pairs = md.start(R, seed=1)
    state, _ = md.advance(state, pairs, 20)  # off the Modeller lattice
    r = torch.linspace(0.24, 0.5, 30, dtype=torch.float64)
    g_target = soft_rdf(state.R, system.box, oxygens, r, p.kernel_width_nm).detach() * 0.9

    def loss(value):
        g = segment_rdf(system, "sigma_O", value, state, p, seed=5, r=r, oxygens=oxygens)
        return ((g - g_target) ** 2).mean()

    sigma = float(system.particles.sigma[oxygens[0]])
    x = torch.tensor(sigma, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(loss(x), x)
    h = 1e-6
    plus, minus = (torch.tensor(sigma + s, dtype=torch.float64) for s in (h, -h))
    fd = (float(loss(plus)) - float(loss(minus))) / (2 * h)
    print(f"d loss / d sigma_O: autograd {float(grad):.8g}, central differences {fd:.8g}")
    assert abs(float(grad)) > 0.1  # the parameter matters (loss ~1e-2, sigma ~0.3 nm)
    assert float(grad) == pytest.approx(fd, rel=1e-5)


def test_with_parameter_changes_only_the_oxygens():
    _, system, _, oxygens = _setup()
    varied = with_parameter(system, "epsilon_O", torch.tensor(1.0, dtype=torch.float64))
    changed = torch.nonzero(varied.particles.epsilon != system.particles.epsilon).flatten()
    assert torch.equal(changed, oxygens)
