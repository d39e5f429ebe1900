"""Tutorial: a 2-D FDTD point source, and the gradient of a probe's energy with respect to the permittivity.

Run: ``python docs/tutorials/fdtd_dipole.py`` (seconds).
"""

import torch

from physics.maxwell import C0, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import Probe, YeeGrid, coefficients, run

n, dx = 80, 1e-3
grid = YeeGrid((n, n, 1), dx, ("pml", "pml", "periodic"), pml_cells=10)
f0 = C0 / (20 * dx)  # 20 cells per wavelength
eps = torch.ones(n, n, 1, dtype=torch.float64, requires_grad=True)
co = coefficients(grid, Materials(eps_r=eps), dtype=torch.float64)
res = run(co, 300, [PointSource((40, 40, 0), ModulatedGaussian(f0, 0.3 * f0), "ez")], [Probe((60, 40, 0), "ez")])
energy = res.probes["probe"].pow(2).sum()
energy.backward()  # differentiate through all 300 Yee steps
print(f"probe energy {float(energy.detach()):.3e}; d energy / d eps at the probe cell {float(eps.grad[60, 40, 0]):.3e}")
assert torch.isfinite(eps.grad).all()
