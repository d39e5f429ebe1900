"""MD fast path on CUDA (skipped without it): the compiled torch neighbour build and force kernel agree
with the CPU (native) path, and a short NVE run conserves energy."""

import pytest
import torch

from physics.forcefields import fcc, kinetic_energy, lennard_jones_neighbor_list
from solvers.md import maxwell_boltzmann, neighbor_list, nve

pytestmark = pytest.mark.gpu


def test_dense_md_on_cuda_matches_cpu():
    R, box = fcc(8, density=0.8442, dtype=torch.float64)
    R = R + 0.05 * torch.randn(R.shape, generator=torch.Generator().manual_seed(0), dtype=R.dtype)
    out = {}
    for dev in ("cpu", "cuda"):
        Rd, bd = R.to(dev), box.to(dev)
        U = lennard_jones_neighbor_list(box=bd, cutoff=2.5, format="dense")
        nbrs = neighbor_list(bd, 2.5, 0.3, format="dense").allocate(Rd)
        rows = [sorted(v for v in row.tolist() if v < len(R)) for row in nbrs.idx.cpu()]
        out[dev] = rows, *U.energy_and_forces(Rd, nbrs.idx)
    assert out["cpu"][0] == out["cuda"][0]
    assert abs(float(out["cpu"][1]) - float(out["cuda"][1].cpu())) < 1e-9 * abs(float(out["cpu"][1]))
    torch.testing.assert_close(out["cuda"][2].cpu(), out["cpu"][2], rtol=1e-9, atol=1e-9)


def test_dense_nve_on_cuda_conserves_energy():
    R, box = fcc(10, density=0.8442, dtype=torch.float64)
    R, box = R.cuda(), box.cuda()
    U = lennard_jones_neighbor_list(box=box, cutoff=2.5, format="dense")
    nf = neighbor_list(box, 2.5, 0.3, format="dense")
    nbrs = nf.allocate(R)
    init, step = nve(U, 0.002, box=box)
    s = init(R, maxwell_boltzmann(len(R), 0.7, seed=0).cuda(), neighbors=nbrs.idx)
    e0 = float(s.energy + kinetic_energy(s.V))
    for _ in range(500):
        nbrs = nf.update(s.R, nbrs)
        s = step(s, neighbors=nbrs.idx)
    e1 = float(s.energy + kinetic_energy(s.V))
    assert nbrs.rebuilds > 0 and abs(e1 - e0) < 1e-3 * abs(e0)


def test_biomolecular_md_on_cuda_matches_cpu_forces_and_runs():
    """Solvated alanine dipeptide (PME, HBonds, rigid water) built on CUDA: its energy and forces match the CPU's,
    and 20 Langevin steps stay finite and near 300 K (the engine failed to build on CUDA before)."""
    pytest.importorskip("openmm")
    from physics.forcefields.biomolecular import data_file, load_amber
    from solvers.md.biomolecular import BiomolecularSettings, MolecularDynamics

    try:
        prmtop = data_file("openmmtools", "alanine-dipeptide-explicit/alanine-dipeptide.prmtop")
    except FileNotFoundError as err:
        pytest.skip(str(err))
    import openmm.app as app
    import openmm.unit as unit

    kw = dict(nonbondedMethod=app.PME, nonbondedCutoff=0.9 * unit.nanometer, constraints=app.HBonds, rigidWater=True)
    system, R = load_amber(prmtop, prmtop.parent / "alanine-dipeptide.crd", **kw)
    system, R = system.to(torch.float64), R.to(torch.float64)
    out = {}
    for dev in ("cpu", "cuda"):
        sd, Rd = system.to(torch.float64, dev), R.to(dev)
        md = MolecularDynamics.build(sd, BiomolecularSettings(dt_ps=0.002))
        Rd = Rd.clone().requires_grad_(True)
        e = md.energy(Rd, box=sd.box)
        (f,) = torch.autograd.grad(-e, Rd)
        out[dev] = float(e), f.detach().cpu()
        if dev == "cuda":
            state, pairs = md.start(R.to(dev), seed=1)
            state, pairs = md.advance(state, pairs, 20)
            assert torch.isfinite(state.R).all() and 200 < md.temperature(state) < 400
    assert abs(out["cuda"][0] - out["cpu"][0]) < 1e-6 * abs(out["cpu"][0])
    torch.testing.assert_close(out["cuda"][1], out["cpu"][1], rtol=1e-6, atol=1e-5)
