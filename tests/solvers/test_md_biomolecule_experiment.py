"""``sciml run experiment=md_alanine_dipeptide`` at toy size: the files it writes open in the standard tools
(mdtraj for the DCD, OpenMM for the PDBs), the log follows the steps, and bad input is refused clearly."""

import csv
import json

import numpy as np
import pytest

pytest.importorskip("openmm")
mdtraj = pytest.importorskip("mdtraj")

from sciml.cli.main import main as cli  # noqa: E402

TOY = ["bio.minimize_iterations=20", "bio.equilibrate_steps=4", "bio.production_steps=6", "bio.report_every=2"]


def _run(tmp_path, *extra):
    out = tmp_path / "run"
    code = cli(
        [
            "run",
            "experiment=md_alanine_dipeptide",
            *TOY,
            *extra,
            "trainer.progress_bar=false",
            "trainer.tensorboard=false",
            f"hydra.run.dir={out}",
        ]
    )
    return code, out


def test_outputs_open_in_mdtraj_and_openmm(tmp_path):
    import openmm.app as app

    code, out = _run(tmp_path)
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["atoms"] == 2269 and metrics["constraints"] == 2259
    assert metrics["minimized_energy_kj_mol"] < metrics["initial_energy_kj_mol"]
    traj = mdtraj.load_dcd(str(out / "trajectory.dcd"), top=str(out / "final.pdb"))
    assert traj.n_frames == 3 and traj.n_atoms == 2269  # production steps 6, one frame per 2
    assert np.allclose(traj.unitcell_lengths[0], [3.2852863, 3.2861648, 3.1855098], atol=1e-4)
    final = app.PDBFile(str(out / "final.pdb"))
    assert final.topology.getNumResidues() == app.PDBFile(str(out / "minimized.pdb")).topology.getNumResidues()
    rows = list(csv.DictReader(open(out / "energy.csv")))
    assert [int(r["step"]) for r in rows] == [2, 4, 6, 8, 10]
    assert all(float(r["temperature_K"]) > 0 for r in rows)


def test_a_missing_input_file_is_named(tmp_path, capsys):
    code, out = _run(tmp_path, "bio.coordinates=/nonexistent/ala.crd")
    assert code == 2
    assert "/nonexistent/ala.crd does not exist" in (out / "FAILED.txt").read_text()


def _small_water_box(path):
    """651 atoms of TIP3P in a 1.9 nm box (OpenMM's Modeller), written as a PDB with its CRYST1 box."""
    import openmm as mm
    import openmm.app as app
    import openmm.unit as unit

    model = app.Modeller(app.Topology(), [])
    model.addSolvent(
        app.ForceField("amber14/tip3p.xml"), model="tip3p", boxSize=mm.Vec3(1.9, 1.9, 1.9) * unit.nanometer
    )
    with open(path, "w") as fh:
        app.PDBFile.writeFile(model.topology, model.positions, fh)
    return path


def test_water_box_npt_reports_density_rdf_and_a_box_per_frame(tmp_path):
    out = tmp_path / "water"
    code = cli(
        [
            "run",
            "experiment=md_water_box",
            f"bio.pdb={_small_water_box(tmp_path / 'water.pdb')}",
            "bio.cutoff_nm=0.7",
            "bio.minimize_iterations=20",
            "bio.equilibrate_steps=4",
            "bio.npt_equilibrate_steps=10",
            "bio.barostat_frequency=2",
            "bio.production_steps=10",
            "bio.report_every=2",
            "trainer.progress_bar=false",
            "trainer.tensorboard=false",
            f"hydra.run.dir={out}",
        ]
    )
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.9 < metrics["mean_density_g_cm3"] < 1.1  # liquid water (TIP3P ≈ 0.98 g/cm³ at 300 K, 1 bar)
    assert 0.27 <= metrics["rdf_first_peak_nm"] <= 0.29  # the O–O hydrogen-bond peak (0.28 nm in experiment)
    rows = list(csv.DictReader(open(out / "energy.csv")))
    volumes = {round(float(r["box_volume_nm3"]), 9) for r in rows}
    assert len(volumes) > 1  # the barostat moved the box (14 moves at frequency 2)
    traj = mdtraj.load_dcd(str(out / "trajectory.dcd"), top=str(out / "final.pdb"))
    assert traj.n_frames == 5 and len({tuple(np.round(b, 6)) for b in traj.unitcell_lengths}) >= 1
    assert (out / "rdf.png").exists() and (out / "rdf.csv").exists()
