"""Planar devices from GDSII layouts: the polygons of one layer, extruded to :class:`~physics.maxwell.geometry.Prism`.

Reads with ``gdstk`` (optional extra ``photonics``). Paths and references are flattened to polygons by gdstk;
coordinates are scaled by the library's user unit to metres and shifted by ``offset`` (GDS layouts are usually
centred on the origin; the FDTD grid starts at its corner).
"""

from __future__ import annotations

import math
from pathlib import Path

from physics.maxwell.geometry import Prism


def _gdstk():
    try:
        import gdstk
    except ImportError as err:
        raise ImportError("reading GDS needs gdstk: pip install 'sciml[photonics]' (or pip install gdstk).") from err
    return gdstk


def gds_prisms(
    path,
    layer: int,
    datatype: int | None = None,
    eps: float = 1.0,
    z_min: float = -math.inf,
    z_max: float = math.inf,
    offset=(0.0, 0.0),
    cell: str | None = None,
) -> list[Prism]:
    """The polygons of ``layer`` (and ``datatype``, any by default) in ``cell`` (the only top cell by default) of
    the GDS file ``path``, as prisms of permittivity ``eps`` over ``z_min … z_max`` (m), shifted by ``offset`` (m)."""
    gdstk = _gdstk()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"GDS file {path} does not exist; check the path (relative to {Path.cwd()}).")
    lib = gdstk.read_gds(str(path))
    cells = {c.name: c for c in lib.cells}
    if cell is None:
        tops = lib.top_level()
        if len(tops) != 1:
            raise ValueError(
                f"{path} has {len(tops)} top-level cells ({sorted(c.name for c in tops)}); name one with cell=."
            )
        chosen = tops[0]
    elif cell in cells:
        chosen = cells[cell]
    else:
        raise ValueError(f"{path} has no cell {cell!r}; its cells are {sorted(cells)}.")
    polygons = (
        chosen.get_polygons(layer=layer, datatype=datatype)
        if datatype is not None
        else [p for p in chosen.get_polygons() if p.layer == layer]
    )
    if not polygons:
        present = sorted({(p.layer, p.datatype) for p in chosen.get_polygons()})
        raise ValueError(
            f"{path} (cell {chosen.name!r}) has no polygons on layer {layer}"
            f"{'' if datatype is None else f', datatype {datatype}'}; the (layer, datatype) pairs present are "
            f"{present}."
        )
    scale, (x0, y0) = lib.unit, offset
    return [Prism([[x * scale + x0, y * scale + y0] for x, y in p.points], z_min, z_max, eps) for p in polygons]


__all__ = ["gds_prisms"]
