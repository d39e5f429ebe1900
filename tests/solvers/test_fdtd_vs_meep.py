"""Side by side with Meep (Debian's python3-meep, run in a subprocess) on the same structure, resolution, time step
and duration: the 90° bend of Meep's bend-flux tutorial (with eigenmode sources) and the ring resonator of its
Harminv tutorial. Skipped with the reason when Meep is absent.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from fdtd_bend import meep_bend, sciml_bend
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
    # measured at resolution 10: |ΔT| ≤ 5.0e-3 (2.4 % where T is smallest, 0.19); at resolution 20, 1.2 %. The
    # issue's goal, 1 % at the same resolution, is not met; against Meep at resolution 40, our T at 10 is off by
    # ≤ 5e-3 and Meep's own by ≤ 1.0e-2.
    assert np.abs(t_ours - t_meep).max() < 7e-3, (t_ours, t_meep)
    assert np.abs(t_ours / t_meep - 1).max() < 0.03
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
