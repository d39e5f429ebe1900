"""The public surface: every public name is documented, and the core depends on nothing above it.

The layering rule: ``sciml`` never imports ``physics`` or ``solvers`` — not by an import statement and
not by an import path hidden in a string. Configs and zoo cards name registered plug-ins only.
"""

import ast
import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest
import yaml

import configs
import physics
import sciml
import solvers
from sciml.plugins import Experiment, ZooLoader, available, load

ROOTS = {"sciml": sciml, "physics": physics, "solvers": solvers}
MODULES = sorted(
    m.name
    for name, pkg in ROOTS.items()
    for m in pkgutil.walk_packages(pkg.__path__, f"{name}.")
    if not m.name.endswith("__main__")
)
UPPER = re.compile(r"^(physics|solvers)(\.\w+)+(:\w+)?$")


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_has_a_docstring(module):
    """A module's docstring and that of each class and function it exports (``__all__``) must exist."""
    mod = importlib.import_module(module)
    assert inspect.getdoc(mod), f"module {module} has no docstring"
    missing = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(obj):
            missing.append(name)
    assert not missing, f"{module} exports undocumented names: {missing}"


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def test_core_does_not_import_physics_or_solvers_not_even_by_string():
    root = Path(sciml.__file__).parent
    offenders = []
    for f in root.rglob("*.py"):
        tree = ast.parse(f.read_text())
        docs = _docstring_nodes(tree)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                if UPPER.match(node.value.strip()):
                    offenders.append(f"{f.relative_to(root)}: string {node.value!r}")
            offenders += [
                f"{f.relative_to(root)}: import {n}" for n in names if n.split(".")[0] in ("physics", "solvers")
            ]
    assert not offenders


def _config_values(tree, path=""):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _config_values(v, f"{path}.{k}" if path else str(k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _config_values(v, f"{path}[{i}]")
    else:
        yield path, tree


def _shipped_configs():
    root = Path(configs.__file__).parent
    files = sorted(root.rglob("*.yaml")) + sorted(
        (Path(sciml.__file__).parent / "zoo" / "entries").glob("*/config.yaml")
    )
    return [(f, yaml.safe_load(f.read_text()) or {}) for f in files]


def test_shipped_configs_and_cards_name_registered_plugins_only():
    """``runner``, ``_target_`` and a card's ``loader`` are registered names; no other value is an import path."""
    runners, components = set(available("sciml.experiments")), set(available("sciml.components"))
    bad = []
    for f, tree in _shipped_configs():
        for path, value in _config_values(tree):
            key = path.rsplit(".", 1)[-1]
            if not isinstance(value, str):
                continue
            if key == "runner" and value not in runners:
                bad.append(f"{f.name}: {path} = {value!r} is not a registered runner")
            elif key == "_target_" and value not in components and not value.startswith("sciml.cli."):
                bad.append(f"{f.name}: {path} = {value!r} is not a registered component")
            elif key not in ("_target_", "runner") and UPPER.match(value):
                bad.append(f"{f.name}: {path} = {value!r} is an import path")
    loaders = set(available("sciml.zoo_loaders"))
    for card in (Path(sciml.__file__).parent / "zoo" / "entries").glob("*/card.json"):
        loader = json.loads(card.read_text())["loader"]
        if loader not in loaders:
            bad.append(f"{card.parent.name}/card.json: loader {loader!r} is not a registered zoo loader")
    assert not bad, bad


def test_schema_defaults_hold_no_import_paths():
    from sciml.config.schema import schema_class

    defaults = schema_class()()
    for f in type(defaults).__dataclass_fields__:
        value = getattr(defaults, f)
        assert not (isinstance(value, str) and UPPER.match(value)), f"schema default {f} = {value!r}"


@pytest.mark.parametrize("group", ["sciml.experiments", "sciml.datasets", "sciml.zoo_loaders", "sciml.components"])
def test_every_registered_plugin_loads_as_its_kind(group):
    from sciml.plugins import DatasetGenerator

    kind = {"sciml.experiments": Experiment, "sciml.datasets": DatasetGenerator, "sciml.zoo_loaders": ZooLoader}
    names = available(group)
    assert names
    for name in names:
        obj = load(group, name)
        if group in kind:
            assert isinstance(obj, kind[group]), (group, name)
        else:
            assert callable(obj), name
