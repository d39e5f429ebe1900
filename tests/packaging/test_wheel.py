"""The built wheel carries the three packages and the YAML configs; configs compose from it."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if r.returncode != 0:
        pytest.fail(f"wheel build failed: {r.stderr[-2000:]}")
    (whl,) = out.glob("sciml-*.whl")
    return whl


def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for must in (
        "sciml/__init__.py",
        "physics/__init__.py",
        "solvers/__init__.py",
        "configs/__init__.py",
        "configs/config.yaml",
        "configs/experiment/burgers_pinn.yaml",
        "configs/model/mlp.yaml",
        "solvers/fdtd/yee_kernel.cpp",  # native kernels are compiled from their shipped sources on first use
        "solvers/md/native/cell_list.cpp",
        "physics/forcefields/biomolecular/pair_kernel.cpp",
    ):
        assert must in names, must
    assert not any(n.startswith("tests/") for n in names)


def test_configs_compose_from_installed_wheel(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import configs, sciml; from sciml.config import compose; cfg = compose(['model.width=5']);"
        "print(configs.__file__); print(cfg.experiment, cfg.model.width)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 0, r.stderr
    where, summary = r.stdout.strip().splitlines()
    assert where.startswith(str(target)) and summary == "burgers_pinn 5"


def test_zoo_loads_offline_from_installed_wheel(wheel, tmp_path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "sciml/zoo/registry.json" in names
    assert "sciml/zoo/entries/poisson_disk_pinn/checkpoint/model.safetensors" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import sciml.zoo as z; m = z.load('poisson_disk_pinn'); print(z.__file__);"
        "print(m.evaluate()['rel_l2'], z.info('poisson_disk_pinn')['metrics']['rel_l2'])"
    )
    site_deps = [p for p in sys.path if p.endswith("site-packages")]
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PYTHONPATH": ":".join([str(target), *site_deps]),
            "PATH": "/usr/bin:/bin",
            "no_proxy": "*",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
        },
    )
    assert r.returncode == 0, r.stderr[-2000:]
    where, values = r.stdout.strip().splitlines()[-2:]
    assert str(target) in where
    now, card = map(float, values.split())
    assert abs(now - card) <= 0.02 * card
