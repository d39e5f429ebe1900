"""Tutorial: a Lennard-Jones fluid in NVE with a neighbour list; energy conservation is the check.

Run: ``python docs/tutorials/md_lj.py`` (seconds).
"""

import torch

from physics.forcefields import fcc, kinetic_energy, lennard_jones_neighbor_list
from solvers.md import maxwell_boltzmann, neighbor_list, nve, update_or_reallocate

torch.set_default_dtype(torch.float64)
R, box = fcc(4, density=0.8442)  # 256 atoms, reduced units
U = lennard_jones_neighbor_list(box=box, cutoff=2.5, switch=(2.0,), format="dense")
nf = neighbor_list(box, 2.5, 0.3, format="dense")
nbrs = nf.allocate(R)
init, step = nve(U, dt=0.005, box=box)
s = init(R, maxwell_boltzmann(len(R), 1.44, seed=0), neighbors=nbrs.idx)
e0 = float(kinetic_energy(s.V) + s.energy)
for _ in range(500):
    nbrs = update_or_reallocate(nf, s.R, nbrs)  # rebuilt when an atom moved half the skin; never truncated
    s = step(s, neighbors=nbrs.idx)
e1 = float(kinetic_energy(s.V) + s.energy)
print(f"500 NVE steps: total energy {e0:.6f} -> {e1:.6f} (relative drift {abs(e1 - e0) / abs(e0):.1e})")
assert abs(e1 - e0) / abs(e0) < 1e-3
