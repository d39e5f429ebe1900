"""Cylinder-wake data for the Navier–Stokes inverse problem, made by our own solver.

Raissi, Perdikaris & Karniadakis (2019, §4.2.1) identify ``λ₁`` and ``λ₂`` of the 2-D Navier–Stokes
equations from sparse velocity samples of the wake behind a cylinder at Re = 100, in the window
``x ∈ [1, 8]``, ``y ∈ [−2, 2]`` (cylinder centre at the origin, diameter 1) over ``t ∈ [0, 20]``
(200 snapshots). Here the flow comes from :mod:`solvers.grid.navier_stokes.cylinder_wake`
(penalised pseudo-spectral): spin-up until shedding is periodic, then the window is recorded.

``wake_snapshots(path)`` writes an HDF5 file (``x [nx]``, ``y [ny]``, ``t [nt]``, ``u``, ``v``, ``p``
``[nt, nx, ny]`` in window coordinates, float32, attributes ``nu``, ``re``, ``strouhal``), via a
``.partial`` file renamed on success. ``wake_observations(path, n)`` samples ``n`` random
space-time points of it into a CSV ``x,y,t,u,v`` (optionally with noise).
"""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
from tqdm.auto import tqdm

from solvers.grid.navier_stokes.cylinder_wake import (
    WakeDomain,
    initial_state,
    lift_signal,
    pressure,
    step,
    strouhal,
    velocity,
)

WINDOW = ((1.0, 8.0), (-2.0, 2.0))  # relative to the cylinder centre (Raissi et al. 2019)


def wake_snapshots(
    path: str | os.PathLike,
    *,
    nu: float = 0.01,
    nx: int = 256,
    ny: int = 128,
    dt: float = 0.01,
    spinup: float = 100.0,
    duration: float = 20.0,
    every: float = 0.1,
    progress: bool = True,
) -> Path:
    """Run the wake to ``spinup + duration`` and record the window every ``every`` time units. Returns ``path``."""
    path = Path(path)
    d = WakeDomain(nx=nx, ny=ny, nu=nu)
    stride = int(round(every / dt))
    if abs(stride * dt - every) > 1e-9 or stride < 1:
        raise ValueError(f"snapshot interval every={every} must be a multiple of dt={dt}.")
    n_spin, n_rec = int(round(spinup / dt)), int(round(duration / every))
    x, y = d.coordinates()
    xs, ys = x[:, 0].numpy() - d.centre[0], y[0].numpy() - d.centre[1]
    ix = np.nonzero((xs >= WINDOW[0][0] - 1e-9) & (xs <= WINDOW[0][1] + 1e-9))[0]
    iy = np.nonzero((ys >= WINDOW[1][0] - 1e-9) & (ys <= WINDOW[1][1] + 1e-9))[0]
    s = initial_state(d)
    total = n_spin + n_rec * stride
    probe_t, probe_v, snaps = [], [], {"u": [], "v": [], "p": []}
    bar = tqdm(total=total, desc=f"cylinder wake Re={d.reynolds:g}", unit="step", disable=not progress)
    for k in range(1, total + 1):
        s = step(s, d, dt)
        bar.update(1)
        if k > n_spin // 2 and k % 10 == 0:
            probe_t.append(s.t)
            probe_v.append(lift_signal(s, d))
        if k >= n_spin and (k - n_spin) % stride == 0:
            u, v = velocity(s, d)
            if not bool(np.isfinite(u.numpy()).all()):
                raise FloatingPointError(f"cylinder wake became non-finite at t={s.t:g}; reduce dt (now {dt:g}).")
            for name, f in (("u", u), ("v", v), ("p", pressure(s, d))):
                snaps[name].append(f.numpy()[np.ix_(ix, iy)].astype(np.float32))
    bar.close()
    try:
        st = strouhal(probe_t, probe_v)
    except ValueError:  # too short a run to count shedding cycles (toy sizes in tests)
        st = float("nan")
    partial = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(partial, "w") as f:
        f["x"], f["y"] = xs[ix], ys[iy]
        f["t"] = np.arange(len(snaps["u"])) * every
        for name, arr in snaps.items():
            f.create_dataset(name, data=np.stack(arr), compression="gzip", shuffle=True, fletcher32=True)
        f.attrs.update(
            {
                "nu": nu,
                "re": d.reynolds,
                "strouhal": st,
                "dt": dt,
                "spinup": spinup,
                "nx": nx,
                "ny": ny,
                "solver": "solvers.grid.navier_stokes.cylinder_wake (volume penalisation, pseudo-spectral)",
                "complete": True,
            }
        )
    os.replace(partial, path)
    return path


def read_wake(path: str | os.PathLike) -> dict:
    """The snapshot file as arrays, after checking it is complete."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"cylinder-wake snapshots {path} do not exist; make them with wake_snapshots(path).")
    with h5py.File(path, "r") as f:
        if not f.attrs.get("complete", False):
            raise ValueError(f"{path} is incomplete (an interrupted write); delete it and regenerate.")
        return {k: f[k][...] for k in ("x", "y", "t", "u", "v", "p")} | {"attrs": dict(f.attrs)}


def wake_observations(
    path: str | os.PathLike,
    n: int = 5000,
    noise: float = 0.0,
    seed: int = 0,
    snapshots: str | os.PathLike | None = None,
    **solver,
) -> Path:
    """``n`` random samples ``x,y,t,u,v`` of the wake (window coordinates) as CSV; snapshots are made if missing.

    ``u_obs = u + noise·std(u)·ξ`` (and likewise ``v``), ``ξ ~ N(0, 1)``.
    """
    from sciml.checkpoint import atomic_write_text

    path = Path(path)
    snap = Path(snapshots) if snapshots else path.with_name("cylinder_wake_snapshots.h5")
    if not snap.exists():
        wake_snapshots(snap, **solver)
    w = read_wake(snap)
    rng = np.random.default_rng(seed)
    nt, nx, ny = w["u"].shape
    k, i, j = rng.integers(0, nt, n), rng.integers(0, nx, n), rng.integers(0, ny, n)
    u, v = w["u"][k, i, j].astype(float), w["v"][k, i, j].astype(float)
    u = u + noise * u.std() * rng.standard_normal(n)
    v = v + noise * v.std() * rng.standard_normal(n)
    rows = "\n".join(
        f"{a:.9g},{b:.9g},{c:.9g},{e:.9g},{g:.9g}" for a, b, c, e, g in zip(w["x"][i], w["y"][j], w["t"][k], u, v)
    )
    atomic_write_text(path, f"x,y,t,u,v\n{rows}\n")
    return path
