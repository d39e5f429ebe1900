"""A binary grating lit obliquely through Bloch-periodic boundaries, in Meep and in our FDTD, side by side.

One period ``P = 1`` µm of glass teeth (``n = 1.5``, width 0.5, height 0.4 µm) on a glass substrate, lit from air
at 10° (at λ = 0.8 µm; ``k_x`` fixed, so the angle moves with λ) by one plane wave: Meep's ``k_point`` with a line
source of amplitude ``e^{i k_x x}``, ours :func:`solvers.fdtd.periodic_response` with ``k_parallel``. Both codes
get the same cell (our layout, in cells: CPML, source, reflection line, the grating, the substrate, transmission
line, CPML), resolution and monitors; ``R`` and ``T`` sum all diffraction orders (λ < P: several propagate).
Meep (Debian's ``python3-meep``) runs under ``/usr/bin/python3`` in a subprocess.

    python benchmarks/fdtd_grating.py [--resolution 20] [--json benchmarks/results/fdtd_grating.json]
    python benchmarks/fdtd_grating.py --orders [--json benchmarks/results/fdtd_grating_orders.json]

``--orders`` splits R and T into the diffraction orders (ours: :mod:`solvers.fdtd.diffraction_orders`; Meep:
``get_eigenmode_coefficients`` with ``DiffractedPlanewave``) and scores both codes against a third method, RCWA
(:func:`solvers.reference.lamellar_grating_rcwa.lamellar_grating_orders`, converged to 1e-5 at orders −60…60).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from meep_runner import run_meep

from physics.maxwell import Block
from solvers.fdtd.periodic_response import PML, line_rows, periodic_response
from solvers.reference.lamellar_grating_rcwa import lamellar_grating_orders

PERIOD, WIDTH, HEIGHT, N_GLASS, ANGLE_DEG, LAMBDA_REF = 1.0, 0.5, 0.4, 1.5, 10.0, 0.8  # µm, degrees
F_LO, F_HI = 1 / 0.9, 1 / 0.7  # c/µm: λ from 0.7 to 0.9 µm

MEEP_GRATING = """
import cmath, json, math, sys
import meep as mp
out, res, pol, nfreq = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
P, W, H, N, KX, FLO, FHI, PML, SRC, REFL, FACE, TRANS, NY = [float(v) for v in sys.argv[5:18]]
sy = NY / res
Y = lambda cells: cells / res - sy / 2  # our cell index along y -> Meep's centred coordinate
comp = mp.Ez if pol == "s" else mp.Hz
fcen, df = (FLO + FHI) / 2, max(0.15 * (FLO + FHI) / 2, FHI - FLO)
glass = mp.Medium(index=N)
face = Y(FACE)
grating = [mp.Block(mp.Vector3(mp.inf, sy / 2 - (face + H)), center=mp.Vector3(0, (face + H + sy / 2) / 2),
                    material=glass),
           mp.Block(mp.Vector3(W, H, mp.inf), center=mp.Vector3(0, face + H / 2), material=glass)]
source = [mp.Source(mp.GaussianSource(fcen, fwidth=df), component=comp, center=mp.Vector3(0, Y(SRC)),
                    size=mp.Vector3(P, 0), amp_func=lambda p: cmath.exp(2j * math.pi * KX * p.x))]
result = {}
refl_data = None
for name, geometry in (("incident", []), ("grating", grating)):
    sim = mp.Simulation(cell_size=mp.Vector3(P, sy), resolution=res, geometry=geometry, sources=source,
                        boundary_layers=[mp.PML(PML / res, direction=mp.Y)], k_point=mp.Vector3(KX),
                        Courant=0.5)
    refl = sim.add_mode_monitor(fcen, FHI - FLO, nfreq,
                                mp.ModeRegion(center=mp.Vector3(0, Y(REFL)), size=mp.Vector3(P, 0)))
    trans = sim.add_mode_monitor(fcen, FHI - FLO, nfreq,
                                 mp.ModeRegion(center=mp.Vector3(0, Y(TRANS)), size=mp.Vector3(P, 0)))
    if refl_data is not None:
        sim.load_minus_flux_data(refl, refl_data)
    sim.run(until_after_sources=mp.stop_when_fields_decayed(50, comp, mp.Vector3(0, Y(TRANS)), 1e-9))
    if refl_data is None:
        refl_data = sim.get_flux_data(refl)
    result[name] = {"refl": mp.get_fluxes(refl), "trans": mp.get_fluxes(trans)}
    result["freqs"] = mp.get_flux_freqs(refl)
inc = result["incident"]["refl"]
result["R"] = [-r / i for r, i in zip(result["grating"]["refl"], inc)]
result["T"] = [t / i for t, i in zip(result["grating"]["trans"], inc)]
# each diffraction order: the power in the plane wave k_x + 2πm/P (backward at the reflection line, forward at the
# transmission line), from the mode monitors; orders that are evanescent at a frequency get 0
sp = (1, 0) if pol == "s" else (0, 1)
result["orders"], result["R_orders"], result["T_orders"] = [], [], []
for m in range(-4, 5):
    rows = {}
    for key, mon, n_side, direction in (("R_orders", refl, 1.0, 1), ("T_orders", trans, N, 0)):
        live = [abs(KX + m / P) < n_side * f for f in result["freqs"]]
        if not any(live):
            rows[key] = None
            continue
        alpha = sim.get_eigenmode_coefficients(mon, mp.DiffractedPlanewave((m, 0, 0), mp.Vector3(1, 0, 0), *sp))
        rows[key] = [abs(alpha.alpha[0, k, direction]) ** 2 / inc[k] if live[k] else 0.0 for k in range(nfreq)]
    if rows["R_orders"] is None and rows["T_orders"] is None:
        continue
    result["orders"].append(m)
    for key in ("R_orders", "T_orders"):
        result[key].append(rows[key] or [0.0] * nfreq)
result["version"] = mp.__version__
if mp.am_master():
    json.dump(result, open(out, "w"))
"""


def _layout(resolution: int) -> dict:
    """Our cell indices along y (periodic_response's layout) for the grating's height at ``resolution``."""
    rows = line_rows(HEIGHT * 1e-6, 1e-6 / resolution)
    return {
        "src": rows["source"],
        "refl": rows["reflection"],
        "face": rows["face"],
        "trans": rows["transmission"],
        "ny": rows["ny"],
    }


def k_parallel_per_um() -> float:
    """``k_x`` in rad/µm: 2π sin θ / λ at the reference angle and wavelength."""
    return 2 * math.pi * math.sin(math.radians(ANGLE_DEG)) / LAMBDA_REF


def meep_grating(resolution: int, polarization: str, nfreq: int = 9) -> dict:
    """Meep's R and T (all orders) at its flux frequencies (c/µm)."""
    lay = _layout(resolution)
    kx = k_parallel_per_um() / (2 * math.pi)  # Meep's k_point is in units of 2π/a
    params = [PERIOD, WIDTH, HEIGHT, N_GLASS, kx, F_LO, F_HI, PML]
    params += [lay[k] for k in ("src", "refl", "face", "trans", "ny")]
    return run_meep(MEEP_GRATING, [resolution, polarization, nfreq, *params])


def sciml_grating(resolution: int, polarization: str, freqs, dtype=torch.float64) -> dict:
    """Our R and T at ``freqs`` (c/µm) on the same cell (ten crossings of the grid: R + T = 1 within 4e-4)."""
    um = 1e-6

    def teeth(y0: float) -> list:
        return [Block((PERIOD * um / 2, y0 + HEIGHT * um / 2, 0), (WIDTH * um, HEIGHT * um, math.inf), N_GLASS**2)]

    return periodic_response(
        teeth,
        HEIGHT * um,
        um / np.asarray(freqs),
        PERIOD * um,
        um / resolution,
        k_parallel=k_parallel_per_um() / um,
        polarization=polarization,
        n_out=N_GLASS,
        dtype=dtype,
    )


def richardson(coarse, fine) -> np.ndarray:
    """The second-order extrapolation ``fine + (fine − coarse)/3`` of values at resolutions ``r`` and ``2r``."""
    coarse, fine = np.asarray(coarse), np.asarray(fine)
    return fine + (fine - coarse) / 3


def rcwa_orders(wavelength: float, polarization: str, harmonics: int = 60) -> dict:
    """The converged per-order efficiencies of the same grating at ``wavelength`` (µm) by RCWA (the third method)."""
    angle = math.asin(k_parallel_per_um() * wavelength / (2 * math.pi))  # k_x fixed: the angle moves with λ
    return lamellar_grating_orders(
        wavelength, PERIOD, HEIGHT, WIDTH, N_GLASS**2, 1.0, angle, polarization, 1.0, N_GLASS, harmonics
    )


def order_rows(resolution: int) -> list[dict]:
    """Each diffraction order's R_m and T_m in both codes at resolutions r and 2r (and each code's extrapolation),
    against RCWA: one row per order, wavelength and code, and per code the largest deviation."""
    rows = []
    res = (resolution, 2 * resolution)
    for pol in ("s", "p"):
        meep = {r: meep_grating(r, pol, 3) for r in res}
        freqs = np.array(meep[res[0]]["freqs"])
        ours = {r: sciml_grating(r, pol, freqs) for r in res}
        per_code: dict[str, dict] = {"ours": {}, "Meep": {}}
        for i, f in enumerate(freqs):
            ref = rcwa_orders(1 / f, pol)
            for m in meep[res[0]]["orders"]:
                for what in ("R", "T"):
                    exact = float(ref[what][list(ref["orders"]).index(m)])
                    values = {
                        "ours": [float(ours[r][f"{what}_orders"][i, list(ours[r]["orders"]).index(m)]) for r in res],
                        "Meep": [meep[r][f"{what}_orders"][meep[r]["orders"].index(m)][i] for r in res],
                    }
                    if exact == 0 and not any(values["ours"]):
                        continue  # evanescent on this side
                    case = f"binary grating, {pol} at {ANGLE_DEG:g} deg, lambda {1 / f:.4f} um, {what}_{m:+d}"
                    for code, (coarse, fine) in values.items():
                        limit = float(richardson(coarse, fine))
                        for label, value in (
                            (f"resolution {res[0]}", coarse),
                            (f"resolution {res[1]}", fine),
                            (f"extrapolated from {res[0]} and {res[1]}", limit),
                        ):
                            key = f"{code} at {label}" if label.startswith("res") else f"{code} {label}"
                            per_code[code][key] = max(per_code[code].get(key, 0.0), abs(value - exact))
                            rows.append(
                                {"case": case, "variant": key, "value": value, "unit": "efficiency", "ratio_to": exact}
                            )
                    print(f"{case}: RCWA {exact:.5f}; ours {values['ours']}; Meep {values['Meep']}")
        for worst in per_code.values():
            for key, value in worst.items():
                rows.append(
                    {
                        "case": f"binary grating orders, {pol} at {ANGLE_DEG:g} deg, 3 wavelengths",
                        "variant": key,
                        "value": value,
                        "unit": "max |R_m or T_m - RCWA| over orders and wavelengths",
                        "ratio_to": "RCWA (Li's rules, orders -60..60)",
                    }
                )
                print(f"{pol} {key}: max deviation from RCWA {value:.2e}")
    return rows


def main() -> None:
    """Print (and with ``--json`` write) R and T in both codes at resolutions r and 2r, both polarisations, with each
    code's second-order extrapolation and Meep at 4r as the reference for it; with ``--orders``, each diffraction
    order's efficiency in both codes against RCWA instead."""
    import argparse

    from _common import write_json

    ap = argparse.ArgumentParser(description="a binary grating at oblique incidence (Bloch) in Meep and in our FDTD")
    ap.add_argument("--resolution", type=int, default=20, help="the coarse resolution r (pixels per µm)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--orders", action="store_true", help="per-order efficiencies against RCWA (and Meep's)")
    args = ap.parse_args()
    if args.orders:
        rows = order_rows(args.resolution)
        if args.json:
            write_json(args.json, rows)
        return
    rows = []
    res = (args.resolution, 2 * args.resolution)
    for pol in ("s", "p"):
        meep = {r: meep_grating(r, pol, 5) for r in (*res, 4 * args.resolution)}
        freqs = np.array(meep[res[0]]["freqs"])
        ours = {r: sciml_grating(r, pol, freqs) for r in res}
        for what in ("R", "T"):
            limit_ours = richardson(ours[res[0]][what], ours[res[1]][what])
            limit_meep = richardson(meep[res[0]][what], meep[res[1]][what])
            for k, f in enumerate(freqs):
                case = f"binary grating, {pol} at {ANGLE_DEG:g} deg, lambda {1 / f:.4f} um"
                print(
                    f"{pol} {what} λ = {1 / f:.4f} µm: ours {ours[res[0]][what][k]:.5f} {ours[res[1]][what][k]:.5f} "
                    f"-> {limit_ours[k]:.5f};  Meep {meep[res[0]][what][k]:.5f} {meep[res[1]][what][k]:.5f} "
                    f"{meep[4 * args.resolution][what][k]:.5f} -> {limit_meep[k]:.5f}"
                )
                for variant, mine, theirs in (
                    (f"{what}, resolution {res[0]}", ours[res[0]][what][k], meep[res[0]][what][k]),
                    (f"{what}, resolution {res[1]}", ours[res[1]][what][k], meep[res[1]][what][k]),
                    (f"{what}, extrapolated from {res[0]} and {res[1]}", limit_ours[k], limit_meep[k]),
                    (
                        f"{what}, ours extrapolated vs Meep at {4 * args.resolution}",
                        limit_ours[k],
                        meep[4 * args.resolution][what][k],
                    ),
                ):
                    rows.append(
                        {
                            "case": case,
                            "variant": variant,
                            "value": float(mine),
                            "unit": "reflectance" if what == "R" else "transmittance",
                            "ratio_to": float(theirs),
                        }
                    )
    if args.json:
        write_json(args.json, rows)


if __name__ == "__main__":
    main()
