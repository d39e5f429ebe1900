"""The Yee update (Yee 1966; Taflove & Hagness, *Computational Electrodynamics*, 3rd ed., ch. 3 and 7).

    H^{n+½} = H^{n−½} − (Δt/μ) ∇⁺×E^n
    E^{n+1} = c_a E^n + c_b ∇⁻×H^{n+½},   c_a = (1 − σΔt/2ε)/(1 + σΔt/2ε),  c_b = (Δt/ε)/(1 + σΔt/2ε)

``∇⁺`` uses forward differences (E → H positions) and ``∇⁻`` backward differences (H → E positions);
inside CPML layers each difference ``D`` becomes ``D/κ + ψ`` with ``ψ ← b ψ + c D`` (:mod:`.cpml`). The
auxiliaries ``ψ`` (and ``b, c, κ``) live only on the two layer slabs of their axis (``2L`` cells along it, not ``n``),
so a CPML adds work and memory traffic in proportion to its volume, not to the grid's.
A step is a pure function of an explicit :class:`FDTDState` (fields, CPML auxiliaries, dispersive
currents, TFSF incident lines) and the precomputed :class:`Coefficients`; autograd differentiates through it
(ε, σ and source parameters).
Fields are ``[nx, ny, nz]`` tensors in V/m and A/m.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from physics.maxwell import EPS0, MU0, DistributedSource, Materials, PlaneSource, PointSource
from solvers.fdtd.cpml import CPMLParameters, profile
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.tfsf import TFSFPlaneWave, advance_e, advance_h, incident_fields

E_CURL = {
    "ex": (("y", "hz", 1.0), ("z", "hy", -1.0)),
    "ey": (("z", "hx", 1.0), ("x", "hz", -1.0)),
    "ez": (("x", "hy", 1.0), ("y", "hx", -1.0)),
}
H_CURL = {
    "hx": (("y", "ez", -1.0), ("z", "ey", 1.0)),
    "hy": (("z", "ex", -1.0), ("x", "ez", 1.0)),
    "hz": (("x", "ey", -1.0), ("y", "ex", 1.0)),
}
AXIS = {"x": 0, "y": 1, "z": 2}


@dataclass(frozen=True)
class FDTDState:
    """Everything a step advances, each auxiliary under its own name.

    - ``fields``: ``ex … hz`` ``[nx, ny, nz]`` (V/m, A/m);
    - ``cpml``: CPML auxiliaries ψ by ``"<component>_<axis>"``, on the two layer slabs of that axis;
    - ``dispersion``: ADE currents of dispersive media, ``drude_j<a>`` (Drude) and ``lorentz_j<a>`` /
      ``lorentz_p<a>`` (Lorentz current and polarisation), per E component ``a`` in ``x, y, z``;
    - ``tfsf``: each TFSF plane wave's 1-D incident line, ``<name>_e`` and ``<name>_h``;
    - ``n``: the step count (a 0-d int64 tensor, so that compiled chunks do not specialise on it).
    """

    fields: dict
    cpml: dict
    dispersion: dict
    tfsf: dict
    n: Tensor


@dataclass(frozen=True)
class Coefficients:
    """The precomputed update coefficients of a grid and its materials (see :func:`coefficients`)."""

    grid: YeeGrid
    dt: float
    ca: Tensor  # [nx, ny, nz] (or broadcastable)
    cb: Tensor
    db: Tensor
    eps: Tensor  # ε0 εr, for energies
    mu: Tensor
    keep_e: dict  # component -> 0/1 mask (PEC walls and objects), or absent
    cpml_e: dict = field(default_factory=dict)  # axis -> (b, c, 1/κ − 1, L) on the two L-cell slabs, broadcast shapes
    cpml_h: dict = field(default_factory=dict)
    drude: tuple | None = None  # (k_J, β_J) maps of the Drude current update, or None
    lorentz: tuple | None = None  # (k_J, β_E, β_P) maps of the Lorentz current update, or None
    keep_h: dict = field(default_factory=dict)  # component -> 0/1 mask (PMC objects)
    anisotropic: dict = field(default_factory=dict)  # E component -> (ca, cb, ε) where ε differs per component


def _shape_along(v: Tensor, axis: int) -> Tensor:
    s = [1, 1, 1]
    s[axis] = -1
    return v.reshape(s)


def _slabs(v: Tensor, axis: int, cells: int) -> Tensor:
    """The first and last ``cells`` entries of ``v`` along ``axis``, concatenated (``2·cells`` along it)."""
    n = v.shape[axis]
    return torch.cat([v.narrow(axis, 0, cells), v.narrow(axis, n - cells, cells)], axis)


def wall_axes(grid: YeeGrid, comp: str) -> list[int]:
    """The axes on whose low wall the E component ``comp`` is tangential and held at zero: PEC and PML walls (the
    high wall is the zero pad of the differences), not a PMC mirror plane (``mirror = +1``)."""
    own = {"ex": 0, "ey": 1, "ez": 2}[comp]
    return [a for a in range(3) if a != own and grid.boundaries[a] in ("pec", "pml") and grid.mirror[a] != 1]


def wall_mask(grid: YeeGrid, comp: str, dtype=torch.float32, device="cpu") -> Tensor:
    """``[nx, ny, nz]``: 0 on the planes of :func:`wall_axes`, 1 elsewhere."""
    k = torch.ones(grid.shape, dtype=dtype, device=device)
    for a in wall_axes(grid, comp):
        k = k.index_fill(a, torch.tensor([0], device=device), 0.0)
    return k


def time_levels(state: FDTDState, co: Coefficients) -> tuple[Tensor, Tensor]:
    """The times of ``H^{n+½}`` and ``E^{n+1}`` that one step from ``state`` reaches (0-d tensors, s)."""
    n = state.n.to(co.ca.dtype)
    return (n + 0.5) * co.dt, (n + 1) * co.dt


def coefficients(
    grid: YeeGrid, materials: Materials, dtype=torch.float32, device="cpu", cpml: CPMLParameters | None = None
) -> Coefficients:
    """Update coefficients for ``grid`` and ``materials`` (differentiable in the material maps)."""
    cpml = cpml or CPMLParameters()
    m = materials.tensors(grid.shape, dtype, device)
    dt = grid.time_step
    eps = EPS0 * m["eps_r"]
    mu = MU0 * m["mu_r"]
    loss = m["sigma"] * dt / (2 * eps)
    ca, cb = (1 - loss) / (1 + loss), (dt / eps) / (1 + loss)
    keep = {}
    for c in E_CURL:
        k = wall_mask(grid, c, dtype, device)
        touched = bool(wall_axes(grid, c))
        if "pec" in m:
            k = k * (~m["pec"]).to(dtype)
            touched = True
        if touched:
            keep[c] = k
    cpml_e, cpml_h = {}, {}
    for name, ax in AXIS.items():
        if grid.boundaries[ax] == "pml":
            n = grid.shape[ax]
            L = grid.pml_cells  # the grid guarantees n > 2L: the two slabs do not overlap
            for table, half in ((cpml_e, False), (cpml_h, True)):
                b, c, ik = (_slabs(v, 0, L) for v in profile(n, L, grid.dx, dt, half, cpml, dtype, device))
                if grid.mirror[ax]:  # no absorber at a mirror plane: the low slab leaves the derivative alone
                    fills = ((b, 0.0), (c, 0.0), (ik, 1.0))
                    b, c, ik = (torch.cat([torch.full_like(v[:L], fill), v[L:]]) for v, fill in fills)
                table[name] = (*(_shape_along(v, ax) for v in (b, c, ik - 1)), L)
    drude = None
    if bool((m["drude_omega_p"].detach() > 0).any()):
        # J^{n+½} = k_J J^{n−½} + β_J E^n,  k_J = (1 − γΔt/2)/(1 + γΔt/2),  β_J = ε0 ωp² Δt/(1 + γΔt/2)
        g = m["drude_gamma"] * dt / 2
        drude = ((1 - g) / (1 + g), EPS0 * m["drude_omega_p"] ** 2 * dt / (1 + g))
    lorentz = None
    if bool((m["lorentz_delta_eps"].detach() > 0).any()):
        # dP/dt = J,  dJ/dt + γJ + ω0² P = ε0 Δε ω0² E  (leapfrog: J at half steps, P with E at whole steps)
        # J^{n+½} = k_J J^{n−½} + β_E E^n − β_P P^n,  P^{n+1} = P^n + Δt J^{n+½}
        g = m["lorentz_gamma"] * dt / 2
        w2 = m["lorentz_omega0"] ** 2
        lorentz = ((1 - g) / (1 + g), EPS0 * m["lorentz_delta_eps"] * w2 * dt / (1 + g), w2 * dt / (1 + g))
    anisotropic = {}
    if "eps_r_ex" in m:  # a diagonal ε per E component (subpixel smoothing)
        for c in ("ex", "ey", "ez"):
            eps_c = EPS0 * m[f"eps_r_{c}"]
            loss_c = m["sigma"] * dt / (2 * eps_c)
            anisotropic[c] = ((1 - loss_c) / (1 + loss_c), (dt / eps_c) / (1 + loss_c), eps_c)
    keep_h = {}
    if "pmc" in m:
        for c in ("hx", "hy", "hz"):
            keep_h[c] = (~m["pmc"]).to(dtype)
    return Coefficients(grid, dt, ca, cb, dt / mu, eps, mu, keep, cpml_e, cpml_h, drude, lorentz, keep_h, anisotropic)


def init_state(co: Coefficients, dtype=torch.float32, device="cpu") -> FDTDState:
    """Zero fields, CPML auxiliaries and dispersive currents; complex (of ``dtype``'s precision) on a Bloch grid."""
    if co.grid.is_bloch and not dtype.is_complex:
        dtype = torch.complex128 if dtype == torch.float64 else torch.complex64

    def z():
        return torch.zeros(co.grid.shape, dtype=dtype, device=device)

    fields = {c: z() for c in ("ex", "ey", "ez", "hx", "hy", "hz")}
    psi, dispersion = {}, {}
    for table, cp in ((E_CURL, co.cpml_e), (H_CURL, co.cpml_h)):
        for comp, terms in table.items():
            for ax, _, _ in terms:
                if ax in cp:
                    shape = list(co.grid.shape)
                    shape[AXIS[ax]] = 2 * cp[ax][3]
                    psi[f"{comp}_{ax}"] = torch.zeros(shape, dtype=dtype, device=device)
    if co.drude is not None:  # the Drude polarisation current, one per E component
        for comp in ("ex", "ey", "ez"):
            dispersion[f"drude_j{comp[1]}"] = z()
    if co.lorentz is not None:  # the Lorentz polarisation and its current
        for comp in ("ex", "ey", "ez"):
            dispersion[f"lorentz_j{comp[1]}"] = z()
            dispersion[f"lorentz_p{comp[1]}"] = z()
    return FDTDState(fields, psi, dispersion, {}, torch.zeros((), dtype=torch.int64, device=device))


def forward_diff(f: Tensor, axis: int, periodic: bool, phase: complex | None = None, mirror: int = 0) -> Tensor:
    """``f[i+1] − f[i]`` with ``f[n] = 0`` (wall), ``f[n] = f[0]`` (periodic) or ``f[n] = f[0] e^{ikL}`` (Bloch
    ``phase``). A mirror plane sits at the low wall, which a forward difference never crosses."""
    n = f.shape[axis]
    if periodic and phase is not None:
        return torch.cat([f.narrow(axis, 1, n - 1), f.narrow(axis, 0, 1) * phase], axis) - f
    if periodic:
        return torch.roll(f, -1, axis) - f
    n = f.shape[axis]
    return torch.cat([f.narrow(axis, 1, n - 1) - f.narrow(axis, 0, n - 1), -f.narrow(axis, n - 1, 1)], axis)


def backward_diff(f: Tensor, axis: int, periodic: bool, phase: complex | None = None, mirror: int = 0) -> Tensor:
    """``f[i] − f[i−1]`` with ``f[−1] = 0`` (wall), ``f[−1] = f[n−1]`` (periodic), ``f[−1] = f[n−1] e^{−ikL}``
    (Bloch ``phase`` = ``e^{ikL}``) or ``f[−1] = −f[0]`` (``mirror = +1``: the odd tangential H behind a PMC plane)."""
    n = f.shape[axis]
    if periodic and phase is not None:
        return f - torch.cat([f.narrow(axis, n - 1, 1) * phase.conjugate(), f.narrow(axis, 0, n - 1)], axis)
    if periodic:
        return f - torch.roll(f, 1, axis)
    first = 2 * f.narrow(axis, 0, 1) if mirror == 1 else f.narrow(axis, 0, 1)
    return torch.cat([first, f.narrow(axis, 1, n - 1) - f.narrow(axis, 0, n - 1)], axis)


def _curl(src: dict, table: dict, cp: dict, psi: dict, co: Coefficients, diff) -> tuple[dict, dict]:
    g, inv_dx = co.grid, 1.0 / co.grid.dx
    curls, new_psi = {}, {}
    for comp, terms in table.items():
        total, slab_terms = None, []
        for ax, other, sign in terms:
            a = AXIS[ax]
            if g.shape[a] == 1 or other not in src:
                continue  # no variation along a singleton axis (or a partial field set, e.g. TFSF incident fields)
            d = diff(src[other], a, g.boundaries[a] == "periodic", g.bloch_phase(a), g.mirror[a]) * inv_dx
            if ax in cp:  # D/κ + ψ = D + [(1/κ − 1) D + ψ], the bracket only on the slabs
                b, c, ik1, L = cp[ax]
                ds = _slabs(d, a, L)
                p = b * psi[f"{comp}_{ax}"] + c * ds
                new_psi[f"{comp}_{ax}"] = p
                slab_terms.append((a, L, sign, ik1 * ds + p))
            if total is None:
                total = d if sign > 0 else -d
            else:
                total = total + d if sign > 0 else total - d
        for a, L, sign, extra in slab_terms:  # total is a fresh tensor: add the slab terms in place
            extra = extra if sign > 0 else -extra
            n = total.shape[a]
            total.narrow(a, 0, L).add_(extra.narrow(a, 0, L))
            total.narrow(a, n - L, L).add_(extra.narrow(a, L, L))
        curls[comp] = total
    return curls, new_psi


def _tfsf_correction(tfsf, inc: dict, table: dict, co: Coefficients, diff) -> dict:
    """``M·curl F_inc − curl(M·F_inc)`` per target component (see :mod:`.tfsf`)."""
    full, _ = _curl(inc, table, {}, {}, co, diff)  # no CPML terms: the box lies outside the CPML
    masked, _ = _curl({c: tfsf.masks[c] * v for c, v in inc.items()}, table, {}, {}, co, diff)
    return {c: tfsf.masks[c] * full[c] - masked[c] for c in full if full[c] is not None}


def step(state: FDTDState, co: Coefficients, sources=(), active=None) -> FDTDState:
    """Advance ``E^n, H^{n−½}`` to ``E^{n+1}, H^{n+½}`` (pure). ``sources``: see :mod:`physics.maxwell.sources`
    and :mod:`.tfsf` (plane waves whose 1-D incident lines travel in ``state.tfsf``). ``active``: the components
    to advance (all by default); on a 2-D grid one polarisation (``ez, hx, hy`` or ``ex, ey, hz``) is closed, and
    :func:`active_components` finds it."""
    f = state.fields
    t_h, t_e = time_levels(state, co)
    src = f if active is None else {c: v for c, v in f.items() if c in active}
    ch, psi_h = _curl(src, H_CURL, co.cpml_h, state.cpml, co, forward_diff)
    tfsf = [s for s in sources if isinstance(s, TFSFPlaneWave)]
    aux = {}
    for s in tfsf:
        zero = torch.zeros(s.length, dtype=co.ca.dtype, device=co.ca.device)
        e1, h1 = state.tfsf.get(f"{s.name}_e", zero), state.tfsf.get(f"{s.name}_h", zero)
        inc_e = {c: v for c, v in incident_fields(s, e1, h1).items() if c[0] == "e"}
        for c, v in _tfsf_correction(s, inc_e, H_CURL, co, forward_diff).items():
            ch[c] = v if ch[c] is None else ch[c] + v
        h1 = advance_h(s, e1, h1)
        aux[s.name] = (e1, h1)
    new = dict(f)
    for comp in ("hx", "hy", "hz"):
        if ch[comp] is not None:
            h = f[comp] + co.db * ch[comp]
            new[comp] = h * co.keep_h[comp] if comp in co.keep_h else h
    fresh = {c for c in ("hx", "hy", "hz") if ch[c] is not None}
    new = _apply_sources(new, sources, "h", t_h, co.dt, fresh)
    src = new if active is None else {c: v for c, v in new.items() if c in active}
    ce, psi_e = _curl(src, E_CURL, co.cpml_e, state.cpml, co, backward_diff)
    lines, currents = {}, {}
    for s in tfsf:
        e1, h1 = aux[s.name]
        inc_h = {c: v for c, v in incident_fields(s, e1, h1).items() if c[0] == "h"}
        for c, v in _tfsf_correction(s, inc_h, E_CURL, co, backward_diff).items():
            ce[c] = v if ce[c] is None else ce[c] + v
        lines[f"{s.name}_e"], lines[f"{s.name}_h"] = advance_e(s, e1, h1, t_e), h1
    if co.drude is not None:  # Drude ADE (Taflove & Hagness ch. 9): current from E^n, then E^{n+1} sees −J
        kj, bj = co.drude
        for comp in ("ex", "ey", "ez"):
            j = kj * state.dispersion[f"drude_j{comp[1]}"] + bj * f[comp]
            currents[f"drude_j{comp[1]}"] = j
            ce[comp] = -j if ce[comp] is None else ce[comp] - j
    if co.lorentz is not None:
        kj, be, bp = co.lorentz
        for comp in ("ex", "ey", "ez"):
            a = comp[1]
            j = kj * state.dispersion[f"lorentz_j{a}"] + be * f[comp] - bp * state.dispersion[f"lorentz_p{a}"]
            currents[f"lorentz_j{a}"] = j
            currents[f"lorentz_p{a}"] = state.dispersion[f"lorentz_p{a}"] + co.dt * j
            ce[comp] = -j if ce[comp] is None else ce[comp] - j
    for comp in ("ex", "ey", "ez"):
        if ce[comp] is not None:
            ca, cb, _ = co.anisotropic.get(comp, (co.ca, co.cb, None))
            e = ca * f[comp] + cb * ce[comp]
            new[comp] = e * co.keep_e[comp] if comp in co.keep_e else e
    fresh = {c for c in ("ex", "ey", "ez") if ce[c] is not None}
    new = _apply_sources(new, sources, "e", t_e, co.dt, fresh)
    return FDTDState(
        new, {**state.cpml, **psi_h, **psi_e}, {**state.dispersion, **currents}, {**state.tfsf, **lines}, state.n + 1
    )


@dataclass(frozen=True)
class PatchSource:
    """A soft source on a box of the grid: ``field[box] += patch · profile(t)`` (what :func:`sparse_sources`
    makes of a :class:`~physics.maxwell.DistributedSource` whose pattern is zero outside a small box)."""

    box: tuple  # a slice per axis
    patch: Tensor
    profile: object
    component: str


def sparse_sources(sources) -> list:
    """Each ``DistributedSource`` whose pattern is zero outside a box of at most half the grid, as a
    :class:`PatchSource` on that box (the update then touches the box, not the grid)."""
    out = []
    for s in sources:
        pattern = getattr(s, "pattern", None)
        if isinstance(s, DistributedSource) and isinstance(pattern, Tensor) and pattern.ndim == 3:
            nz = (pattern.detach() != 0).nonzero()
            if len(nz) and nz.numel():
                lo, hi = nz.min(0).values.tolist(), nz.max(0).values.tolist()
                box = tuple(slice(a, b + 1) for a, b in zip(lo, hi))
                if pattern[box].numel() * 2 <= pattern.numel():
                    out.append(PatchSource(box, pattern[box], s.profile, s.component))
                    continue
        out.append(s)
    return out


def active_components(grid: YeeGrid, sources, state: FDTDState | None = None):
    """The closed set of components a run must advance: on a grid with ``nz = 1`` and isotropic media, sources
    on ``ez, hx, hy`` only (E out of plane) never excite ``ex, ey, hz`` and vice versa; otherwise all (None)."""
    if grid.shape[2] != 1:
        return None
    comps = set()
    for s in sources:
        if not isinstance(s, (PointSource, PlaneSource, DistributedSource, PatchSource)):
            return None  # e.g. a TFSF plane wave: advance everything
        comps.add(s.component)
    if state is not None:
        comps |= {c for c, v in state.fields.items() if bool((v.detach() != 0).any())}
    for group in (frozenset({"ez", "hx", "hy"}), frozenset({"ex", "ey", "hz"})):
        if comps and comps <= group:
            return group
    return None


def source_sample_time(t, dt, hard: bool):
    """When a source's profile is sampled for the fields that reach time ``t``: ``t`` for a hard source, the step's
    centre ``t − Δt/2`` for a soft one (see :func:`_apply_sources`)."""
    return t if hard else t - 0.5 * dt


def _apply_sources(fields: dict, sources, kind: str, t: Tensor, dt, fresh=frozenset()) -> dict:
    """Add soft sources, impose hard ones, on the ``kind`` ("e" or "h") fields just advanced to time ``t``.
    ``fresh``: components computed this step (a :class:`PatchSource` adds to those in place).

    A soft source is a current integrated over the step that ends at ``t``: the update is centred at ``t − Δt/2``,
    so that is where its profile is sampled (sampling it at ``t`` would delay the whole radiated field by half a
    step, a first-order error in time). A hard source sets the field itself, so it is sampled at ``t``.
    """
    for s in sources:
        if not hasattr(s, "component"):  # TFSF plane waves act inside the curl updates (see step)
            continue
        if s.component[0] != kind:
            continue
        f = fields[s.component]
        val = s.profile(source_sample_time(t, dt, getattr(s, "hard", False)))
        if isinstance(s, PointSource):
            idx = tuple(torch.tensor([int(i)], device=f.device) for i in s.position)
            v = val.reshape(1).to(f.dtype)
            f = torch.index_put(f, idx, v, accumulate=not s.hard)
        elif isinstance(s, PlaneSource):
            f = torch.select_scatter(f, f.select(s.axis, s.index) + val, s.axis, s.index)
        elif isinstance(s, DistributedSource):
            f = f + s.pattern * val
        elif isinstance(s, PatchSource):
            if s.component not in fresh:  # never write into the previous step's tensor
                f = f.clone()
                fresh = {*fresh, s.component}
            f[s.box].add_(s.patch * val)
        else:
            raise TypeError(
                f"unknown source type {type(s).__name__}; use PointSource, PlaneSource, DistributedSource "
                "(physics.maxwell) or TFSFPlaneWave (solvers.fdtd.tfsf)."
            )
        fields[s.component] = f
    return fields


def energy(before: FDTDState, after: FDTDState, co: Coefficients) -> Tensor:
    """The Yee scheme's conserved energy ``½ Σ (ε E^n·E^n + μ H^{n−½}·H^{n+½}) Δx³`` (J, per metre in 2-D/1-D)
    from the states before and after one step."""
    vol = co.grid.dx**co.grid.ndim
    we = sum((co.anisotropic.get(c, (None, None, co.eps))[2] * before.fields[c] ** 2).sum() for c in ("ex", "ey", "ez"))
    wh = sum((co.mu * before.fields[c] * after.fields[c]).sum() for c in ("hx", "hy", "hz"))
    return 0.5 * (we + wh) * vol


def divergence_b(state: FDTDState, co: Coefficients) -> Tensor:
    """``∇·(μH)`` at cell centres (forward differences, the adjoint pairing of the curl): ``[nx, ny, nz]``.

    Since ``H`` changes by ``−(Δt/μ)∇⁺×E`` and forward differences commute, this stays at its initial
    value up to round-off."""
    g = co.grid
    out = torch.zeros(g.shape, dtype=state.fields["hx"].dtype, device=state.fields["hx"].device)
    for comp, a in (("hx", 0), ("hy", 1), ("hz", 2)):
        if g.shape[a] > 1:
            periodic = g.boundaries[a] == "periodic"
            out = out + forward_diff(co.mu * state.fields[comp], a, periodic, g.bloch_phase(a)) / g.dx
    return out
