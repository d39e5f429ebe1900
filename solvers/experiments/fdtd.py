"""FDTD experiments: ``sciml run experiment=fdtd_dipole2d`` (and the inverse-scattering demo in
:mod:`solvers.experiments.fdtd_inverse`).

The dipole run writes ``snapshots.png`` (Ez at four times), ``dipole.gif`` (animation),
``snapshots.h5`` (all frames, HDF5), ``ez_final.vtu`` (the last frame for ParaView, via meshio)
and ``metrics.json`` (including the far-field check ``|E|²(r)/|E|²(2r)``, which should be near 2).
"""
from __future__ import annotations

import numpy as np
import torch

from physics.maxwell import C0, Materials, ModulatedGaussian, PointSource
from sciml.data import SnapshotWriter
from solvers.experiments.common import finish, plot_fields, save_animation, start
from solvers.fdtd import DFTMonitor, Snapshots, YeeGrid, coefficients, run as fdtd_run


def run(cfg, out_dir="."):
    out, p, t0 = start(cfg, out_dir)
    n, dx, cells_per_wl = int(p["n"]), float(p["dx"]), float(p["cells_per_wavelength"])
    grid = YeeGrid((n, n, 1), dx, ("pml", "pml", "periodic"), pml_cells=int(p.get("pml_cells", 12)))
    f0 = C0 / (cells_per_wl * dx)
    c = n // 2
    src = PointSource((c, c, 0), ModulatedGaussian(f0, float(p.get("bandwidth", 0.3)) * f0), "ez")
    every = int(p.get("snapshot_every", 10))
    steps = int(p["steps"])
    co = coefficients(grid, Materials(eps_r=float(p.get("eps_r", 1.0))), dtype=torch.float32)
    mon = [Snapshots(every, ("ez",)), DFTMonitor((f0,), ("ez",), (slice(None), slice(None), 0))]
    res = fdtd_run(co, steps, [src], mon, progress=bool(cfg.trainer.progress_bar))
    frames = res.snapshots["snapshots"]["ez"][..., 0].numpy()
    times = res.snapshots["snapshots"]["t"].numpy()
    with SnapshotWriter(out / "snapshots.h5", {"solver": "solvers.fdtd", "dx": dx, "dt": grid.time_step,
                                              "frequency": f0, "shape": list(grid.shape)}) as w:
        for t, fr in zip(times, frames):
            w.append(float(t), ez=fr)
    pick = np.linspace(0, len(frames) - 1, 4).round().astype(int)
    vmax = float(np.abs(frames).max()) * 0.5
    plot_fields(out / "snapshots.png", {f"Ez, t = {times[k] * 1e9:.2f} ns": np.clip(frames[k], -vmax, vmax) for k in pick},
                extent=[0, n * dx * 1e3, 0, n * dx * 1e3], suptitle=f"2-D TM point source, f0 = {f0 / 1e9:.2f} GHz (mm axes)")
    if p.get("animation", True):
        save_animation(out / "dipole.gif", [np.clip(f, -vmax, vmax) for f in frames], [float(t) * 1e9 for t in times],
                       "Ez (t in ns)")
    _write_vtu(out / "ez_final.vtu", frames[-1], dx)
    e2 = res.dft["dft"]["ez"][0].abs().numpy() ** 2
    r1 = int(p.get("far_field_cells", 2 * cells_per_wl))
    ratios = [e2[c + r1, c] / e2[c + 2 * r1, c], e2[c, c + r1] / e2[c, c + 2 * r1]] if c + 2 * r1 < n - grid.pml_cells else []
    metrics = {"frequency_hz": f0, "dt_s": grid.time_step, "steps": steps, "cells": grid.cells,
               "far_field_ratio_r_2r": float(np.mean(ratios)) if ratios else None, "meep_band": [1.88, 2.12]}
    return finish(out, cfg, t0, metrics)


def _write_vtu(path, field: np.ndarray, dx: float) -> None:
    """A 2-D field on cell centres as a VTK unstructured grid of quads (ParaView), through meshio."""
    import meshio

    nx, ny = field.shape
    xs, ys = np.meshgrid(np.arange(nx + 1) * dx, np.arange(ny + 1) * dx, indexing="ij")
    pts = np.stack([xs.ravel(), ys.ravel(), np.zeros(xs.size)], 1)
    idx = np.arange((nx + 1) * (ny + 1)).reshape(nx + 1, ny + 1)
    quads = np.stack([idx[:-1, :-1].ravel(), idx[1:, :-1].ravel(), idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()], 1)
    meshio.write(path, meshio.Mesh(pts, [("quad", quads)], cell_data={"ez": [field.ravel().astype(np.float64)]}))


__all__ = ["run"]
