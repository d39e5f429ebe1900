"""The transfer-matrix method against closed forms: Fresnel, the quarter-wave coating, the Bragg mirror."""

import math

import numpy as np
import pytest

from physics.maxwell.thin_films import thin_film_rt


@pytest.mark.parametrize("pol", ["s", "p"])
def test_a_bare_interface_gives_fresnel_and_energy_is_conserved(pol):
    theta, n1, n2 = 0.6, 1.0, 1.7
    ci, ct = math.cos(theta), math.sqrt(1 - (n1 / n2 * math.sin(theta)) ** 2)
    r = (n1 * ci - n2 * ct) / (n1 * ci + n2 * ct) if pol == "s" else (n2 * ci - n1 * ct) / (n2 * ci + n1 * ct)
    R, T = thin_film_rt([], [], 1e-6, theta, pol, n1, n2)
    assert R[0] == pytest.approx(r * r, rel=1e-12)
    # a lossless stack: R + T = 1 at every wavelength and angle
    R, T = thin_film_rt(
        [2.1, 1.45, 2.1], [100e-9, 210e-9, 90e-9], np.linspace(400e-9, 900e-9, 50), theta, pol, 1.0, 1.5
    )
    assert np.allclose(R + T, 1.0, atol=1e-12)


def test_a_quarter_wave_coating_of_index_sqrt_n_cancels_reflection():
    n_sub, lam = 2.25, 1.55e-6
    n_c = math.sqrt(n_sub)
    R, _ = thin_film_rt([n_c], [lam / (4 * n_c)], lam, 0.0, "s", 1.0, n_sub)
    assert R[0] < 1e-20
    R_half, _ = thin_film_rt([n_c], [lam / (2 * n_c)], lam, 0.0, "s", 1.0, n_sub)  # a half wave is absent
    assert R_half[0] == pytest.approx(((n_sub - 1) / (n_sub + 1)) ** 2, rel=1e-10)


def test_a_quarter_wave_bragg_mirror_matches_its_closed_form():
    # N pairs (n_H, n_L) on n_s, lit from air: Y = (n_H/n_L)^{2N} n_s and R = ((1 − Y)/(1 + Y))² (Macleod, ch. 5)
    n_h, n_l, n_s, pairs, lam = 2.3, 1.38, 1.52, 6, 633e-9
    layers = [n_h, n_l] * pairs
    thick = [lam / (4 * n) for n in layers]
    R, _ = thin_film_rt(layers, thick, lam, 0.0, "p", 1.0, n_s)
    y = (n_h / n_l) ** (2 * pairs) * n_s
    assert R[0] == pytest.approx(((1 - y) / (1 + y)) ** 2, rel=1e-10)


def test_mismatched_layers_are_refused():
    with pytest.raises(ValueError, match="one thickness per layer"):
        thin_film_rt([1.5, 2.0], [1e-7], 1e-6)
