"""Diffraction orders of a Bloch-periodic FDTD run (periodic_response's per-order R_m and T_m) against RCWA, a
different method (Fourier modes, no grid), on a glass binary grating lit at 10°."""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sciml.config import SettingError
from solvers.fdtd.diffraction_orders import order_fluxes
from solvers.fdtd.experiments.grating import GratingSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from fdtd_grating import rcwa_orders, richardson, sciml_grating

LAMBDAS = np.array([0.7, 0.8, 0.9])  # µm; P = 1 µm, so 4 or 5 orders propagate in the glass, 3 or 4 in air


@pytest.mark.parametrize("pol", ["s", "p"])
def test_each_order_converges_at_second_order_to_rcwa(float64, pol):
    """Resolutions 20 and 40 (cells per µm): each order's efficiency approaches RCWA's at second order. Measured
    largest deviations over orders and wavelengths: s 1.1e-2 at 20, 2.7e-3 at 40, 1.8e-3 extrapolated; p 1.6e-2,
    3.3e-3, 8.7e-4. The orders also add up to the total R and T of the line fluxes (Parseval), with what is left
    in the evanescent orders below 3e-5 (measured 8.8e-6)."""
    runs = {r: sciml_grating(r, pol, 1 / LAMBDAS) for r in (20, 40)}
    worst = {20: 0.0, 40: 0.0, "limit": 0.0}
    for i, lam in enumerate(LAMBDAS):
        ref = rcwa_orders(lam, pol)
        for m in runs[20]["orders"]:
            for what in ("R", "T"):
                exact = ref[what][list(ref["orders"]).index(m)]
                values = [run[f"{what}_orders"][i, list(run["orders"]).index(m)] for run in runs.values()]
                worst[20] = max(worst[20], abs(values[0] - exact))
                worst[40] = max(worst[40], abs(values[1] - exact))
                worst["limit"] = max(worst["limit"], abs(richardson(*values) - exact))
    assert worst[20] < 2.5e-2 and worst[40] < 5e-3 and worst["limit"] < 2.5e-3, worst
    assert worst[40] < worst[20] / 3, worst  # second order: ÷4 per halving, measured 4.3 (s) and 4.8 (p)
    for run in runs.values():
        for what in ("R", "T"):
            total = run[f"{what}_orders"].sum(1) + run[f"{what}_evanescent"]
            assert np.abs(total - run[what]).max() < 1e-9
            assert np.abs(run[f"{what}_evanescent"]).max() < 3e-5


def test_order_fluxes_split_a_sum_of_plane_waves_exactly():
    """Three Bloch harmonics of known amplitudes on a line: each order gets ½ P Re(E_m H_m*), whatever k_x."""
    nx, dx, k_x = 24, 0.1, 0.7
    period = nx * dx
    x = torch.arange(nx, dtype=torch.float64) * dx
    amps = {-1: (0.3 + 0.1j, 0.2 - 0.4j), 0: (1.0, 0.5), 2: (0.25j, -0.7)}
    ez = sum(e * torch.exp(1j * (k_x + 2 * math.pi * m / period) * x) for m, (e, _) in amps.items())
    hx = sum(h * torch.exp(1j * (k_x + 2 * math.pi * m / period) * x) for m, (_, h) in amps.items())
    line = {"ez": ez[None, :, None], "hx": hx[None, :, None]}
    orders, flux = order_fluxes(line, dx, k_x)
    for m, (e, h) in amps.items():
        expected = 0.5 * period * (e * np.conj(h)).real
        assert abs(flux[0, list(orders).index(m)].item() - expected) < 1e-12
    others = [i for i, m in enumerate(orders) if m not in amps]
    assert flux[0, others].abs().max() < 1e-12
    with pytest.raises(ValueError, match="ez and hx"):
        order_fluxes({"ez": line["ez"]}, dx, k_x)


def test_the_grating_experiment_checks_itself_and_fails_on_a_broken_energy_balance(tmp_path):
    """``sciml run experiment=fdtd_grating``: its FDTD orders agree with its RCWA orders, the table and plot are
    written; a balance tolerance no run can meet ends the run with exit 2 and the reason; a period that is not a
    whole number of cells is refused before anything runs."""
    from sciml.cli.main import main as cli

    common = ["experiment=fdtd_grating", "grating.wavelengths=3", "grating.resolution=20", "grating.polarizations=p"]
    code = cli(["run", *common, "trainer.progress_bar=false", f"hydra.run.dir={tmp_path / 'ok'}"])
    assert code == 0
    metrics = json.loads((tmp_path / "ok" / "metrics.json").read_text())
    assert metrics["p"]["max_abs_deviation_from_rcwa"] < 2.5e-2  # resolution 20: measured 1.6e-2
    assert metrics["p"]["energy_balance_max_error"] < 2e-3
    assert (tmp_path / "ok" / "orders.png").stat().st_size > 0
    rows = (tmp_path / "ok" / "efficiencies.csv").read_text().splitlines()
    assert rows[0].startswith("polarization,wavelength_um,side,order") and len(rows) > 10
    code = cli(["run", *common, "grating.balance_tolerance=1e-9", f"hydra.run.dir={tmp_path / 'bad'}"])
    assert code == 2 and "R + T" in (tmp_path / "bad" / "FAILED.txt").read_text()
    with pytest.raises(SettingError, match="whole number of cells"):
        GratingSettings(period_um=1.1, resolution=15)
