"""Observables: g(r) of an ideal gas is 1, lattice coordination shells count exactly (fcc 12; rock salt 6 unlike
and 12 like neighbours), MSD of ballistic motion."""

import math

import numpy as np
import torch

from physics.forcefields import fcc, rock_salt
from solvers.md.observables import coordination_number, diffusion_coefficient, msd, rdf


def test_ideal_gas_rdf_is_one(float64):
    box = torch.tensor([10.0, 10.0, 10.0])
    g = torch.Generator().manual_seed(0)
    frames = [torch.rand(400, 3, generator=g, dtype=torch.float64) * box for _ in range(20)]
    r, gr = rdf(frames, box, 5.0, 10)
    assert np.all(np.abs(gr[2:] - 1) < 0.06)


def test_lattice_shells_count_exactly(float64):
    R, box = fcc(4, a=1.0)
    r, g = rdf([R], box, 2.0, 400)
    rho = len(R) / float(box.prod())
    assert abs(coordination_number(r, g, rho, (1 / math.sqrt(2) + 1.0) / 2) - 12.0) < 1e-9
    assert abs(coordination_number(r, g, rho, 1.1) - 18.0) < 1e-9  # + 6 second neighbours at a
    R, q, box = rock_salt(3, a=1.0)
    na, cl = q > 0, q < 0
    r, g = rdf([R], box, 1.5, 300, select=(na, cl))
    assert abs(coordination_number(r, g, int(cl.sum()) / float(box.prod()), 0.6) - 6.0) < 1e-9
    r, g = rdf([R], box, 1.5, 300, select=(na, na))
    assert abs(coordination_number(r, g, int(na.sum()) / float(box.prod()), 0.8) - 12.0) < 1e-9


def test_ballistic_msd_and_diffusion():
    t = np.linspace(0, 1, 11)
    v = np.random.default_rng(0).normal(size=(50, 3))
    X = t[:, None, None] * v[None]
    assert np.allclose(msd(X), t**2 * (v**2).sum(-1).mean())
    assert abs(diffusion_coefficient(t, 6 * 0.3 * t) - 0.3) < 1e-12
