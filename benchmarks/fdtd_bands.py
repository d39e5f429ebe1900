"""Band structure of a 2-D photonic crystal with Bloch-periodic boundaries, in Meep and in ours.

The crystal of Joannopoulos et al., *Photonic Crystals: Molding the Flow of Light* (2nd ed., ch. 5): a square
lattice (period ``a``) of dielectric rods, ε = 8.9, radius 0.2 a, in air; TM polarisation (Ez). One unit cell with
Bloch boundaries at each wavevector of the Γ–X–M path; a Gaussian Ez point source at a low-symmetry point excites the
modes, and harmonic inversion of Ez at another point after the source reads their frequencies (Meep: its ``Harminv``;
ours: :func:`solvers.fdtd.harmonic_inversion`). Same resolution, Courant number 0.5, band and ring-down time.
Frequencies in ``c/a``, wavevectors in ``2π/a``. Meep is Debian's python3-meep in a subprocess.

``python benchmarks/fdtd_bands.py --resolution 16 --json benchmarks/results/fdtd_bands.json``
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from meep_runner import finish_rows, meep_available, parse_single_thread, run_meep

from physics.maxwell import C0, Cylinder, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import Probe, YeeGrid, coefficients, harmonic_inversion, run
from solvers.fdtd.rasterize import rasterize

EPS, RADIUS = 8.9, 0.2
F_CENTRE, F_WIDTH, RINGDOWN = 0.4, 0.7, 200.0  # band 0.05–0.75 c/a; ring-down in a/c
SOURCE_AT, PROBE_AT = (0.1234, 0.0567), (-0.3135, 0.2111)  # fractions of a from the cell centre, off symmetry
K_PATH = {"X": (0.5, 0.0), "M": (0.5, 0.5), "ΓX/2": (0.25, 0.0)}

MEEP_BANDS = """
import json, sys, time
import meep as mp
out, res, eps, r, fc, df, T = sys.argv[1], int(sys.argv[2]), *[float(v) for v in sys.argv[3:8]]
ks = json.loads(sys.argv[8]); src_at, probe_at = json.loads(sys.argv[9]), json.loads(sys.argv[10])
result, seconds = {}, 0.0
for name, (kx, ky) in ks.items():
    sim = mp.Simulation(cell_size=mp.Vector3(1, 1), geometry=[mp.Cylinder(r, material=mp.Medium(epsilon=eps))],
                        sources=[mp.Source(mp.GaussianSource(fc, fwidth=df), mp.Ez, mp.Vector3(*src_at))],
                        resolution=res, k_point=mp.Vector3(kx, ky), Courant=0.5)
    h = mp.Harminv(mp.Ez, mp.Vector3(*probe_at), fc, df)
    start = time.time()
    sim.run(mp.after_sources(h), until_after_sources=T)
    seconds += time.time() - start
    result[name] = sorted(complex(m.freq).real for m in h.modes if abs(m.Q) > 50)
json.dump({"bands": result, "seconds": seconds}, open(out, "w"))
"""


def meep_bands(resolution: int) -> dict:
    """Meep's TM frequencies (``c/a``, modes with |Q| > 50) at each wavevector of :data:`K_PATH`."""
    import json

    args = [resolution, EPS, RADIUS, F_CENTRE, F_WIDTH, RINGDOWN, json.dumps(K_PATH)]
    return run_meep(MEEP_BANDS, [*args, json.dumps(SOURCE_AT), json.dumps(PROBE_AT)])


def sciml_bands(resolution: int, k_points: dict | None = None, dtype=torch.float64) -> dict:
    """Our TM frequencies (``c/a``) at each wavevector: one unit cell, Bloch boundaries, subpixel-smoothed rod."""
    a = 1e-6
    dx = a / resolution
    out, seconds = {}, 0.0
    for name, (kx, ky) in (k_points or K_PATH).items():
        grid = YeeGrid(
            (resolution, resolution, 1),
            dx,
            ("periodic", "periodic", "periodic"),
            dt=0.5 * dx / C0,
            bloch=(2 * math.pi * kx / a, 2 * math.pi * ky / a, 0.0),
        )
        centre = (resolution / 2 * dx, resolution / 2 * dx, 0.0)
        eps = rasterize(grid, [Cylinder(centre, RADIUS * a, eps=EPS)])
        co = coefficients(grid, Materials(eps_r=eps), dtype=dtype)
        cell = lambda f: tuple(int(round(resolution / 2 + v * resolution)) % resolution for v in f) + (0,)
        profile = ModulatedGaussian(F_CENTRE * C0 / a, F_WIDTH * C0 / a)
        source_end = 8 * profile.width  # the envelope is centred at 4 widths
        steps = int(round((source_end + RINGDOWN * a / C0) / grid.time_step))
        start = time.perf_counter()
        signal = run(co, steps, [PointSource(cell(SOURCE_AT), profile, "ez")], [Probe(cell(PROBE_AT), "ez")])
        seconds += time.perf_counter() - start
        modes = harmonic_inversion(
            signal.probes["probe"].numpy(),
            grid.time_step,
            (F_CENTRE - F_WIDTH / 2) * C0 / a,
            (F_CENTRE + F_WIDTH / 2) * C0 / a,
            start=int(round(source_end / grid.time_step)),
        )
        out[name] = sorted(m.frequency * a / C0 for m in modes if abs(m.q) > 50)
    return {"bands": out, "seconds": seconds}


def pair_bands(ours: list, meep: list, count: int = 3) -> list[tuple[float, float]]:
    """The lowest ``count`` Meep bands, each with our nearest frequency."""
    return [(min(ours, key=lambda f: abs(f - m)), m) for m in meep[:count]]


def main() -> None:
    ap = argparse.ArgumentParser(description="TM bands of a square lattice of rods: Meep and ours")
    ap.add_argument("--resolution", type=int, default=16)
    args, guard = parse_single_thread(ap)
    ours = sciml_bands(args.resolution)
    ok, why = meep_available()
    meep = meep_bands(args.resolution) if ok else None
    rows = []
    conditions = {"threads": 1, "precision": "float64", "resolution": args.resolution}
    for name in K_PATH:
        found = ours["bands"][name]
        reference = meep["bands"][name] if meep else []
        for band, (f, m) in enumerate(pair_bands(found, reference) if meep else [(f, None) for f in found[:3]]):
            case = f"rods eps {EPS}, r {RADIUS}a, TM, k = {name}, band {band + 1}"
            rows.append(
                {"case": case, "variant": "sciml", "value": round(f, 6), "unit": "c/a", "ratio_to": None, **conditions}
            )
            if m is not None:
                rows.append(
                    {
                        "case": case,
                        "variant": "meep",
                        "value": round(m, 6),
                        "unit": "c/a",
                        "ratio_to": None,
                        **conditions,
                    }
                )
                rows.append(
                    {
                        "case": case,
                        "variant": "sciml/meep",
                        "value": round(f / m, 6),
                        "unit": "ratio",
                        "ratio_to": "meep",
                        **conditions,
                    }
                )
    finish_rows(rows, meep, ours["seconds"], "all k points: time stepping", conditions, why, args.json, guard)


if __name__ == "__main__":
    main()
