"""The 2-D TE Maxwell PINN problem: residuals and Mur conditions against exact plane waves; the FDTD reference
converges under grid refinement."""
import numpy as np
import torch

from physics import Maxwell2DPointSource
from sciml.autodiff import derivatives
from solvers.reference import MaxwellFDTDReference


class _Wave(torch.nn.Module):
    def forward(self, x):  # Ey = Hz = f(x − t), Ex = 0: a plane wave travelling along +x
        f = torch.sin(5 * (x[:, 0] - x[:, 2]))
        return torch.stack([0 * f, f, f], 1)


def test_plane_wave_solves_the_source_free_equations_and_mur(float64):
    pde = Maxwell2DPointSource(width=0.01)
    x = torch.rand(200, 3) * torch.tensor([0.3, 0.3, 1.0])  # far from the source at (0.4975, 0.4975)
    d = derivatives(_Wave(), x, "autograd", input_names=pde.input_names, output_names=pde.output_names)
    for name, r in pde.residual(d, x).items():
        assert float(r.abs().max()) < 1e-10, name
    (mur,) = pde.conditions()
    edge = torch.stack([torch.ones(50), torch.rand(50), torch.rand(50)], 1)
    normals = torch.tensor([[1.0, 0.0]]).expand(50, 2)
    d = derivatives(_Wave(), edge, "autograd", input_names=pde.input_names, output_names=pde.output_names)
    assert float(mur.residual(d, edge, normals).abs().max()) < 1e-10  # outgoing: absorbed exactly
    normals_in = -normals  # the same wave at a left wall is incoming and violates the condition
    assert float(mur.residual(d, edge, normals_in).abs().max()) > 1.0


def test_fdtd_reference_converges_with_the_grid(float64):
    pde = Maxwell2DPointSource()
    coarse = MaxwellFDTDReference(pde, cells=50, stride=1, times=(0.6,))
    fine = MaxwellFDTDReference(pde, cells=100, stride=1, times=(0.6,))
    a = coarse.solution(coarse.points()).reshape(50, 50, 3)
    b = fine.solution(fine.points()).reshape(50, 2, 50, 2, 3).mean(axis=(1, 3))  # fine cells averaged onto coarse ones
    rel = np.linalg.norm(a - b) / np.linalg.norm(b)
    assert rel < 0.1, rel
    assert np.abs(b).max() > 0.1  # the pulse has left the source by t = 0.6
