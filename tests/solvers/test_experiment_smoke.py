"""Every shipped experiment runs end to end at toy size through the CLI: exit 0 and finite metrics.

A new ``configs/experiment/*.yaml`` must add its toy overrides here (the first test fails until it does),
so no experiment ships that has never been run. The overrides shrink grids, steps and point counts only;
the stronger per-experiment checks live in the tests of each solver.
"""

import json
import math
from pathlib import Path

import pytest

import configs
from sciml.cli.main import main as cli

PINN = [
    "mode=pynative",
    "optimizer.steps=3",
    "optimizer.lbfgs_steps=2",
    "sampling.n_interior=64",
    "sampling.n_boundary=16",
    "sampling.n_initial=16",
    "sampling.n_focus=0",
    "sampling.resample_every=0",
    "model.width=8",
    "model.depth=2",
    "trainer.checkpoint.save_checkpoint_steps=100",
]
EXACT = ["evaluation.n=200"]
DATA = [
    "dataset.samples=6",
    "dataset.processes=1",
    "operator.n_train=4",
    "operator.n_test=2",
    "operator.epochs=1",
    "operator.batch_size=2",
]

INVERSE_DESIGN_TOY = [
    "inverse_design.betas=[4]",
    "inverse_design.iterations_per_stage=1",
    "inverse_design.steps=200",
    "inverse_design.spectrum_points=2",
]
TOY = {
    "allen_cahn": PINN + ["+evaluation.n=64", "+evaluation.dt=0.01", "evaluation.nx=32", "evaluation.nt=11"],
    "burgers_inverse": PINN
    + [
        "evaluation.nx=32",
        "evaluation.nt=10",
        "inverse.generator.n=100",
        "inverse.observations={tmp}/obs.csv",
        "inverse.generate_if_missing=true",
    ],
    "burgers_pinn": PINN + ["evaluation.nx=32", "evaluation.nt=10"],
    "burgers_pinn_accurate": PINN + ["evaluation.nx=32", "evaluation.nt=10"],
    "burgers_spectral": ["burgers.n=64", "burgers.dt=1e-3", "burgers.t_end=0.05"],
    "cavity_re100": ["cavity.n=8", "cavity.max_steps=50", "cavity.tol=1.0"],
    "cavity_re1000": ["cavity.n=8", "cavity.max_steps=50", "cavity.tol=1.0"],
    "cavity_re100_pinn": PINN + ["evaluation.n=16"],
    "cylinder_wake": PINN
    + [
        "sampling.n_boundary=0",
        "sampling.n_initial=0",
        "inverse.generator.n=100",
        "inverse.observations={tmp}/wake.csv",
        "inverse.generate_if_missing=true",
        "inverse.generator.snapshots={tmp}/wake.h5",
        "evaluation.snapshots={tmp}/wake.h5",
        "+inverse.generator.nx=64",
        "+inverse.generator.ny=32",
        "+inverse.generator.dt=0.02",
        "+inverse.generator.spinup=1.0",
        "+inverse.generator.duration=0.6",
        "+inverse.generator.every=0.2",
        "+inverse.generator.progress=false",
        "+evaluation.stride_t=1",
    ],
    "darcy_fv": ["darcy.n=8", "darcy.samples=1"],
    "darcy_pinn": PINN + EXACT,
    "deeponet_darcy": DATA
    + [
        "dataset.params.resolution=9",
        "operator.sensor_stride=2",
        "operator.network.kwargs.branch=[8]",
        "operator.network.kwargs.trunk=[8]",
        "operator.network.kwargs.basis=4",
    ],
    "euler_sod": ["euler.n=40", "euler.t_end=0.02"],
    "fdtd_dipole2d": [
        "fdtd.n=40",
        "fdtd.pml_cells=6",
        "fdtd.steps=30",
        "dipole.snapshot_every=10",
        "dipole.animation=false",
        "dipole.far_field_cells=5",
    ],
    "fdtd_inverse_scattering": [
        "fdtd.n=16",
        "fdtd.cell_size=0.0625",
        "fdtd.pml_cells=4",
        "fdtd.steps=30",
        "inverse_scattering.iterations=2",
        "inverse_scattering.frequency_stages=null",
    ],
    "fdtd_grating": ["grating.resolution=10", "grating.wavelengths=2", "grating.rcwa_harmonics=5"],
    "fdtd_waveguide_bend": INVERSE_DESIGN_TOY,
    "fdtd_waveguide_bend_3d": [*INVERSE_DESIGN_TOY[:2], "inverse_design.steps=60", "inverse_design.spectrum_points=2"],
    "fdtd_mode_converter": INVERSE_DESIGN_TOY,
    "fdtd_wavelength_demux": [*INVERSE_DESIGN_TOY, "inverse_design.gray_penalty_from_beta=4"],  # the penalty runs
    "fno_burgers": DATA
    + [
        "dataset.params.resolution=32",
        "dataset.params.solve_resolution=64",
        "operator.network.kwargs.modes=[4]",
        "operator.network.kwargs.width=4",
    ],
    "fno_darcy": DATA
    + ["dataset.params.resolution=9", "operator.network.kwargs.modes=[2,2]", "operator.network.kwargs.width=4"],
    "fno_darcy_superres": DATA
    + ["dataset.params.resolution=9", "operator.network.kwargs.modes=[2,2]", "operator.network.kwargs.width=4"],
    "fno_ns2d": [
        "dataset.samples=4",
        "dataset.processes=1",
        "dataset.params.resolution=16",
        "dataset.params.t_final=5",
        "operator.window=3",
        "operator.n_train=2",
        "operator.n_test=2",
        "operator.epochs=1",
        "operator.network.kwargs.in_channels=3",
        "operator.network.kwargs.modes=[2,2]",
        "operator.network.kwargs.width=4",
    ],
    "heat": PINN + EXACT,
    "heat_methods": ["diffusion.n=8", "diffusion.steps=5"],
    "helmholtz": PINN + EXACT,
    "kovasznay": PINN + EXACT,
    "maxwell2d_pinn": PINN + ["evaluation.cells=40", "evaluation.stride=4"],
    "maxwell2d_pinn_sharp": PINN + ["evaluation.cells=40", "evaluation.stride=4"],
    "md_alanine_dipeptide": [
        "bio.minimize_iterations=3",
        "bio.equilibrate_steps=2",
        "bio.production_steps=4",
        "bio.report_every=2",
    ],
    "md_protein": [
        "bio.minimize_iterations=2",
        "bio.equilibrate_steps=2",
        "bio.npt_equilibrate_steps=2",
        "bio.barostat_frequency=2",
        "bio.production_steps=2",
        "bio.report_every=2",
    ],
    "md_water_box": [
        "bio.minimize_iterations=3",
        "bio.equilibrate_steps=2",
        "bio.npt_equilibrate_steps=4",
        "bio.barostat_frequency=2",
        "bio.production_steps=4",
        "bio.report_every=2",
    ],
    "md_alanine_metad": ["metad.steps=20", "metad.stride=5", "metad.grid=9"],
    "md_fit_lj": [
        "lj_fit.cells=2",
        "lj_fit.skin=0.05",
        "lj_fit.target_burn_in=10",
        "lj_fit.target_steps=40",
        "lj_fit.burn_in=10",
        "lj_fit.model_steps=40",
        "lj_fit.iterations=2",
        "lj_fit.cutoff=1.4",
    ],
    "md_fit_water": [
        "water_fit.equilibrate_steps=10",
        "water_fit.target_steps=20",
        "water_fit.iterations=2",
        "water_fit.decorrelate_steps=5",
        "water_fit.segment_steps=5",
    ],
    "md_lj_nve": ["md.cells=3", "md.steps=20", "md.skin=0.0", "md.output_every=5"],
    "md_lj_nvt": ["md.cells=3", "md.steps=20", "md.skin=0.0", "md.output_every=5"],
    "md_nacl": [
        "nacl.cells=2",
        "nacl.kmax=3",
        "nacl.equilibrate_steps=5",
        "nacl.production_steps=10",
        "nacl.output_every=5",
    ],
    "ns2d_inverse_viscosity": [
        "viscosity_inverse.n=8",
        "viscosity_inverse.steps=4",
        "viscosity_inverse.max_iter=2",
        "viscosity_inverse.checkpoint_every=2",
    ],
    "ns2d_kolmogorov": ["navier_stokes.n=16", "navier_stokes.t_end=0.02", "navier_stokes.animation=false"],
    "ns2d_taylor_green": ["navier_stokes.n=16", "navier_stokes.t_end=0.02", "navier_stokes.animation=false"],
    "poisson_disk": PINN + EXACT,
    "poisson_mesh": PINN + ["evaluation.n=8"],
    "poisson_pentagon": PINN + EXACT,
    "poisson_triangle": PINN + EXACT,
    "unet_darcy": DATA
    + ["dataset.params.resolution=9", "operator.network.kwargs.base=4", "operator.network.kwargs.levels=1"],
    "wave": PINN + EXACT,
}
SHIPPED = sorted(p.stem for p in (Path(configs.__file__).parent / "experiment").glob("*.yaml"))
# toy runs that still take most of a minute (a 23,558-atom protein); the runner is covered by the fast ones
SLOW_TOY = {"md_protein"}


def test_every_shipped_experiment_has_toy_overrides():
    assert sorted(TOY) == SHIPPED, f"add toy overrides for {sorted(set(SHIPPED) - set(TOY))}"


def _numbers(m, prefix=""):
    if isinstance(m, dict):
        for k, v in m.items():
            yield from _numbers(v, f"{prefix}.{k}")
    elif isinstance(m, list):
        for i, v in enumerate(m):
            yield from _numbers(v, f"{prefix}[{i}]")
    elif isinstance(m, float):
        yield prefix, m


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_TOY else n for n in SHIPPED])
def test_experiment_runs_at_toy_size(name, tmp_path):
    out = tmp_path / "run"
    overrides = [o.replace("{tmp}", str(tmp_path)) for o in TOY[name]]
    if any(o.startswith("operator.") for o in overrides):
        overrides.append(f"dataset.path={tmp_path / 'data'}")
    code = cli(
        [
            "run",
            f"experiment={name}",
            *overrides,
            "trainer.progress_bar=false",
            "trainer.tensorboard=false",
            f"hydra.run.dir={out}",
        ]
    )
    assert code == 0, (out / "FAILED.txt").read_text() if (out / "FAILED.txt").exists() else code
    metrics = json.loads((out / "metrics.json").read_text())
    bad = [k for k, v in _numbers(metrics) if not math.isfinite(v)]
    assert not bad and metrics["experiment"] == name
