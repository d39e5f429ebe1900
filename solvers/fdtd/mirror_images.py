"""DFT records completed by their mirror images: a box that starts on a mirror plane, closed by its image.

A grid with ``mirror[a] = p`` (:class:`~solvers.fdtd.grid.YeeGrid`) holds the half ``x_a ≥ 0`` of a domain whose
fields obey, under the reflection ``x_a → −x_a`` (E a vector, H a pseudovector; Meep's ``Mirror`` with phase ``p``):

    E_a(−x) = −p E_a(x),   E_t(−x) = p E_t(x),   H_a(−x) = p H_a(x),   H_t(−x) = −p H_t(x)

(``t`` the components tangential to the plane). A component sampled at the integer nodes ``i`` of ``a`` has its
image at ``−i``; one sampled at ``i + ½`` (``E_a``, and ``H_t``, on the Yee grid) at ``−i − 1 + ½``. So a DFT
record of nodes ``0 … M`` along ``a`` fills nodes ``−M … M`` of the whole domain: a near-to-far box that starts on
the plane (``lo[a] = 0``) becomes the symmetric box ``−hi[a] … hi[a]`` of the full run, and the transformation then
proceeds as if the whole domain had been simulated. The far field is the whole domain's.
"""

from __future__ import annotations

import torch
from torch import Tensor

from solvers.fdtd.grid import YeeGrid


def image_parity(component: str, axis: int, phase: int) -> int:
    """The factor a field ``component`` (``"ex"`` … ``"hz"``) takes at its mirror image across a plane normal to
    ``axis`` with ``phase`` (±1)."""
    kind, along = component[0], "xyz".index(component[1])
    tangential = along != axis
    if kind == "e":
        return phase if tangential else -phase
    return -phase if tangential else phase


def sampled_between_nodes(component: str, axis: int) -> bool:
    """Whether ``component`` sits at ``i + ½`` along ``axis`` on the Yee grid (``E_a`` along its own axis, ``H_d``
    along the other two)."""
    kind, along = component[0], "xyz".index(component[1])
    return (along == axis) if kind == "e" else (along != axis)


def unfold_box_record(dft: dict, grid: YeeGrid, lo, hi) -> tuple[dict, tuple]:
    """The DFT record of a box (``[n_freq, X, Y(, Z)]`` per component, nodes ``lo − 1 … hi + 1``, or ``0 … hi + 1``
    along a mirrored axis where ``lo = 0``) completed by its images, and the full box's ``lo`` (``−hi`` there).
    Returns the record and ``lo`` unchanged on a grid without mirror planes."""
    out = dict(dft)
    lo_full = [int(v) for v in lo]
    for axis, phase in enumerate(grid.mirror):
        if not phase or axis >= len(lo_full):
            continue
        m = int(hi[axis]) + 1  # the record holds nodes 0 … m along this axis
        dim = axis + 1
        for name, f in out.items():
            if f.shape[dim] != m + 1:
                raise ValueError(
                    f"the DFT record of {name!r} has {f.shape[dim]} samples along {'xyz'[axis]}, not the {m + 1} "
                    "of a box that starts on the mirror plane: record it with the box's own monitor(frequencies)."
                )
            # nodes −m … −1 are the images of 1 … m (on the nodes) or of 0 … m − 1 (between them)
            source = f.narrow(dim, 0 if sampled_between_nodes(name, axis) else 1, m)
            image: Tensor = torch.flip(source, (dim,)) * image_parity(name, axis, phase)
            out[name] = torch.cat([image, f], dim)
        lo_full[axis] = -int(hi[axis])
    return out, tuple(lo_full)


__all__ = ["image_parity", "sampled_between_nodes", "unfold_box_record"]
