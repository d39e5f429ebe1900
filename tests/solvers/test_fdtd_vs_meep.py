"""Side by side with Meep (Debian's python3-meep, run in a subprocess): the 90° bend of Meep's bend-flux tutorial,
with eigenmode sources, at the same resolution, time step and duration. Skipped with the reason when Meep is absent.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from fdtd_bend import meep_available, meep_bend, sciml_bend

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
