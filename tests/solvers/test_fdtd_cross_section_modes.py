"""Full-vector modes of 2-D cross-sections: the metal guide's discrete spectrum, a step-index fiber's exact HE11
equation (fitted order), and the reconstructed fields against the Maxwell equation the solver did not use."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import jv, jvp, kv, kvp

from physics.maxwell import C0, Cylinder
from solvers.fdtd import YeeGrid, vector_modes
from solvers.fdtd.rasterize import rasterize


def test_air_filled_metal_guide_has_the_discrete_te_and_tm_spectrum():
    """β² = k₀² − (2/Δx)²[sin²(mπ/2n_x) + sin²(nπ/2n_y)]: TE_mn (m + n ≥ 1) and TM_mn (m, n ≥ 1), the latter
    degenerate with TE_mn; all seven propagating modes to 1e-9 (measured 1e-12)."""
    nx, ny, dx = 30, 20, 1e-3
    f = 2.5 * C0 / (2 * nx * dx)
    k0 = 2 * math.pi * f / C0
    ones = np.ones((nx, ny))
    found = [m.n_eff**2 for m in vector_modes({"ex": ones, "ey": ones, "ez": ones}, dx, f, count=7)]
    expected = []
    for m in range(6):
        for n in range(6):
            b2 = k0**2 - (2 / dx) ** 2 * (math.sin(m * math.pi / (2 * nx)) ** 2 + math.sin(n * math.pi / (2 * ny)) ** 2)
            if b2 > 0 and m + n > 0:
                expected += [b2 / k0**2] * (2 if m > 0 and n > 0 else 1)  # TE and TM share m, n ≥ 1
    expected = sorted(expected, reverse=True)
    assert len(found) == len(expected) == 7
    np.testing.assert_allclose(found, expected, rtol=1e-9)


def _fiber_exact(n1, n2, a, k0):
    """The HE11 root of the exact vector eigenvalue equation of a step-index fiber (Snyder & Love, ch. 12)."""

    def f(neff):
        b = neff * k0
        u, w = a * math.sqrt(k0**2 * n1**2 - b**2), a * math.sqrt(b**2 - k0**2 * n2**2)
        j, k = jvp(1, u) / (u * jv(1, u)), kvp(1, w) / (w * kv(1, w))
        return (j + k) * (j + (n2 / n1) ** 2 * k) - (b / (n1 * k0)) ** 2 * (1 / u**2 + 1 / w**2) ** 2

    grid = np.linspace(n2 + 1e-6, n1 - 1e-6, 2000)
    values = [f(x) for x in grid]
    roots = [
        brentq(f, grid[i], grid[i + 1])
        for i in range(len(grid) - 1)
        if np.sign(values[i]) != np.sign(values[i + 1]) and max(abs(values[i]), abs(values[i + 1])) < 10
    ]  # the magnitude filter drops the poles of J1
    return max(roots)


def _fiber_modes(resolution, n1=2.0, n2=1.0, a=0.5e-6, wavelength=1.55e-6, half=3e-6):
    dx = a / resolution
    n = int(round(2 * half / dx))
    grid = YeeGrid((n, n, 1), dx, ("pec", "pec", "periodic"))
    eps = rasterize(grid, [Cylinder((half, half, 0.0), a, eps=n1**2)], background=n2**2)
    return vector_modes({c: eps[c].numpy() for c in ("ex", "ey", "ez")}, dx, C0 / wavelength, count=2), dx


def test_step_index_fiber_he11_converges_at_second_order_to_the_exact_equation():
    """n₁ = 2 core of radius 0.5 µm in air at 1.55 µm (a strongly vectorial guide): both HE11 polarisations against the
    exact root, on smoothed rasterisations at 5, 10 and 20 cells per radius (measured errors 1.45e-3, 3.5e-4, 9.3e-5:
    order 2.0)."""
    exact = _fiber_exact(2.0, 1.0, 0.5e-6, 2 * math.pi / 1.55e-6)
    errors = []
    for res in (5, 10, 20):
        modes, _ = _fiber_modes(res)
        assert abs(modes[0].n_eff - modes[1].n_eff) < 1e-9  # the two HE11 polarisations are degenerate
        errors.append(abs(modes[0].n_eff / exact - 1))
    order = np.polyfit(np.log([5, 10, 20]), np.log(errors), 1)[0]
    assert errors[-1] < 2e-4 and order < -1.7, (errors, order)


def test_reconstructed_fields_satisfy_amperes_law_along_z_and_carry_unit_power():
    """The solver eliminates Ez through ∇·(εE) = 0; the discrete ∂xHy − ∂yHx = −iωε₀ε_z Ez (not used) must hold too."""
    modes, dx = _fiber_modes(6)
    m = modes[0]
    f = m.fields
    omega = 2 * math.pi * m.frequency
    n2, n1 = 1.0, 2.0
    half, a = 3e-6, 0.5e-6
    n = f["ez"].shape[0]
    grid = YeeGrid((n, n, 1), dx, ("pec", "pec", "periodic"))
    eps_z = rasterize(grid, [Cylinder((half, half, 0.0), a, eps=n1**2)], background=n2**2)["ez"].numpy()[:, :, 0]
    hy, hx = f["hy"], f["hx"]
    # backward differences (zero beyond the low walls) from the H half-cells to the nodes
    dhy = (hy - np.roll(hy, 1, 0)) / dx
    dhy[0] = hy[0] / dx
    dhx = (hx - np.roll(hx, 1, 1)) / dx
    dhx[:, 0] = hx[:, 0] / dx
    lhs = (dhy - dhx)[1:, 1:]  # interior nodes (Ez is held at 0 on the low walls)
    rhs = (-1j * omega * 8.8541878128e-12 * eps_z * f["ez"])[1:, 1:]
    assert np.abs(lhs - rhs).max() < 1e-8 * np.abs(rhs).max()
    power = 0.5 * np.real(np.sum(f["ex"] * f["hy"].conj() - f["ey"] * f["hx"].conj())) * dx**2
    assert abs(power - 1) < 1e-12


def test_bad_cross_sections_are_refused_with_the_fix():
    ones = np.ones((10, 10))
    with pytest.raises(ValueError, match="rasterize"):
        vector_modes({"ex": ones, "ey": ones}, 1e-3, 1e11)
    with pytest.raises(ValueError, match="one 2-D shape"):
        vector_modes({"ex": ones, "ey": ones, "ez": np.ones((10, 9))}, 1e-3, 1e11)
    with pytest.raises(ValueError, match="positive"):
        vector_modes({"ex": ones, "ey": ones, "ez": -ones}, 1e-3, 1e11)


def test_a_quarter_section_with_mirror_planes_finds_each_parity_class_of_the_whole():
    """A rectangular core centred on node (h, h) of a 2h × 2h section: its four lowest modes fall in the four parity
    classes, and the quarter section with mirror planes at its low walls finds each, with the same n_eff (to 1e-10)
    and TE fraction: (−1, +1) the quasi-TE fundamental (Ex even), (+1, −1) the quasi-TM one, then the two others."""
    dx, h = 0.05e-6, 24
    f = C0 / 1.55e-6

    def eps(offset):
        x, y = ((np.arange(2 * h) + o - h) * dx for o in offset)
        xx, yy = np.meshgrid(x, y, indexing="ij")
        return np.where((np.abs(xx) < 0.25e-6) & (np.abs(yy) < 0.2e-6), 12.0, 2.1)

    whole = {"ex": eps((0.5, 0)), "ey": eps((0, 0.5)), "ez": eps((0, 0))}
    quarter = {c: v[h:, h:] for c, v in whole.items()}
    reference = vector_modes(whole, dx, f, 4)
    found = {}
    for mirror in ((-1, 1), (1, -1), (1, 1), (-1, -1)):
        (mode,) = vector_modes(quarter, dx, f, 1, mirror=mirror)
        match = min(reference, key=lambda m: abs(m.n_eff - mode.n_eff))
        assert abs(match.n_eff / mode.n_eff - 1) < 1e-10 and abs(match.te_fraction - mode.te_fraction) < 1e-8
        found[mirror] = match.order
    assert found == {(-1, 1): 0, (1, -1): 1, (-1, -1): 2, (1, 1): 3}
    with pytest.raises(ValueError, match="two of -1, 0, \\+1"):
        vector_modes(quarter, dx, f, 1, mirror=(2, 0))
