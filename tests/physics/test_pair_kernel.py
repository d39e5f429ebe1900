"""The native direct-space pair kernel against the pure-torch path (autograd; itself checked term by term
against OpenMM in ``test_biomolecular_vs_openmm.py``) and, for PME with a neighbour list, against OpenMM."""

import math

import numpy as np
import pytest
import torch

pytest.importorskip("openmm")
app = pytest.importorskip("openmm.app")
unit = pytest.importorskip("openmm.unit")

from physics.forcefields.biomolecular import data_file, load_amber, load_pdb, molecular_energy_fn  # noqa: E402
from physics.forcefields.biomolecular.pair_kernel import PAIR_KERNEL  # noqa: E402


@pytest.fixture(autouse=True)
def _kernel():
    if PAIR_KERNEL.load() is None:
        pytest.skip(f"no native pair kernel: {PAIR_KERNEL.error}")


def _system(case: str):
    try:
        if case == "tip3p_switch":
            kw = dict(nonbondedMethod=app.CutoffPeriodic, nonbondedCutoff=0.9 * unit.nanometer, constraints=None)
            kw.update(rigidWater=False, switchDistance=0.7 * unit.nanometer)
            return load_pdb(data_file("openmm", "app/data/tip3p.pdb"), ["amber14/tip3p.xml"], **kw)
        if case == "charmm_protein":  # Urey–Bradley (as bonds), harmonic impropers and CMAP: the mixed path
            from physics.forcefields.biomolecular import from_openmm

            pdb = app.PDBFile(str(data_file("openmm", "app/data/test.pdb")))
            model = app.Modeller(pdb.topology, pdb.positions)
            model.deleteWater()
            model.delete([a for a in model.topology.atoms() if a.residue.name == "Cl"])
            omm = app.ForceField("charmm36.xml").createSystem(model.topology, nonbondedMethod=app.NoCutoff)
            R = torch.tensor(model.positions.value_in_unit(unit.nanometer), dtype=torch.float64)
            return from_openmm(omm, model.topology), R
        if case == "alanine_pme":
            prmtop = data_file("openmmtools", "alanine-dipeptide-explicit/alanine-dipeptide.prmtop")
            kw = dict(nonbondedMethod=app.PME, nonbondedCutoff=0.9 * unit.nanometer, constraints=None)
            return load_amber(prmtop, prmtop.parent / "alanine-dipeptide.crd", **kw)
        prmtop = data_file("openmmtools", "alanine-dipeptide-gbsa/alanine-dipeptide.prmtop")
        method = {"vacuum": app.NoCutoff, "reaction_field": app.CutoffNonPeriodic}[case]
        return load_amber(prmtop, prmtop.with_suffix(".crd"), nonbondedMethod=method, constraints=None)
    except FileNotFoundError as err:
        pytest.skip(str(err))


def _pairs(system, R):
    from solvers.md import neighbor_list

    if system.box is None:
        return None
    return neighbor_list(system.box, system.nonbonded.cutoff, skin=0.1).allocate(R).pairs


def _autograd(energy, R, pairs):
    Rg = R.clone().requires_grad_(True)
    e = energy(Rg, pairs=pairs)
    (g,) = torch.autograd.grad(e, Rg)
    return e.detach(), -g


@pytest.mark.parametrize("case", ["vacuum", "reaction_field", "tip3p_switch", "alanine_pme", "charmm_protein"])
def test_native_forces_equal_autograd_in_float64(case):
    """Plain Coulomb, the reaction field without a box, a periodic cutoff with OpenMM's switch, PME's ``erfc``
    sum with a neighbour list, and CHARMM36 (native bonds, angles and torsions next to autograd impropers and
    CMAP): energy and forces to rounding (the two paths sum in other orders)."""
    system, R = _system(case)
    energy = molecular_energy_fn(system)
    pairs = _pairs(system, R)
    e_ref, f_ref = _autograd(energy, R, pairs)
    e, f = energy.energy_and_forces(R, pairs=pairs)
    assert float(e) == pytest.approx(float(e_ref), rel=1e-12, abs=1e-9)
    assert float((f - f_ref).abs().max() / f_ref.abs().max()) < 1e-11
    e_plain = energy(R, pairs=pairs)  # no grad anywhere: the kernel gives the energy alone
    assert not e_plain.requires_grad and float(e_plain) == pytest.approx(float(e_ref), rel=1e-12, abs=1e-9)


def test_native_forces_in_float32_match_openmm_with_pme():
    """float32 (single-precision ``erfc`` fit) against OpenMM's Reference platform: the issue's PME force bar."""
    mm = pytest.importorskip("openmm")
    system, R = _system("alanine_pme")
    prmtop = data_file("openmmtools", "alanine-dipeptide-explicit/alanine-dipeptide.prmtop")
    kw = dict(nonbondedMethod=app.PME, nonbondedCutoff=0.9 * unit.nanometer, constraints=None)
    omm = app.AmberPrmtopFile(str(prmtop)).createSystem(**kw)
    inpcrd = app.AmberInpcrdFile(str(prmtop.parent / "alanine-dipeptide.crd"))
    omm.setDefaultPeriodicBoxVectors(*inpcrd.boxVectors)
    ctx = mm.Context(omm, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName("Reference"))
    ctx.setPositions(inpcrd.getPositions())
    st = ctx.getState(getEnergy=True, getForces=True)
    e_ref = st.getPotentialEnergy().value_in_unit(unit.kilojoule_per_mole)
    f_ref = np.asarray(st.getForces().value_in_unit(unit.kilojoule_per_mole / unit.nanometer))
    system32, R32 = system.to(torch.float32), R.float()
    e, f = molecular_energy_fn(system32).energy_and_forces(R32, pairs=_pairs(system32, R32))
    assert abs(float(e) - e_ref) <= 2e-5 * abs(e_ref)
    assert np.sqrt(((f.double().numpy() - f_ref) ** 2).mean() / (f_ref**2).mean()) <= 1e-4


@pytest.mark.parametrize("case", ["reaction_field", "tip3p_switch"])
def test_float32_kernel_masks_the_pairs_beyond_the_cutoff(case):
    """In float32 the kernel evaluates every listed pair in vector lanes and masks those beyond the cutoff (in
    float64 it drops them first). Without a box the list is every pair, most of them beyond the reaction-field
    cutoff; with the switch, the polynomial is garbage past the cutoff. Against float64 autograd: a pair beyond the
    cutoff leaking in would move the energy by far more than float32's rounding."""
    system, R = _system(case)
    pairs = _pairs(system, R)
    e_ref, f_ref = _autograd(molecular_energy_fn(system), R, pairs)
    system32, R32 = system.to(torch.float32), R.float()
    pairs32 = _pairs(system32, R32)
    e, f = molecular_energy_fn(system32).energy_and_forces(R32, pairs=pairs32)
    assert abs(float(e) - float(e_ref)) <= 1e-5 * abs(float(e_ref))
    rms = torch.sqrt(((f.double() - f_ref) ** 2).mean() / (f_ref**2).mean())
    assert float(rms) <= 1e-4  # measured 2.4e-5 and 3.7e-5: float32 positions and sums, the same before masking


def test_a_pair_absurdly_far_beyond_the_cutoff_adds_nothing_not_nan():
    """The masked lanes are evaluated at the cutoff: a pair whose squared distance overflows float32 (an atom thrown
    1e20 nm away) must add exactly nothing, as it did when such pairs were skipped, not inf · 0 = NaN."""
    from physics.forcefields.biomolecular.pair_kernel import native_pair_sum

    R = torch.tensor([[0.0, 0.0, 0.0], [0.3, 0.0, 0.0], [1e20, 0.0, 0.0]], dtype=torch.float32)
    q = torch.tensor([0.5, -0.5, 0.5])
    sig, se = torch.full((3,), 0.3), torch.full((3,), 0.5)
    kw = dict(method="cutoff", cutoff=1.0, switch_distance=None, alpha=None, k_rf=0.5, c_rf=1.5, gradient=True)
    e_lj, e_c, g = native_pair_sum(R, torch.tensor([[0, 1], [0, 2], [1, 2]]), q, sig, se, None, **kw)
    near_lj, near_c, near_g = native_pair_sum(R[:2], torch.tensor([[0, 1]]), q[:2], sig[:2], se[:2], None, **kw)
    assert torch.isfinite(e_lj) and torch.isfinite(e_c) and bool(torch.isfinite(g).all())
    assert float(e_lj) == float(near_lj) and float(e_c) == float(near_c)
    assert torch.equal(g[:2], near_g) and float(g[2].abs().sum()) == 0.0


def test_float64_ewald_term_matches_the_analytic_erfc_over_its_whole_range():
    """In float64 the kernel's erfc is exp(-x²) times a piecewise Chebyshev series of erfcx (so that it vectorises).
    One pair at 400 separations with αr from 0.01 to 7.9: energy q₁q₂ erfc(αr)/r and its radial force against
    torch's erfc, to 1e-13 relative."""
    from physics.forcefields.biomolecular.pair_kernel import native_pair_sum

    alpha = 3.0
    r = torch.linspace(0.01, 7.9, 400, dtype=torch.float64) / alpha
    q = torch.tensor([0.8, -0.6], dtype=torch.float64)
    zero = torch.zeros(2, dtype=torch.float64)
    for d in r.tolist():
        R = torch.tensor([[0.0, 0.0, 0.0], [d, 0.0, 0.0]], dtype=torch.float64)
        _, e_c, g = native_pair_sum(R, torch.tensor([[0, 1]]), q, zero + 0.3, zero, None, method="pme", cutoff=100.0,
                                    switch_distance=None, alpha=alpha, gradient=True)  # fmt: skip
        x = torch.tensor(alpha * d, dtype=torch.float64)
        expected = -0.48 * torch.special.erfc(x) / d
        de_dr = 0.48 * (torch.special.erfc(x) / d + 2 * alpha / math.sqrt(math.pi) * torch.exp(-x * x)) / d
        assert float(e_c) == pytest.approx(float(expected), rel=1e-13), d
        assert float(g[1, 0]) == pytest.approx(float(de_dr), rel=1e-13), d


def test_a_parameter_that_requires_grad_keeps_the_autograd_path():
    """A force-field fit needs the graph through the pair sum: the kernel must step aside, not cut it."""
    from dataclasses import replace

    system, R = _system("vacuum")
    sigma = system.particles.sigma.clone().requires_grad_(True)
    fitted = replace(system, particles=replace(system.particles, sigma=sigma))
    e = molecular_energy_fn(fitted)(R)
    (g,) = torch.autograd.grad(e, sigma)
    h = 1e-6
    k = int(torch.argmax(system.particles.epsilon))  # an atom whose σ matters
    up, down = sigma.detach().clone(), sigma.detach().clone()
    up[k] += h
    down[k] -= h
    e_up = molecular_energy_fn(replace(system, particles=replace(system.particles, sigma=up)))(R)
    e_down = molecular_energy_fn(replace(system, particles=replace(system.particles, sigma=down)))(R)
    assert float(g[k]) == pytest.approx(float(e_up - e_down) / (2 * h), rel=1e-6)


def test_without_the_kernel_the_torch_path_gives_the_same_forces(monkeypatch):
    system, R = _system("reaction_field")
    energy = molecular_energy_fn(system)
    e_native, f_native = energy.energy_and_forces(R)
    monkeypatch.setenv("SCIML_NO_NATIVE", "1")
    PAIR_KERNEL.reset()
    try:
        assert PAIR_KERNEL.load() is None
        e, f = energy.energy_and_forces(R)
    finally:
        monkeypatch.delenv("SCIML_NO_NATIVE")
        PAIR_KERNEL.reset()
    assert float(e) == pytest.approx(float(e_native), rel=1e-12)
    assert float((f - f_native).abs().max() / f.abs().max()) < 1e-11


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("order", [5, 4, 8])
def test_native_pme_mesh_equals_the_torch_mesh_with_atoms_outside_the_box(dtype, order):
    """Spreading and gathering against autograd through :func:`reciprocal_energy`, on a non-cubic box and grid
    with atoms beyond every face (they wrap), at PME's usual B-spline order and two others (the kernel compiles one
    stencil per order)."""
    from physics.forcefields.biomolecular.pme import reciprocal_energy
    from physics.forcefields.biomolecular.pme_kernel import PME_KERNEL, native_reciprocal

    if PME_KERNEL.load() is None:
        pytest.skip(f"no native PME kernel: {PME_KERNEL.error}")
    g = torch.Generator().manual_seed(3)
    box = torch.tensor([2.1, 2.5, 1.9], dtype=dtype)
    R = (torch.rand(300, 3, generator=g, dtype=torch.float64) * 1.6 - 0.3).to(dtype) * box
    q = torch.randn(300, generator=g, dtype=torch.float64).to(dtype)
    grid = (21, 24, 20)
    Rg = R.clone().requires_grad_(True)
    e_ref = reciprocal_energy(Rg, q, box, 3.1, grid, order)
    (g_ref,) = torch.autograd.grad(e_ref, Rg)
    e, grad = native_reciprocal(R, q, box, 3.1, grid, gradient=True, order=order)
    tol = 1e-12 if dtype == torch.float64 else 2e-5
    assert float(e) == pytest.approx(float(e_ref.detach()), rel=tol)
    assert float((grad - g_ref).abs().max() / g_ref.abs().max()) < tol


@pytest.mark.parametrize("case", ["tip3p_switch", "alanine_pme"])
def test_a_dense_list_gives_the_same_energy_and_forces_as_its_pairs(case, monkeypatch):
    """:class:`NeighborRows` (the dense list the MD engine passes) against its own ``i < j`` pairs, through
    the native conversion with exceptions dropped in one pass, and through the torch fallback."""
    from physics.forcefields.biomolecular import NeighborRows
    from solvers.md import neighbor_list

    system, R = _system(case)
    rows = NeighborRows(neighbor_list(system.box, system.nonbonded.cutoff, skin=0.1, format="dense").allocate(R).idx)
    e_ref, f_ref = _autograd(molecular_energy_fn(system), R, rows.half_pairs())
    for native in (True, False):
        if not native:
            monkeypatch.setenv("SCIML_NO_NATIVE", "1")
            PAIR_KERNEL.reset()
        try:
            energy = molecular_energy_fn(system)
            e, f = energy.energy_and_forces(R, pairs=rows)
            e_grad, f_grad = _autograd(energy, R, rows)
        finally:
            monkeypatch.delenv("SCIML_NO_NATIVE", raising=False)
            PAIR_KERNEL.reset()
        for energy_value, forces in ((e, f), (e_grad, f_grad)):
            assert float(energy_value) == pytest.approx(float(e_ref), rel=1e-12)
            assert float((forces - f_ref).abs().max() / f_ref.abs().max()) < 1e-11


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_an_nbfix_pair_table_takes_the_native_pass_with_the_torch_paths_energy_and_forces(dtype, monkeypatch):
    """CHARMM's NBFIX table ``a/r¹² − b/r⁶`` as per-pair σ = (a/b)^{1/6}, ε = b²/(4a) in the native pass, against
    the torch path that sums the table as it is (autograd forces); an entry with no such form (b = 0 < a) keeps
    the torch path for the pair sum."""
    from dataclasses import replace

    import physics.forcefields.biomolecular.nonbonded as nonbonded
    from physics.forcefields.biomolecular.pair_kernel import pair_table_parameters
    from physics.forcefields.biomolecular.system import LennardJonesTable

    system, R = _system("tip3p_switch")
    p = system.particles
    types = (p.epsilon == 0).long()  # TIP3P: oxygen 0, hydrogen 1 (no LJ of its own)
    sig = torch.stack([p.sigma[types == t][0] for t in (0, 1)]).double()
    eps = torch.stack([p.epsilon[types == t][0] for t in (0, 1)]).double()
    s_ij, e_ij = 0.5 * (sig[:, None] + sig[None, :]), torch.sqrt(eps[:, None] * eps[None, :])
    e_ij[0, 1] = e_ij[1, 0] = 0.05  # an O–H override the combining rules cannot give (kJ/mol)
    s_ij[0, 1] = s_ij[1, 0] = 0.15  # nm
    a, b = 4 * e_ij * s_ij**12, 4 * e_ij * s_ij**6
    b_odd = b.clone()
    b_odd[0, 1] = b_odd[1, 0] = 0.0  # purely repulsive O–H: no σ, ε of that form
    pairs = _pairs(system, R)
    R = R.to(dtype)
    tol = 1e-11 if dtype == torch.float64 else 2e-5
    tables = []
    original = nonbonded.native_pair_sum
    monkeypatch.setattr(nonbonded, "native_pair_sum", lambda *a, **k: tables.append(k["table"]) or original(*a, **k))
    with pytest.raises(ValueError, match="types run from 0 to 2"):
        pair_table_parameters(torch.tensor([0, 2]), a, b)  # a type past the table would be read out of bounds
    for b_used, native in ((b, True), (b_odd, False)):
        assert (pair_table_parameters(types, a, b_used) is not None) == native
        energy = molecular_energy_fn(replace(system, lennard_jones_table=LennardJonesTable(types, a, b_used)))
        e_ref, f_ref = _autograd(energy, R, pairs)
        tables.clear()
        e, f = energy.energy_and_forces(R, pairs=pairs)
        assert (len(tables) > 0 and tables[0] is not None) == native  # the table went through the native pass
        assert float(e) == pytest.approx(float(e_ref), rel=10 * tol, abs=1e-9)
        assert float((f - f_ref).abs().max() / f_ref.abs().max()) < tol
