"""``sciml run experiment=fdtd_grating``: the diffraction efficiencies of a binary grating, by FDTD and by RCWA.

One period of ridges (index ``ridge_index``, ``ridge_width_um`` wide, ``height_um`` tall) on a substrate of
``substrate_index``, lit from air by a plane wave of fixed ``k_x`` (Bloch boundaries: the angle is ``angle_deg`` at
the middle wavelength and moves with λ, as with Meep's ``k_point``), for each polarisation (``s``: E out of the
plane of incidence; ``p``). :func:`solvers.fdtd.periodic_response` gives every propagating order's reflectance
``R_m`` and transmittance ``T_m``; RCWA (:func:`solvers.reference.lamellar_grating_orders`) gives the same numbers
by another method, so each run carries its own check.

Writes ``orders.png`` (each order against wavelength: FDTD points on RCWA lines), ``efficiencies.csv`` and
``metrics.json`` (the largest FDTD − RCWA deviation, the energy balance ``Σ R_m + Σ T_m``). A lossless grating
whose FDTD balance misses 1 by more than ``balance_tolerance`` fails the run (too few steps, too coarse a grid).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass

import numpy as np

from physics.maxwell import Block
from sciml.config import SettingError, check_choice, check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, start_run
from solvers.fdtd.periodic_response import periodic_response

UM = 1e-6


class EnergyBalanceError(FloatingPointError):
    """A lossless grating's reflected and transmitted powers do not add up to the incident power."""


@dataclass(frozen=True)
class GratingSettings:
    """The grating (lengths in µm), the band (``wavelengths`` from ``wavelength_min_um`` to ``wavelength_max_um``),
    the incidence, the FDTD ``resolution`` (cells per µm; the period must be a whole number of cells) and the
    orders ``−rcwa_harmonics … rcwa_harmonics`` of the RCWA reference."""

    period_um: float = 1.0
    ridge_width_um: float = 0.5
    height_um: float = 0.4
    ridge_index: float = 1.5
    substrate_index: float = 1.5
    angle_deg: float = 10.0
    wavelength_min_um: float = 0.7
    wavelength_max_um: float = 0.9
    wavelengths: int = 9
    polarizations: str = "both"
    resolution: int = 40
    rcwa_harmonics: int = 40
    balance_tolerance: float = 0.02

    def __post_init__(self):
        check_range("period_um", self.period_um, low=0, low_open=True, meaning="µm")
        check_range("ridge_width_um", self.ridge_width_um, low=0, high=self.period_um, meaning="µm, within a period")
        check_range("height_um", self.height_um, low=0, low_open=True, meaning="µm")
        check_range("ridge_index", self.ridge_index, low=1, meaning="refractive index of the ridges")
        check_range("substrate_index", self.substrate_index, low=1, meaning="refractive index of the substrate")
        check_range("angle_deg", self.angle_deg, low=0, high=60, meaning="degrees from the normal, in air")
        check_range("wavelength_min_um", self.wavelength_min_um, low=0, low_open=True, meaning="µm")
        check_range(
            "wavelength_max_um", self.wavelength_max_um, low=self.wavelength_min_um, meaning="µm, >= the minimum"
        )
        check_range("wavelengths", self.wavelengths, low=1, integer=True)
        check_choice("polarizations", self.polarizations, ("both", "s", "p"))
        check_range("resolution", self.resolution, low=5, integer=True, meaning="cells per µm")
        check_range("rcwa_harmonics", self.rcwa_harmonics, low=1, integer=True)
        check_range("balance_tolerance", self.balance_tolerance, low=0, low_open=True)
        cells = self.period_um * self.resolution
        if abs(cells - round(cells)) > 1e-9:
            raise SettingError(
                "resolution",
                f"period_um * resolution = {cells:g} cells: the grid is one period wide, so the period must be a "
                f"whole number of cells. Pick resolution = n / period_um for a whole n, e.g. "
                f"{max(1, round(cells)) / self.period_um:g}.",
            )

    @property
    def k_parallel(self) -> float:
        """``k_x`` (rad/m): ``2π sin θ / λ`` at the middle wavelength."""
        middle = 0.5 * (self.wavelength_min_um + self.wavelength_max_um) * UM
        return 2 * math.pi * math.sin(math.radians(self.angle_deg)) / middle


def _ridges(p: GratingSettings):
    def structure(y0: float) -> list:
        size = (p.ridge_width_um * UM, p.height_um * UM, math.inf)
        return [Block((p.period_um * UM / 2, y0 + p.height_um * UM / 2, 0), size, p.ridge_index**2)]

    return structure


def _rcwa(p: GratingSettings, wavelength_um: float, polarization: str) -> dict:
    from solvers.reference import lamellar_grating_orders

    angle = math.asin(p.k_parallel * wavelength_um * UM / (2 * math.pi))
    return lamellar_grating_orders(
        wavelength_um,
        p.period_um,
        p.height_um,
        p.ridge_width_um,
        p.ridge_index**2,
        1.0,
        angle,
        polarization,
        1.0,
        p.substrate_index,
        p.rcwa_harmonics,
    )


def _plot(path, lams: np.ndarray, results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 2, figsize=(10, 3.6 * len(results)), squeeze=False)
    for row, (pol, res) in enumerate(results.items()):
        for col, side in enumerate(("T", "R")):
            ax = axes[row, col]
            for j, m in enumerate(res["orders"]):
                fdtd, rcwa = res[f"{side}_orders"][:, j], res[f"rcwa_{side}"][:, j]
                if not (np.any(fdtd) or np.any(rcwa)):
                    continue
                colour = f"C{j % 10}"  # one colour per order in every panel
                ax.plot(lams, rcwa, "-", lw=1.2, color=colour, label=f"m = {m:+d}")
                ax.plot(lams, fdtd, "o", ms=4, color=colour)
            ax.set_title(f"{pol}: {side}_m (points FDTD, lines RCWA)")
            ax.set_xlabel("wavelength (µm)")
            ax.set_ylabel("efficiency")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(cfg, out_dir="."):
    """Both methods over the band for each polarisation; plot, table and metrics."""
    p = settings(cfg.grating, GratingSettings)
    out, t0 = start_run(cfg, out_dir)
    lams = np.linspace(p.wavelength_min_um, p.wavelength_max_um, p.wavelengths)
    pols = ("s", "p") if p.polarizations == "both" else (p.polarizations,)
    results, metrics = {}, {"k_parallel_rad_per_um": p.k_parallel * UM}
    for pol in pols:
        res = periodic_response(
            _ridges(p),
            p.height_um * UM,
            lams * UM,
            p.period_um * UM,
            UM / p.resolution,
            k_parallel=p.k_parallel,
            polarization=pol,
            n_out=p.substrate_index,
        )
        refs = [_rcwa(p, lam, pol) for lam in lams]
        for side in ("R", "T"):
            res[f"rcwa_{side}"] = np.array(
                [[ref[side][list(ref["orders"]).index(m)] for m in res["orders"]] for ref in refs]
            )
        results[pol] = res
        balance = res["R"] + res["T"]
        deviation = max(float(np.abs(res[f"{s}_orders"] - res[f"rcwa_{s}"]).max()) for s in ("R", "T"))
        metrics[pol] = {
            "max_abs_deviation_from_rcwa": deviation,
            "energy_balance_max_error": float(np.abs(balance - 1).max()),
            "orders": [int(m) for m in res["orders"]],
            "total_R": res["R"].tolist(),
            "total_T": res["T"].tolist(),
        }
        if not np.all(np.abs(balance - 1) <= p.balance_tolerance):
            raise EnergyBalanceError(
                f"{pol}-polarised R + T misses 1 by up to {np.abs(balance - 1).max():.3e} on a lossless grating; "
                f"it must stay within {p.balance_tolerance:g} of 1. The fields have not rung down or the grid is too "
                "coarse: raise grating.resolution."
            )
    with open(out / "efficiencies.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["polarization", "wavelength_um", "side", "order", "fdtd", "rcwa", "angle_deg"])
        for pol, res in results.items():
            for i, lam in enumerate(lams):
                for j, m in enumerate(res["orders"]):
                    for side in ("R", "T"):
                        angle = res[f"angle_{side}_orders"][i, j]
                        if not np.isfinite(angle):
                            continue  # evanescent on this side
                        row = [pol, f"{lam:.6g}", side, int(m), res[f"{side}_orders"][i, j]]
                        writer.writerow([*row, res[f"rcwa_{side}"][i, j], math.degrees(angle)])
    _plot(out / "orders.png", lams, results)
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"grating": GratingSettings},
    description="binary grating: diffraction efficiency of each order by FDTD (Bloch) and RCWA",
)

__all__ = ["run", "GratingSettings", "EnergyBalanceError", "EXPERIMENT"]
