"""The documentation's tutorials run as they are (slow: a few minutes in all)."""

import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = sorted((Path(__file__).resolve().parent.parent / "docs" / "tutorials").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("script", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(script, tmp_path):
    r = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "work")], cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]


def test_every_tutorial_is_in_the_docs():
    page = (Path(__file__).resolve().parent.parent / "docs" / "tutorials.md").read_text()
    assert all(f"docs/tutorials/{p.name}" in page for p in TUTORIALS)
