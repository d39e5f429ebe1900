"""3-D near-to-far transformation in Meep (``near2far``) and in ours (:class:`solvers.fdtd.NearToFarBox3D`).

The case: a z-directed point current (a Hertzian dipole) in vacuum, a cube of ``n`` cells with 10 cells of PML,
``resolution`` cells per wavelength, a closed near-field box halfway between source and PML. Both codes run the same
grid, source band (Gaussian, width half the centre frequency) and duration, and are scored against the dipole's
closed forms, independent of either code:

- ``pattern_error``: max |P(θ, φ)/scale − sin²θ| over a Gauss–Legendre × uniform sphere quadrature (least-squares
  scale), i.e. the far-field shape;
- ``cross_polarization``: max |E_φ| / max |E_θ| (0 for a z dipole);
- ``power_vs_flux``: far-field power integrated over the sphere divided by the Poynting flux through the same box,
  minus 1 (each code's own flux);
- ``seconds``: wall time of the time stepping with the DFTs, one thread each (Meep runs serially here).

Meep is Debian's python3-meep in a subprocess (it imports only under ``/usr/bin/python3``).
``python benchmarks/fdtd_near2far_3d.py --json benchmarks/results/fdtd_near2far_3d.json``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from meep_runner import finish_rows, meep_available, parse_single_thread, run_meep

from physics.maxwell import C0, ETA0, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import NearToFarBox3D, YeeGrid, coefficients, run, sphere_quadrature, spherical_components

PML = 10

MEEP_DIPOLE = """
import json, sys, time
import numpy as np
import meep as mp
out, n, res, pml, half, duration, nth, nph = sys.argv[1], *[float(v) for v in sys.argv[2:9]]
n, res, pml, half, nth, nph = int(n), int(res), int(pml), int(half), int(nth), int(nph)
s = n / res  # cell edge in wavelengths (frequency 1)
src = [mp.Source(mp.GaussianSource(1.0, fwidth=0.5), mp.Ez, mp.Vector3())]
sim = mp.Simulation(cell_size=mp.Vector3(s, s, s), sources=src, resolution=res,
                    boundary_layers=[mp.PML(pml / res)], Courant=0.5)
h = half / res
faces = []
for ax in range(3):
    for sign in (-1, 1):
        c = [0.0, 0.0, 0.0]; c[ax] = sign * h
        sz = [2 * h] * 3; sz[ax] = 0
        faces.append((mp.Vector3(*c), mp.Vector3(*sz), sign))
n2f = sim.add_near2far(1.0, 0, 1, *[mp.Near2FarRegion(center=c, size=z, weight=w) for c, z, w in faces])
flux = sim.add_flux(1.0, 0, 1, *[mp.FluxRegion(center=c, size=z, weight=w) for c, z, w in faces])
start = time.time()
sim.run(until=duration)
seconds = time.time() - start
mu, wmu = np.polynomial.legendre.leggauss(nth)
R = 1e6
rows = []
for th, wt in zip(np.arccos(mu), wmu):
    for ph in np.arange(nph) * 2 * np.pi / nph:
        d = np.array([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)])
        f = sim.get_farfield(n2f, mp.Vector3(*(R * d)))
        rows.append([th, ph, wt * 2 * np.pi / nph] + [v.real for v in f] + [v.imag for v in f])
json.dump({"rows": rows, "flux": mp.get_fluxes(flux)[0], "seconds": seconds, "radius": R}, open(out, "w"))
"""


def _scores(theta, weights, e_theta, e_phi, power_density, flux) -> dict:
    """Pattern error, cross-polarisation and far power / flux − 1 from far-field samples on the quadrature."""
    total = np.abs(e_theta) ** 2 + np.abs(e_phi) ** 2
    expected = np.sin(theta) ** 2
    scale = (total * expected).sum() / (expected**2).sum()
    power = float((power_density * weights).sum())
    return {
        "pattern": total / scale,  # the normalised pattern on the quadrature (not written to JSON)
        "pattern_error": float(np.abs(total / scale - expected).max()),
        "cross_polarization": float(np.abs(e_phi).max() / np.abs(e_theta).max()),
        "power_vs_flux": power / flux - 1,
    }


def meep_dipole(n: int, resolution: int, half: int, duration: float, n_theta: int, n_phi: int) -> dict:
    """Meep's near2far of the dipole (units: wavelength 1, frequency 1, ε₀ = μ₀ = 1)."""
    out = run_meep(MEEP_DIPOLE, [n, resolution, PML, half, duration, n_theta, n_phi])
    r = np.array(out["rows"])
    theta, phi, w = r[:, 0], r[:, 1], r[:, 2]
    f = r[:, 3:9] + 1j * r[:, 9:15]  # Ex Ey Ez Hx Hy Hz at radius R
    e, hf = f[:, :3], f[:, 3:]
    d = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], -1)
    e_th = (e * np.stack([np.cos(theta) * np.cos(phi), np.cos(theta) * np.sin(phi), -np.sin(theta)], -1)).sum(-1)
    e_ph = (e * np.stack([-np.sin(phi), np.cos(phi), np.zeros_like(phi)], -1)).sum(-1)
    # Meep's flux and far-field Poynting vector are Re(E* × H) without the ½ of a time average (its tutorials
    # compare the two this way), so both sides of power/flux use its convention
    density = np.real((np.cross(e, hf.conj()) * d).sum(-1)) * out["radius"] ** 2
    return {**_scores(theta, w, e_th, e_ph, density, out["flux"]), "seconds": out["seconds"]}


def sciml_dipole(n: int, resolution: int, half: int, duration_cells: float, n_theta: int, n_phi: int) -> dict:
    """Ours on the same grid: a soft Ez point source, the box's DFT record, far fields on the same quadrature."""
    dx = 1e-6 / resolution  # wavelength 1 µm
    f0 = C0 / 1e-6
    grid = YeeGrid((n, n, n), dx, pml_cells=PML, dt=0.5 * dx / C0)
    co = coefficients(grid, Materials(), dtype=torch.float64)
    c = n // 2
    source = PointSource((c, c, c), ModulatedGaussian(f0, 0.5 * f0), "ez")
    box = NearToFarBox3D((c - half,) * 3, (c + half,) * 3)
    steps = int(round(duration_cells * dx / C0 / grid.time_step))
    start = time.perf_counter()
    record = run(co, steps, [source], [box.monitor([f0])]).dft[box.name]
    seconds = time.perf_counter() - start
    dirs, w, theta, phi = sphere_quadrature(n_theta, n_phi)
    a = box.far_field(record, grid, [f0], dirs)[0]
    e_th, e_ph = spherical_components(a, theta, phi)
    density = (a.abs() ** 2).sum(-1) / (2 * ETA0)
    flux = float(box.surface_flux(record, grid)[0])
    scores = _scores(theta.numpy(), w.numpy(), e_th.numpy(), e_ph.numpy(), density.numpy(), flux)
    return {**scores, "seconds": seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description="3-D near-to-far: a Hertzian dipole in Meep and in ours")
    ap.add_argument("--n", type=int, default=50, help="cells per edge (10 of them PML on each side)")
    ap.add_argument("--resolution", type=int, default=20, help="cells per wavelength")
    args, guard = parse_single_thread(ap)
    half = (args.n - 2 * PML) // 2 - 3
    duration = 6.0 * args.n  # in cells of light travel (c·t/Δx), both codes
    n_theta, n_phi = 24, 48
    rows = []
    ours = sciml_dipole(args.n, args.resolution, half, duration, n_theta, n_phi)
    ok, why = meep_available()
    meep = meep_dipole(args.n, args.resolution, half, duration / args.resolution, n_theta, n_phi) if ok else None
    case = f"z dipole, {args.n}^3 cells, {args.resolution} cells/wavelength"
    units = {"pattern_error": "max abs", "cross_polarization": "ratio", "power_vs_flux": "relative", "seconds": "s"}
    conditions = {"threads": 1, "precision": "float64"}
    for key, unit in units.items():
        rows.append(
            {
                "case": f"{case}: {key}",
                "variant": "sciml",
                "value": ours[key],
                "unit": unit,
                "ratio_to": None,
                **conditions,
            }
        )
        if meep:
            rows.append(
                {
                    "case": f"{case}: {key}",
                    "variant": "meep",
                    "value": meep[key],
                    "unit": unit,
                    "ratio_to": None,
                    **conditions,
                }
            )
    finish_rows(rows, meep, ours["seconds"], f"{case}: seconds", conditions, why, args.json, guard)


if __name__ == "__main__":
    main()
