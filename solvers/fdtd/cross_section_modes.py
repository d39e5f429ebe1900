"""Full-vector modes of a 2-D waveguide cross-section, on the Yee grid's staggering (what 3-D ports need).

A waveguide along ``z`` with permittivity ``ε(x, y)`` (diagonal: ``ε_x, ε_y, ε_z`` at the positions of ``Ex, Ey, Ez``)
has modes ``F(x, y) e^{i(βz − ωt)}``. Eliminating ``Ez`` (by ``∇·(εE) = 0``) and ``Hz`` leaves an eigenproblem for the
transverse electric field (Zhu & Brown 2002, Opt. Express 10:853; Fallahkhair, Li & Murphy 2008, J. Lightwave
Technol. 26:1423):

    ∂x[ε_z⁻¹ ∂x(ε_x Ex)] + ∂x[ε_z⁻¹ ∂y(ε_y Ey)] + ∂y² Ex − ∂y∂x Ey + k₀² ε_x Ex = β² Ex
    ∂y[ε_z⁻¹ ∂y(ε_y Ey)] + ∂y[ε_z⁻¹ ∂x(ε_x Ex)] + ∂x² Ey − ∂x∂y Ex + k₀² ε_y Ey = β² Ey

Discretised as the FDTD discretises the plane: ``Ex`` at ``(i+½, j)``, ``Ey`` at ``(i, j+½)``, ``Ez`` and the divergence
at ``(i, j)``, ``Hz`` and the curl at ``(i+½, j+½)``; forward differences map nodes to half-cells and backward ones
back. The cross-section spans ``[0, nx·Δx] × [0, ny·Δx]`` with PEC walls (tangential E and ``Ez`` vanish there), so
make it wider than the mode. In an air-filled metal guide the discrete eigenvalues are exactly
``β² = k₀² − (2/Δx)² [sin²(mπ/2n_x) + sin²(nπ/2n_y)]``; a test checks it.

A low wall may instead be a mirror plane (``mirror = (p_x, p_y)``, as a grid's ``mirror``): the section is then half
(or a quarter) of a symmetric one and the modes are the whole section's modes of that parity. ``−1`` is the PEC wall
above; ``+1`` (tangential E even, a PMC plane) keeps the tangential E on the plane and doubles the backward
differences there (the quantities they act on, ``εE_n`` and ``∂_n E_t``, are odd). Powers count every sample with
its images (node 0 of a mirrored axis once, the rest twice), so they are the whole section's.

Along ``z`` and in time the equations are continuous unless ``dz`` and ``dt`` are given. Then the mode is the FDTD's
own: every ``∂z`` between staggered planes is ``iβ̃`` with ``β̃ = (2/Δz) sin(βΔz/2)``, and ``ω`` enters as
``k̃₀ = 2 sin(ωΔt/2)/(cΔt)``, so the same eigenproblem in ``(β̃, k̃₀)`` gives ``β = (2/Δz) asin(β̃Δz/2)``, the
propagation constant a 3-D run sees (:class:`solvers.fdtd.mode_ports_3d.ModePort3D` asks for it).

The other components follow from Maxwell's equations (``H̃ = η₀H``): ``Hz = (∂xEy − ∂yEx)/(ik₀)``,
``Ez = i ∇_t·(εE_t)/(β ε_z)``, ``Hx = (∂yEz − iβEy)/(ik₀)``, ``Hy = (iβEx − ∂xEz)/(ik₀)``. Modes are normalised to unit
power, ``½ Re ∫ (Ex Hy* − Ey Hx*) dA = 1`` W (``Ex``/``Hy`` and ``Ey``/``Hx`` share positions). The sparse
eigenproblem is solved by shift-invert Arnoldi (ARPACK) around ``(k₀ n_max)²``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from physics.maxwell import C0, ETA0


@dataclass(frozen=True)
class VectorMode:
    """One mode at ``frequency`` (Hz): ``n_eff = β/k₀`` and the six field components ``[nx, ny]`` complex at their Yee
    positions in the cross-section (V/m and A/m, unit power). ``te_fraction`` = ∫|Ex|² / ∫(|Ex|² + |Ey|²): near 1 for
    a quasi-TE (x-polarised) mode, near 0 for a quasi-TM one. ``order`` counts from 0 by decreasing ``n_eff``."""

    frequency: float
    order: int
    n_eff: float
    dx: float
    fields: dict
    mirror: tuple = (0, 0)  # mirror planes at the section's low x and y walls (see the module docstring)

    @property
    def beta(self) -> float:
        """Propagation constant β (rad/m)."""
        return 2 * math.pi * self.frequency / C0 * self.n_eff

    @property
    def te_fraction(self) -> float:
        """The share of the transverse E energy in ``Ex`` (over the whole section, images included)."""
        w = power_weights(self.fields["ex"].shape, self.mirror)
        ex, ey = (np.sum(w[a] * np.abs(self.fields[c]) ** 2) for a, c in (("x", "ex"), ("y", "ey")))
        return float(ex / (ex + ey))


def _difference(n: int, dx: float):
    """Forward difference ``(f[i+1] − f[i])/Δx`` with ``f[n] = 0`` (``[n, n]``, CSR); its negative transpose is
    backward."""
    import scipy.sparse as sp

    return sp.diags([-np.ones(n), np.ones(n - 1)], [0, 1], format="csr") / dx


def _backward(n: int, dx: float, mirror: int):
    """Backward difference ``(f[i] − f[i−1])/Δx`` with ``f[−1] = 0``, or ``f[−1] = −f[0]`` behind a ``+1`` mirror."""
    b = (-_difference(n, dx).T).tolil()
    if mirror == 1:
        b[0, 0] = 2 / dx
    return b.tocsr()


def power_weights(shape: tuple[int, int], mirror=(0, 0)) -> dict:
    """Weights ``[nx, ny]`` of ``Ex``/``Hy`` (at ``(i+½, j)``) and ``Ey``/``Hx`` (at ``(i, j+½)``) samples in
    integrals over the whole section: a mirrored axis counts a sample twice (with its image), once on the plane."""
    nx, ny = shape
    mx, my = mirror

    def along(n, on_nodes, m):
        w = np.full(n, 2.0 if m else 1.0)
        if m and on_nodes:
            w[0] = 1.0
        return w

    return {
        "x": np.outer(along(nx, False, mx), along(ny, True, my)),  # Ex, Hy
        "y": np.outer(along(nx, True, mx), along(ny, False, my)),  # Ey, Hx
    }


def _check(eps: dict) -> tuple[int, int]:
    missing = [c for c in ("ex", "ey", "ez") if c not in eps]
    if missing:
        raise ValueError(
            f"eps needs 'ex', 'ey' and 'ez' maps (relative permittivity at each component's position); {missing} "
            "are missing. solvers.fdtd.rasterize on a (nx, ny, 1) grid makes them."
        )
    arrays = {c: np.asarray(eps[c], dtype=np.float64).squeeze() for c in ("ex", "ey", "ez")}
    shapes = {c: a.shape for c, a in arrays.items()}
    if len(set(shapes.values())) != 1 or len(shapes["ex"]) != 2 or min(shapes["ex"]) < 3:
        raise ValueError(f"eps maps must share one 2-D shape [nx, ny] with nx, ny >= 3; got {shapes}.")
    if any(not np.all(np.isfinite(a)) or np.any(a <= 0) for a in arrays.values()):
        raise ValueError("eps must be finite and positive everywhere (lossless dielectrics and air).")
    return shapes["ex"]


def vector_modes(
    eps: dict,
    dx: float,
    frequency: float,
    count: int = 2,
    n_guess: float | None = None,
    dz: float | None = None,
    dt: float | None = None,
    mirror: tuple[int, int] = (0, 0),
) -> list:
    """The ``count`` modes with the largest ``n_eff`` (at or below ``n_guess``, default the largest index present).

    Args:
        eps: relative permittivity at the positions of ``ex``, ``ey``, ``ez``, each ``[nx, ny]`` (a ``[nx, ny, 1]``
            map from :func:`solvers.fdtd.rasterize` is accepted).
        dx: cell size (m).
        frequency: Hz.
        count: how many modes.
        n_guess: the shift of the eigensolver as an index (modes nearest ``n_guess²`` in ``n_eff²`` are found).
        dz, dt: the FDTD's cell size along the guide and time step; given, the mode is the discrete one of that
            grid (see the module docstring).
        mirror: the phases of mirror planes at the low x and y walls (0: a PEC wall), see the module docstring.

    Returns:
        :class:`VectorMode` list, by decreasing ``n_eff``. Evanescent solutions (β² < 0) are dropped.
    """
    nx, ny = _check(eps)
    ex_eps, ey_eps, ez_eps = (np.asarray(eps[c], dtype=np.float64).reshape(nx, ny) for c in ("ex", "ey", "ez"))
    if not (dx > 0 and frequency > 0 and count >= 1):
        raise ValueError(f"dx and frequency must be positive and count >= 1; got {dx}, {frequency}, {count}.")
    k0 = 2 * math.pi * frequency / C0
    if dt is not None:  # the leapfrog's ω: sin(ωΔt/2)·2/Δt
        k0 = 2 * math.sin(math.pi * frequency * dt) / (C0 * dt)
    import scipy.sparse as sp  # here, not at import: every `sciml run` loads the FDTD experiments
    import scipy.sparse.linalg as spla

    mirror = tuple(int(m) for m in mirror)
    if len(mirror) != 2 or any(m not in (-1, 0, 1) for m in mirror):
        raise ValueError(f"mirror must be two of -1, 0, +1 (the low x and y walls), got {mirror!r}.")
    pmc_x, pmc_y = (m == 1 for m in mirror)
    ux = sp.kron(_difference(nx, dx), sp.identity(ny), format="csr")  # nodes → x half-cells
    uy = sp.kron(sp.identity(nx), _difference(ny, dx), format="csr")
    vx = sp.kron(_backward(nx, dx, mirror[0]), sp.identity(ny), format="csr")  # half-cells → nodes
    vy = sp.kron(sp.identity(nx), _backward(ny, dx, mirror[1]), format="csr")
    wall = np.ones((nx, ny))
    # Ez and the divergence vanish on the low walls (the high ones are outside), not on a PMC mirror plane
    if not pmc_x:
        wall[0, :] = 0.0
    if not pmc_y:
        wall[:, 0] = 0.0
    z = sp.diags((wall / ez_eps).ravel())
    ex_d, ey_d = sp.diags(ex_eps.ravel()), sp.diags(ey_eps.ravel())
    axx = ux @ z @ vx @ ex_d + vy @ uy + k0**2 * ex_d
    axy = ux @ z @ vy @ ey_d - vy @ ux
    ayx = uy @ z @ vx @ ex_d - vx @ uy
    ayy = uy @ z @ vy @ ey_d + vx @ ux + k0**2 * ey_d
    a = sp.bmat([[axx, axy], [ayx, ayy]], format="csc")
    keep_x = np.ones((nx, ny), bool)
    keep_x[:, 0] = pmc_y  # Ex on the wall y = 0 vanishes, unless it is a PMC plane
    keep_y = np.ones((nx, ny), bool)
    keep_y[0, :] = pmc_x  # Ey on the wall x = 0
    keep = np.concatenate([keep_x.ravel(), keep_y.ravel()])
    idx = np.flatnonzero(keep)
    a = a[idx][:, idx]
    n_top = n_guess if n_guess is not None else math.sqrt(max(ex_eps.max(), ey_eps.max()))
    k = min(count + 2, a.shape[0] - 2)
    values, vectors = spla.eigs(a, k=k, sigma=(k0 * n_top) ** 2, which="LM")
    order = np.argsort(-values.real)
    modes = []
    for q in order:
        beta2 = float(values[q].real)
        if beta2 <= 0 or len(modes) == count:
            continue
        full = np.zeros(2 * nx * ny, dtype=complex)
        full[idx] = vectors[:, q]
        ops = (ux, uy, vx, vy)
        mode = _mode(full, beta2, k0, frequency, dx, (nx, ny), ops, z, ex_eps, ey_eps, len(modes), dz, mirror)
        modes.append(mode)
    return modes


def _mode(vector, beta2, k0, frequency, dx, shape, ops, z, ex_eps, ey_eps, order, dz, mirror) -> VectorMode:
    """All six components of one eigenvector, normalised to unit power (forward, along +z)."""
    weights = power_weights(shape, mirror)
    ux, uy, vx, vy = ops
    n = shape[0] * shape[1]
    ex, ey = vector[:n], vector[n:]
    beta = math.sqrt(beta2)
    divergence = vx @ (ex_eps.ravel() * ex) + vy @ (ey_eps.ravel() * ey)
    ez = 1j * (z @ divergence) / beta  # z already holds wall/ε_z
    hz = (ux @ ey - uy @ ex) / (1j * k0)
    hx = (uy @ ez - 1j * beta * ey) / (1j * k0)
    hy = (1j * beta * ex - ux @ ez) / (1j * k0)
    fields = {c: v.reshape(shape) for c, v in zip(("ex", "ey", "ez"), (ex, ey, ez))}
    fields.update({c: v.reshape(shape) / ETA0 for c, v in zip(("hx", "hy", "hz"), (hx, hy, hz))})
    flow = weights["x"] * fields["ex"] * fields["hy"].conj() - weights["y"] * fields["ey"] * fields["hx"].conj()
    power = 0.5 * np.real(np.sum(flow)) * dx**2
    scale = 1 / math.sqrt(power)
    biggest = max((fields["ex"], fields["ey"]), key=lambda f: np.abs(f).max())
    phase = np.exp(-1j * np.angle(biggest.flat[np.abs(biggest).argmax()]))  # the largest transverse E real, positive
    fields = {c: v * scale * phase for c, v in fields.items()}
    if dz is not None:  # β̃ = (2/Δz) sin(βΔz/2) → β
        s = beta * dz / 2
        if s >= 1:
            raise ValueError(
                f"the mode's β̃Δz/2 = {s:.3f} >= 1: the grid along the guide is too coarse for this mode (fewer than "
                "about 2 cells per wavelength in the core). Refine dz."
            )
        beta = 2 / dz * math.asin(s)
    return VectorMode(float(frequency), order, beta / (2 * math.pi * frequency / C0), float(dx), fields, mirror)


__all__ = ["VectorMode", "power_weights", "vector_modes"]
