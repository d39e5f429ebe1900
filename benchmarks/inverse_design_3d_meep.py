"""The 3-D slab bend of ``fdtd_waveguide_bend_3d`` in Meep: the same device, our optimised design in a ``MaterialGrid``.

    sciml run experiment=fdtd_waveguide_bend_3d hydra.run.dir=outputs/bend3d
    python benchmarks/inverse_design_3d_meep.py --design outputs/bend3d/design.npy \\
        --json benchmarks/results/inverse_design_3d_meep.json

Both codes score two designs on the device of the experiment's config, at its 50 nm cells: the optimised one
(thresholded) and a plain square-cornered L bend as a reference. Each reports the power in the output guide's
fundamental mode (T) and the net power through the output port over that through the incident monitor
(``flux out / flux in``).

``--staircase`` gives Meep exactly our voxels: no subpixel smoothing, faces nudged so that nodes on them fall on
our side, the design as blocks, and one more cladding cell in z when the count is odd (Meep's E nodes then sit on
ours instead of half a cell off). The two codes then step the same discrete structure (checked node by node with
``get_chi1inv``), and what differs is how each splits the transmitted power into modes: ours with the mode of
the Yee cross-section, Meep's with MPB's. Ours: :class:`solvers.fdtd.slab_device.SlabDevice`
with runs 4x the optimiser's. Meep: blocks for the slab guides, the design as a ``MaterialGrid`` (each of our cells
upsampled 4x so its edges stay at the cell faces), eigenmode source and mode monitors (MPB, ``EVEN_Z``: the
quasi-TE mode) on the same planes, run until the field at the output decays to 1e-6. Our cell ``(i, j, k)`` is the
voxel ``[i, i+1) × [j, j+1) × [k − ½, k + ½)`` (the in-plane E components' positions). Meep (Debian's python3-meep)
runs under ``/usr/bin/python3`` in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from meep_runner import run_meep

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MEEP_SLAB_DEVICE = """
import json, sys, time
import numpy as np
import meep as mp
out, spec_path, rho_path = sys.argv[1], sys.argv[2], sys.argv[3]
s = json.load(open(spec_path)); rho = np.load(rho_path)
dx = s["dx_um"]; NX, NY, NZ = s["shape"]
if s["staircase"] and NZ % 2:
    NZ += 1  # with an odd count Meep's E nodes sit at our half-integer z: one more cladding cell puts them on ours
P = lambda x, y, z: mp.Vector3((x - NX / 2) * dx, (y - NY / 2) * dx, (z - NZ / 2) * dx)
slab, clad = mp.Medium(epsilon=s["slab_eps"]), mp.Medium(epsilon=s["cladding_eps"])
staircase = s["staircase"]
up = 4
# staircase: no smoothing, and every E node takes the value of our voxel (i, j, k) = [i, i+1) x [j, j+1) x [k-1/2,
# k+1/2): faces nudged so that nodes on them fall on our side
tiny = 1e-4 if staircase else 0.0
if staircase and not np.all((rho == 0) | (rho == 1)):
    sys.exit("the staircase comparison takes a binary design (threshold it first)")
z0, z1 = s["slab"][0] - 0.5 + tiny, s["slab"][1] - 0.5 + tiny
zc, tz = (z0 + z1) / 2, (z1 - z0) * dx
geometry = [mp.Block(mp.Vector3((i1 - i0) * dx, (j1 - j0) * dx, tz),
                     center=P((i0 + i1) / 2 - tiny, (j0 + j1) / 2 - tiny, zc), material=slab)
            for i0, i1, j0, j1 in s["waveguides"]]
x0, y0, x1, y1 = s["design"]
if staircase:
    # a binary design as slab blocks, one per run of solid cells along y: sampled without smoothing, every node
    # takes its voxel's value (checked node by node against ours with get_chi1inv)
    for i in range(rho.shape[0]):
        j = 0
        while j < rho.shape[1]:
            if rho[i, j] == 1:
                k = j
                while k < rho.shape[1] and rho[i, k] == 1:
                    k += 1
                geometry.append(mp.Block(mp.Vector3(dx, (k - j) * dx, tz),
                                         center=P(x0 + i + 0.5 - tiny, y0 + (j + k) / 2 - tiny, zc), material=slab))
                j = k
            else:
                j += 1
else:
    weights = np.kron(rho, np.ones((up, up)))[:, :, None]
    grid = mp.MaterialGrid(mp.Vector3(weights.shape[0], weights.shape[1], 0), clad, slab, weights=weights,
                           do_averaging=False)
    geometry.append(mp.Block(mp.Vector3((x1 - x0) * dx, (y1 - y0) * dx, tz),
                             center=P((x0 + x1) / 2, (y0 + y1) / 2, zc), material=grid))
pz0, pz1 = s["port_z"]
zmid, hz = (pz0 + pz1 - 1) / 2, (pz1 - pz0) * dx

def region(port, shift=0):
    along = port["index"] + shift * port["direction"]
    across = (port["centre"], port["width"] * dx)
    if port["axis"] == 0:
        return P(along, across[0], zmid), mp.Vector3(0, across[1], hz)
    return P(across[0], along, zmid), mp.Vector3(across[1], 0, hz)

fcen = 1 / s["wavelength_um"]
centre, size = region(s["source"])
src = mp.EigenModeSource(mp.GaussianSource(fcen, fwidth=0.15 * fcen), center=centre, size=size, eig_band=1,
                         eig_parity=mp.EVEN_Z, eig_match_freq=True)
sim = mp.Simulation(cell_size=mp.Vector3(NX * dx, NY * dx, NZ * dx), resolution=round(1 / dx), geometry=geometry,
                    sources=[src], boundary_layers=[mp.PML(s["pml_cells"] * dx)], default_material=clad, Courant=0.5,
                    eps_averaging=not staircase)
m_in = sim.add_mode_monitor(fcen, 0, 1, mp.ModeRegion(*region(s["source"], 2)))
m_out = sim.add_mode_monitor(fcen, 0, 1, mp.ModeRegion(*region(s["output"])))
f_in = sim.add_flux(fcen, 0, 1, mp.FluxRegion(*region(s["source"], 2)))
f_out = sim.add_flux(fcen, 0, 1, mp.FluxRegion(*region(s["output"])))
t = time.time()
sim.run(until_after_sources=mp.stop_when_fields_decayed(50, mp.Ey, region(s["output"])[0], 1e-6))
a_in = sim.get_eigenmode_coefficients(m_in, [1], eig_parity=mp.EVEN_Z).alpha[0, 0]
a_out = sim.get_eigenmode_coefficients(m_out, [1], eig_parity=mp.EVEN_Z).alpha[0, 0]
k_in, k_out = (0, 1) if s["source"]["direction"] > 0 else (1, 0)
k_t = 0 if s["output"]["direction"] > 0 else 1
sign_in, sign_out = s["source"]["direction"], s["output"]["direction"]
result = {"T": abs(a_out[k_t]) ** 2 / abs(a_in[k_in]) ** 2, "R": abs(a_in[k_out]) ** 2 / abs(a_in[k_in]) ** 2,
          "T_flux": (sign_out * mp.get_fluxes(f_out)[0]) / (sign_in * mp.get_fluxes(f_in)[0]),
          "seconds": time.time() - t, "version": mp.__version__}
if mp.am_master():
    json.dump(result, open(out, "w"))
"""


def _device():
    from omegaconf import OmegaConf

    from solvers.fdtd.experiments.inverse_design import DeviceSettings

    root = Path(__file__).resolve().parents[1]
    node = OmegaConf.load(root / "configs/experiment/fdtd_waveguide_bend_3d.yaml")["photonic_device"]
    settings = DeviceSettings(**OmegaConf.to_container(node))
    return settings, settings.build()


def refined(settings, n: int):
    """The same device on cells ``n`` times smaller: every cell count and index times ``n``."""
    from dataclasses import replace

    if n == 1:
        return settings
    scale = lambda values: tuple(int(v) * n for v in values)
    port = lambda p: {**p, "index": p["index"] * n, "centre": p["centre"] * n, "width": p["width"] * n}
    return replace(
        settings,
        shape=scale(settings.shape),
        cell_size_nm=settings.cell_size_nm / n,
        pml_cells=settings.pml_cells * n,
        slab=scale(settings.slab),
        port_z=scale(settings.port_z),
        waveguides=tuple(scale(w) for w in settings.waveguides),
        design=scale(settings.design),
        filter_radius=settings.filter_radius * n,
        source=port(settings.source),
        outputs=tuple(port(o) for o in settings.outputs),
    )


def l_bend(settings) -> np.ndarray:
    """The reference design: the two guides continued to their crossing, a square corner ``[ni, nj]``."""
    x0, y0, x1, y1 = settings.design
    rho = np.zeros((x1 - x0, y1 - y0))
    (oi0, oi1, _, _), (_, _, ij0, ij1) = settings.waveguides  # the output guide's x cells, the input guide's y cells
    rho[: oi1 - x0, ij0 - y0 : ij1 - y0] = 1.0
    rho[oi0 - x0 : oi1 - x0, : ij1 - y0] = 1.0
    return rho


def main() -> None:
    """Score the optimised design and the L bend in both codes; print and write the rows."""
    from _common import write_json

    ap = argparse.ArgumentParser(description="the 3-D slab bend's designs scored by our FDTD and by Meep")
    ap.add_argument("--design", required=True, help="design.npy of a `sciml run experiment=fdtd_waveguide_bend_3d`")
    ap.add_argument(
        "--refine", type=int, default=1, help="cells n times smaller than the experiment's (designs upsampled)"
    )
    ap.add_argument("--only", choices=("both", "optimised", "l_bend"), default="both")
    ap.add_argument(
        "--staircase",
        action="store_true",
        help="Meep without subpixel smoothing, on exactly our voxels (the same discrete structure in both codes)",
    )
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    coarse, coarse_device = _device()
    optimised = coarse_device.design.density(torch.tensor(np.load(args.design)), float("inf")).numpy()
    settings = refined(coarse, args.refine)
    device = settings.build()
    designs = {
        "optimised design, thresholded": np.kron(optimised, np.ones((args.refine, args.refine))),
        "square-cornered L bend": l_bend(settings),
    }
    if args.only != "both":
        designs = {k: v for k, v in designs.items() if ("L bend" in k) == (args.only == "l_bend")}
    spec = {
        "dx_um": settings.cell_size_nm / 1000,
        "shape": list(settings.shape),
        "pml_cells": settings.pml_cells,
        "slab_eps": settings.slab_eps,
        "cladding_eps": settings.cladding_eps,
        "slab": list(settings.slab),
        "port_z": list(settings.port_z),
        "waveguides": [list(w) for w in settings.waveguides],
        "design": list(settings.design),
        "source": dict(settings.source),
        "output": dict(settings.outputs[0]),
        "wavelength_um": settings.wavelengths_nm[0] / 1000,
        "staircase": args.staircase,
    }
    background = device.background()
    steps = 4 * device.default_steps()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        for name, rho in designs.items():
            eps = device.design.paint({c: background for c in ("ex", "ey", "ez")}, torch.tensor(rho))
            with torch.no_grad():  # a forward run only: no adjoint run without a gradient to take
                ours = {k: float(v[0]) for k, v in device.transmissions(eps, steps, fluxes=True).items()}
            rho_path = Path(tmp) / "rho.npy"
            np.save(rho_path, rho)
            meep = run_meep(MEEP_SLAB_DEVICE, [spec_path, rho_path])
            print(
                f"{name}: T ours {ours['out']:.4f} Meep {meep['T']:.4f}; R ours {ours['reflection']:.2e} "
                f"Meep {meep['R']:.2e}; flux out / flux in ours {ours['out_flux']:.4f} Meep {meep['T_flux']:.4f} "
                f"(Meep {meep['seconds']:.0f} s)"
            )
            case = f"3-D slab bend (fdtd_waveguide_bend_3d), {name}, {settings.cell_size_nm:g} nm cells"
            if args.staircase:
                case += ", Meep on our voxels without smoothing"
            pairs = (
                ("T", ours["out"], meep["T"]),
                ("R", ours["reflection"], meep["R"]),
                ("flux out / flux in", ours["out_flux"], meep["T_flux"]),
            )
            for what, mine, theirs in pairs:
                rows.append(
                    {"case": case, "variant": what, "value": mine, "unit": "power fraction", "ratio_to": theirs}
                )
    if args.json:
        write_json(args.json, rows)


if __name__ == "__main__":
    main()
