"""The ring resonator of Meep's Harminv tutorial, in Meep and in our FDTD: resonant frequencies and Q.

Units ``a = 1`` µm, frequencies in ``c/a``. A ring of index 3.4, inner radius 1 and width 1 in vacuum; cell
16 × 16 with 2 of PML; an Ez point source just inside the ring's inner edge excites whispering-gallery modes in
0.1–0.2 ``c/a``; after the source the field at that point rings down for 300 ``a/c``. Meep's ``Harminv`` and our
:func:`solvers.fdtd.harmonic_inversion` read the same kind of signal (Meep in a subprocess: Debian's python3-meep
runs under ``/usr/bin/python3`` only).
"""

from __future__ import annotations

import torch
from meep_runner import run_meep

from physics.maxwell import C0, Cylinder, Materials, ModulatedGaussian, PointSource
from solvers.fdtd import Probe, YeeGrid, coefficients, harmonic_inversion, run
from solvers.fdtd.rasterize import rasterize

N, R, W, PAD, PML = 3.4, 1.0, 1.0, 4.0, 2.0
SIZE = 2 * (R + W + PAD + PML)
F_CENTRE, F_WIDTH, RINGDOWN = 0.15, 0.1, 300.0

MEEP_RING = """
import json, sys, time
import meep as mp
out, res = sys.argv[1], int(sys.argv[2])
N, R, W, S, PML, FC, DF, T = [float(v) for v in sys.argv[3:11]]
geometry = [mp.Cylinder(R + W, material=mp.Medium(index=N)), mp.Cylinder(R, material=mp.vacuum)]
src = mp.Source(mp.GaussianSource(FC, fwidth=DF), mp.Ez, mp.Vector3(R + 0.1))
sim = mp.Simulation(cell_size=mp.Vector3(S, S), geometry=geometry, sources=[src], resolution=res,
                    boundary_layers=[mp.PML(PML)], Courant=0.5)
h = mp.Harminv(mp.Ez, mp.Vector3(R + 0.1), FC, DF)
start = time.time()
sim.run(mp.after_sources(h), until_after_sources=T)
json.dump({"modes": [{"frequency": complex(m.freq).real, "q": complex(m.Q).real, "amplitude": abs(m.amp),
                      "error": abs(m.err)} for m in h.modes],
           "seconds": time.time() - start, "source_end": src.src.swigobj.last_time_max(), "time": sim.meep_time()},
          open(out, "w"))
"""


def meep_ring(resolution: int) -> dict:
    """Meep's Harminv modes of the ring (``frequency`` in ``c/a``, ``q``) and when its source ended."""
    return run_meep(MEEP_RING, [resolution, N, R, W, SIZE, PML, F_CENTRE, F_WIDTH, RINGDOWN])


def sciml_ring(resolution: int, source_end: float, dtype=torch.float64) -> list:
    """Our modes of the same ring: harmonic inversion of Ez at the source point after ``source_end`` (``a/c``)."""
    a = 1e-6
    n = int(round(SIZE * resolution))
    dx = a / resolution
    grid = YeeGrid((n, n, 1), dx, ("pml", "pml", "periodic"), pml_cells=int(PML * resolution), dt=0.5 * dx / C0)
    centre = (n // 2 * dx, n // 2 * dx, 0.0)  # Meep's origin: the cell centre, an Ez point
    eps = rasterize(grid, [Cylinder(centre, (R + W) * a, eps=N * N), Cylinder(centre, R * a, eps=1.0)])
    co = coefficients(grid, Materials(eps_r=eps), dtype=dtype)
    at = (n // 2 + int(round((R + 0.1) * resolution)), n // 2, 0)
    # the same band; a shorter envelope than Meep's, over well before the ring-down starts
    profile = ModulatedGaussian(F_CENTRE * C0 / a, F_WIDTH * C0 / a)
    total = source_end + RINGDOWN
    steps = int(round(total * a / C0 / grid.time_step))
    signal = run(co, steps, [PointSource(at, profile, "ez")], [Probe(at, "ez")]).probes["probe"]
    start = int(round(source_end * a / C0 / grid.time_step))
    modes = harmonic_inversion(
        signal.numpy(),
        grid.time_step,
        (F_CENTRE - F_WIDTH / 2) * C0 / a,
        (F_CENTRE + F_WIDTH / 2) * C0 / a,
        start=start,
    )
    return [
        {"frequency": m.frequency * a / C0, "q": m.q, "amplitude": abs(m.amplitude), "error": m.error} for m in modes
    ]


def main() -> None:
    """Print the ring's modes from Meep's Harminv and ours at one resolution."""
    import argparse

    ap = argparse.ArgumentParser(description="the Harminv ring in Meep and in our FDTD, side by side")
    ap.add_argument("--resolution", type=int, default=20)
    args = ap.parse_args()
    meep = meep_ring(args.resolution)
    ours = sciml_ring(args.resolution, meep["source_end"])
    for m in meep["modes"]:
        o = min(ours, key=lambda r: abs(r["frequency"] - m["frequency"]))
        print(
            f"Meep f = {m['frequency']:.6f} Q = {m['q']:8.1f}   ours f = {o['frequency']:.6f} "
            f"({o['frequency'] / m['frequency'] - 1:+.4%}) Q = {o['q']:8.1f} ({o['q'] / m['q'] - 1:+.1%})"
        )


if __name__ == "__main__":
    main()
