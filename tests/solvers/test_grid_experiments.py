"""Each grid-solver experiment runs end to end from the CLI (small sizes) and writes its outputs."""

import json
import os
import subprocess
import sys

import h5py
import pytest

CASES = {
    "ns2d_taylor_green": (
        ["navier_stokes.n=32", "navier_stokes.t_end=0.1"],
        ["snapshots.h5", "vorticity.png", "vorticity.gif"],
        lambda m: m["max_abs_error"] < 1e-12,
    ),
    "ns2d_kolmogorov": (
        ["navier_stokes.n=32", "navier_stokes.t_end=0.1", "navier_stokes.animation=false"],
        ["snapshots.h5"],
        lambda m: m["steps"] == 20,
    ),
    "burgers_spectral": (
        ["burgers.n=128", "burgers.nu=0.05", "burgers.dt=1e-3", "burgers.t_end=0.3"],
        ["solution.png"],
        lambda m: m["rel_l2"] < 1e-8,
    ),
    "cavity_re100": (["cavity.n=16"], ["centreline.png", "velocity.png"], lambda m: m["ghia_max_abs_error"] < 0.05),
    "euler_sod": (
        ["euler.n=100", "euler.flux=roe"],
        ["density.png", "pressure.png"],
        lambda m: abs(m["p_star"] - m["p_star_exact"]) < 2e-3,
    ),
    "darcy_fv": (["darcy.n=16", "darcy.samples=2"], ["darcy.h5", "sample.png"], lambda m: m["samples"] == 2),
    "heat_methods": (
        ["diffusion.n=16", "diffusion.steps=50"],
        ["heat.png", "snapshots.h5"],
        lambda m: m["max_error_fourier_exact"] < 1e-12 and m["max_error_implicit_euler_cg"] < 1e-2,
    ),
    "ns2d_inverse_viscosity": (
        ["viscosity_inverse.n=16", "viscosity_inverse.steps=40", "viscosity_inverse.dt=0.05"],
        ["loss.png", "fields.png"],
        lambda m: m["relative_error"] < 1e-3,
    ),
    "fdtd_dipole2d": (
        ["fdtd.n=136", "fdtd.steps=400", "dipole.far_field_cells=30", "dipole.snapshot_every=50"],
        ["snapshots.png", "dipole.gif", "snapshots.h5", "ez_final.vtu"],
        lambda m: 1.88 <= m["far_field_ratio_r_2r"] <= 2.12,
    ),
    "fdtd_inverse_scattering": (
        [
            "fdtd.n=24",
            "fdtd.cell_size=0.0416667",
            "fdtd.steps=90",
            "fdtd.pml_cells=6",
            "inverse_scattering.iterations=4",
            "inverse_scattering.frequency_stages=null",
        ],
        ["permittivity.png", "loss.png"],
        lambda m: m["final_misfit"] < m["initial_misfit"],
    ),
    "md_lj_nve": (
        ["md.cells=3", "md.steps=200", "md.skin=0.0", "md.output_every=20"],
        ["trajectory.xyz", "trajectory.h5", "energy.png", "rdf.png"],
        lambda m: m["relative_drift_total"] < 1e-3 and m["atoms"] == 108,
    ),
    "md_nacl": (
        ["nacl.cells=2", "nacl.equilibrate_steps=40", "nacl.production_steps=40", "nacl.output_every=4"],
        ["trajectory.xyz", "trajectory.h5", "energy.png", "rdf.png"],
        lambda m: (
            m["lattice_energy_vs_born_lande_rel"] < 1e-4
            and abs(m["dlnE_dlna_at_a0"]) < 1e-5
            and abs(m["coordination_na_cl"] - 6) < 0.05
            and m["nve_relative_drift"] < 1e-5
        ),
    ),
    "md_fit_lj": (
        [
            "lj_fit.cells=3",
            "lj_fit.skin=0.05",
            "lj_fit.target_burn_in=300",
            "lj_fit.target_steps=1500",
            "lj_fit.burn_in=200",
            "lj_fit.model_steps=600",
            "lj_fit.iterations=4",
        ],
        ["fit.png", "rdf.png", "history.json"],
        lambda m: m["sigma_relative_error"] < 0.05 and m["rdf_rms_fitted"] < 0.5 * m["rdf_rms_initial"],
    ),
    "md_lj_nvt": (
        ["md.cells=3", "md.steps=200", "md.skin=0.0", "md.output_every=20"],
        ["trajectory.h5", "energy.png"],
        lambda m: m["relative_drift_nhc_conserved"] < 1e-3,
    ),
}


def sciml(args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "sciml.cli.main", "run", *args, "trainer.progress_bar=false"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_grid_experiment_runs(name, tmp_path):
    overrides, files, check = CASES[name]
    r = sciml([f"experiment={name}", *overrides], tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    (run,) = (tmp_path / "outputs" / name).iterdir()
    metrics = json.loads((run / "metrics.json").read_text())
    assert check(metrics), metrics
    for f in files + ["config.yaml"]:
        assert (run / f).exists(), f


def test_non_finite_state_names_step_and_keeps_last_good_snapshot(tmp_path):
    r = sciml(
        [
            "experiment=ns2d_taylor_green",
            "navier_stokes.n=32",
            "navier_stokes.nu=5.0",
            "navier_stokes.dt=0.5",
            "navier_stokes.t_end=50",
            "navier_stokes.snapshot_every=1",
        ],
        tmp_path,
    )
    assert r.returncode == 2 and "non-finite at step" in r.stderr and "CFL" in r.stderr
    (run,) = (tmp_path / "outputs" / "ns2d_taylor_green").iterdir()
    assert not (run / "metrics.json").exists() and not (run / "snapshots.h5").exists()
    with h5py.File(run / "snapshots.h5.partial", "r") as f:
        assert f["vorticity"].shape[0] >= 1 and not f.attrs["complete"]


def test_an_md_run_that_blows_up_fails_naming_the_step_and_keeps_the_last_good_frame(tmp_path):
    """dt = 0.5 τ (100× the usual) used to end at T = 3e39 with exit 0."""
    r = sciml(
        ["experiment=md_lj_nve", "md.dt=0.5", "md.cells=3", "md.skin=0.0", "md.steps=200", "md.output_every=10"],
        tmp_path,
    )
    assert r.returncode == 2
    assert "TimeStepWarning: dt = 0.5 is far above the stable step" in r.stderr
    assert "the simulation blew up at step 10: temperature kT =" in r.stderr
    (run,) = (tmp_path / "outputs" / "md_lj_nve").iterdir()
    assert (run / "last_good.xyz").exists() and not (run / "metrics.json").exists()
    import ase.io

    frame = ase.io.read(run / "last_good.xyz")  # the last frame that passed the check, readable by ASE
    assert len(frame) == 108 and abs(frame.get_positions()).max() < 50
