"""Every public name re-exported by a package has a docstring; the core never imports physics/solvers."""
import ast
import importlib
import inspect
from pathlib import Path

import pytest

PACKAGES = ["sciml.runtime", "sciml.autodiff", "sciml.fields", "sciml.networks", "sciml.geometry", "sciml.training",
            "sciml.checkpoint", "sciml.config", "sciml.data", "physics", "solvers", "solvers.pinn", "solvers.reference",
            "solvers.time_integrators", "solvers.navier_stokes", "solvers.burgers", "solvers.cavity", "solvers.euler",
            "solvers.darcy", "solvers.datasets", "solvers.operator_learning", "solvers.fdtd", "physics.maxwell"]


@pytest.mark.parametrize("pkg", PACKAGES)
def test_public_names_have_docstrings(pkg):
    mod = importlib.import_module(pkg)
    missing = []
    for name in mod.__all__:
        obj = getattr(mod, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(obj):
            missing.append(name)
    assert not missing, f"{pkg} exports undocumented names: {missing}"


def test_core_does_not_import_physics_or_solvers():
    root = Path(importlib.import_module("sciml").__file__).parent
    offenders = []
    for f in root.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{f.name}: {n}" for n in names if n.split(".")[0] in ("physics", "solvers")]
    assert not offenders
