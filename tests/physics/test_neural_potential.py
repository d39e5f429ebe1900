"""A learned pair potential (an nn.Module) plugs into the engine: force matching to Morse recovers its forces,
and NVE with the learned energy conserves energy (forces are its exact gradient)."""

import torch

from physics.forcefields import NeuralPairPotential, energy_and_forces, fcc, kinetic_energy, morse_pair
from solvers.md import maxwell_boltzmann, neighbor_list, nve


def test_force_matching_learns_a_pair_potential_and_nve_conserves_its_energy(float64):
    torch.manual_seed(0)
    R0, box = fcc(3, density=0.8)
    ref = morse_pair(box=box, cutoff=2.5, shift=True, D=1.0, a=2.0, r0=1.1)
    g = torch.Generator().manual_seed(0)
    configs = [R0 + 0.1 * torch.randn(R0.shape, generator=g, dtype=R0.dtype) for _ in range(8)]
    targets = [energy_and_forces(ref, R)[1] for R in configs]
    model = NeuralPairPotential(cutoff=2.5, hidden=32, box=box).double()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)

    def force_error():
        return sum(float(((energy_and_forces(model, R)[1] - F) ** 2).mean()) for R, F in zip(configs, targets)) / len(
            configs
        )

    before = force_error()
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 400)
    for it in range(400):
        R, F = configs[it % len(configs)], targets[it % len(configs)]
        _, Fm = energy_and_forces(model, R, create_graph=True)
        loss = ((Fm - F) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    after = force_error()
    scale = sum(float((F**2).mean()) for F in targets) / len(targets)
    assert after < 0.05 * before and after < 0.05 * scale
    nf = neighbor_list(box, 2.5, 0.0)
    nbrs = nf.allocate(configs[0])
    init, step = nve(model, 0.002, box=box)
    s = init(configs[0], maxwell_boltzmann(len(R0), 0.5, seed=1), pairs=nbrs.pairs)
    e0 = float(s.energy + kinetic_energy(s.V))
    for _ in range(300):
        nbrs = nf.update(s.R, nbrs)
        s = step(s, pairs=nbrs.pairs)
    assert abs(float(s.energy + kinetic_energy(s.V)) - e0) < 1e-3 * abs(e0)
