"""GDS import: polygons written with gdstk come back as prisms at the right place and size."""

import math

import pytest
import torch

from physics.maxwell.gds import gds_prisms

gdstk = pytest.importorskip("gdstk", reason="GDS import needs gdstk (pip install 'sciml[photonics]')")


def _write(tmp_path):
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    cell = lib.new_cell("TOP")
    cell.add(gdstk.rectangle((-1, -0.25), (1, 0.25), layer=1))
    cell.add(gdstk.regular_polygon((3, 0), 0.5, 6, layer=1, datatype=2))
    cell.add(gdstk.rectangle((0, 2), (1, 3), layer=7))
    path = tmp_path / "device.gds"
    lib.write_gds(str(path))
    return path


def test_layer_polygons_become_prisms_in_metres(tmp_path):
    path = _write(tmp_path)
    prisms = gds_prisms(path, layer=1, eps=12.0, z_min=0, z_max=0.22e-6, offset=(5e-6, 5e-6))
    assert len(prisms) == 2
    rect = gds_prisms(path, layer=1, datatype=0, eps=12.0, offset=(5e-6, 5e-6))
    assert len(rect) == 1
    probe = torch.tensor(
        [[5e-6, 5e-6, 0.0], [5e-6 + 0.9e-6, 5e-6, 0.0], [5e-6 + 1.2e-6, 5e-6, 0.0]], dtype=torch.float64
    )
    d = rect[0].signed_distance(probe)
    assert math.isclose(float(d[0]), -0.25e-6, rel_tol=1e-9)  # centre: a quarter micron from the long sides
    assert float(d[1]) < 0 < float(d[2])
    hexagon = gds_prisms(path, layer=1, datatype=2)[0]
    centre = torch.tensor([[3e-6, 0.0, 0.0]], dtype=torch.float64)
    assert float(hexagon.signed_distance(centre)) == pytest.approx(
        -0.5e-6 * math.cos(math.pi / 6), abs=2e-9
    )  # GDS grid: 1 nm


def test_a_missing_layer_or_file_is_named(tmp_path):
    path = _write(tmp_path)
    with pytest.raises(ValueError, match=r"no polygons on layer 3.*\(1, 0\), \(1, 2\), \(7, 0\)"):
        gds_prisms(path, layer=3)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gds_prisms(tmp_path / "nope.gds", layer=1)
