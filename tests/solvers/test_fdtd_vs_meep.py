"""Side by side with Meep (Debian's python3-meep, run in a subprocess) on the same structure, resolution, time step
and duration: the 90° bend of Meep's bend-flux tutorial (with eigenmode sources) the ring resonator of its
Harminv tutorial, a 3-D dipole's near-to-far transformation, and the TM bands of a photonic crystal (Bloch
boundaries). Skipped with the reason when Meep is absent.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from fdtd_bands import meep_bands, pair_bands, sciml_bands
from fdtd_bend import meep_bend, sciml_bend
from fdtd_grating import meep_grating, rcwa_orders, richardson, sciml_grating
from fdtd_near2far_3d import meep_dipole, sciml_dipole
from fdtd_ring import meep_ring, sciml_ring
from meep_runner import meep_available

available, why = meep_available()
pytestmark = [pytest.mark.meep, pytest.mark.skipif(not available, reason=why)]


def test_bend_transmission_matches_meep_at_the_same_resolution(float64):
    resolution = 10
    meep = {bent: meep_bend(resolution, bent, nfreq=11) for bent in (False, True)}
    freqs = np.array(meep[False]["freqs"])
    ours = {bent: sciml_bend(resolution, bent, freqs) for bent in (False, True)}
    t_meep = np.array(meep[True]["out"]) / np.array(meep[False]["out"])
    t_ours = ours[True]["out"] / ours[False]["out"]
    # issue 19's bar: within 1 % of Meep's at the same resolution. Measured at resolution 10: 0.76 % (|ΔT| ≤ 2e-3);
    # at 20, 0.54 % (benchmarks/fdtd_bend.py --resolution 10 --extrapolate). Both codes get the same L: Meep as one
    # prism (its averaging of two overlapping blocks puts ε = 12 on two corner nodes: 2.4 % off at 10), ours as the
    # union of the two blocks.
    assert np.abs(t_ours - t_meep).max() < 4e-3, (t_ours, t_meep)
    assert np.abs(t_ours / t_meep - 1).max() < 0.01, t_ours / t_meep - 1
    # the bend's reflection into the fundamental mode, both from mode coefficients
    r_meep = np.array(meep[True]["backward"]) / np.array(meep[False]["forward"])
    r_ours = ours[True]["backward"] / ours[False]["forward"]
    assert np.abs(r_ours - r_meep).max() < 0.03, (r_ours, r_meep)  # measured 2.5e-2 (Meep's own error at 10)
    # the straight guide: the eigenmode coefficient carries the flux in both codes
    centre = len(freqs) // 2
    for run in (meep[False], ours[False]):
        assert abs(run["forward"][centre] / run["out"][centre] - 1) < 1e-3


def test_ring_resonances_and_q_match_meeps_harminv(float64):
    # Meep's Harminv tutorial ring (n = 3.4, inner radius 1, width 1) at resolution 20: measured Δf ≤ 0.009 %,
    # ΔQ ≤ 1.3 % (at resolution 10: Δf ≤ 0.03 %, ΔQ 3.7 %, 10.0 %, 1.7 %; Meep's own Q moves 316 → 340 from 10 to
    # 20 for the 0.147 mode, ours 348 → 345)
    meep = meep_ring(20)
    ours = sciml_ring(20, meep["source_end"])
    for mode in meep["modes"]:
        match = min(ours, key=lambda m: abs(m["frequency"] - mode["frequency"]))
        assert abs(match["frequency"] / mode["frequency"] - 1) < 1e-3, (mode, match)
        assert abs(match["q"] / mode["q"] - 1) < 0.1, (mode, match)


def test_3d_near_to_far_of_a_dipole_matches_meeps_near2far(float64):
    """The same 50³ grid, 20 cells per wavelength, box and duration in both codes: the normalised far-field patterns
    agree, and each code's far-field power matches its own flux through the box."""
    n, resolution, half = 50, 20, 12
    ours = sciml_dipole(n, resolution, half, 6.0 * n, 24, 48)
    meep = meep_dipole(n, resolution, half, 6.0 * n / resolution, 24, 48)
    assert np.abs(ours["pattern"] - meep["pattern"]).max() < 0.03  # measured 1.8e-2 (Meep vs sin²θ: 1.9e-2)
    assert ours["pattern_error"] < 0.01 and meep["pattern_error"] < 0.03  # measured 3.4e-3 / 1.9e-2
    assert abs(ours["power_vs_flux"]) < 0.015 and abs(meep["power_vs_flux"]) < 0.02  # measured 6.3e-3 / 1.0e-2


def test_photonic_crystal_bands_match_meep_with_bloch_boundaries(float64):
    """Square lattice of ε = 8.9 rods (r = 0.2a), TM, at X, M and halfway to X: the three lowest bands of both codes
    at resolution 16 (both smooth the rod's edge)."""
    meep = meep_bands(16)["bands"]
    ours = sciml_bands(16)["bands"]
    for name, found in ours.items():
        pairs = pair_bands(found, meep[name])
        assert len(pairs) == 3, (name, found, meep[name])
        for f, m in pairs:
            assert abs(f / m - 1) < 3e-4, (name, f, m)  # measured ≤ 6.3e-5


@pytest.mark.parametrize("pol", ["s", "p"])
def test_grating_at_oblique_incidence_converges_to_meeps_answer(float64, pol):
    """A glass binary grating lit at 10° through Bloch boundaries (Meep's k_point; our bloch_line_source), all
    diffraction orders: at resolutions 20 and 40 both codes' R and T, extrapolated at second order, agree within
    2e-3 (measured ≤ 1.0e-3; Meep at 80 lies within 1e-3 of ours too), and ours conserves energy, R + T = 1 within
    1e-3 (measured 4e-4), where Meep's falls short by 1.7 % (s) at resolution 20. Split into diffraction orders,
    both codes approach RCWA's efficiencies."""
    meep = {r: meep_grating(r, pol, 3) for r in (20, 40)}
    freqs = np.array(meep[20]["freqs"])
    ours = {r: sciml_grating(r, pol, freqs) for r in (20, 40)}
    for what in ("R", "T"):
        limit_ours, limit_meep = (richardson(run[20][what], run[40][what]) for run in (ours, meep))
        assert np.abs(limit_ours - limit_meep).max() < 2e-3, (what, limit_ours, limit_meep)
    for r in (20, 40):
        assert np.abs(ours[r]["R"] + ours[r]["T"] - 1).max() < 1e-3
    # each diffraction order (ours from the line fields, Meep's from DiffractedPlanewave coefficients), extrapolated,
    # against RCWA: measured ours 1.3e-3 (s) and 8.7e-4 (p), Meep 6.1e-3 and 1.5e-3
    # (benchmarks/fdtd_grating.py --orders)
    for i, f in enumerate(freqs):
        ref = rcwa_orders(1 / f, pol)
        for m in meep[20]["orders"]:
            for what in ("R", "T"):
                exact = ref[what][list(ref["orders"]).index(m)]
                mine = [run[f"{what}_orders"][i, list(run["orders"]).index(m)] for run in ours.values()]
                theirs = [run[f"{what}_orders"][run["orders"].index(m)][i] for run in meep.values()]
                assert abs(richardson(*mine) - exact) < 3e-3, (pol, f, m, what, mine, exact)
                assert abs(richardson(*theirs) - exact) < 1e-2, (pol, f, m, what, theirs, exact)
