"""The Yee step in one native pass per field component (``yee_kernel.cpp``), for forward runs on a CPU.

:func:`solvers.fdtd.yee.step` builds each curl from a dozen tensor operations, each a pass over the grid; the
native kernel forms the differences, the CPML corrections and the update of one component in a single pass
over its rows (OpenMP over rows, vectorised along the contiguous axis), which is what Meep's C++ loops do.
The equations are the same (Taflove & Hagness, ch. 3 and 7; see :mod:`.yee`), and so are the results, to
rounding (``tests/solvers/test_fdtd_native.py``).

The kernel has no backward pass, so :func:`native_step_unsupported` sends a run to the torch step whenever
autograd would need one (grad enabled and a coefficient or field that requires grad), and for what the kernel
does not cover: complex (Bloch) fields, dispersive media, TFSF plane waves, devices other than the CPU. The
step stays pure: each call writes new field and CPML tensors and returns a new :class:`.FDTDState`.

    stepper = NativeStepper(co, sources, active)     # after native_step_unsupported(co, sources) == ""
    state = stepper(state)                           # = step(state, co, sources, active), to rounding
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import torch
from torch import Tensor

from physics.maxwell import DistributedSource, PlaneSource, PointSource
from sciml.runtime.native import NativeLibrary
from solvers.fdtd.yee import (
    AXIS,
    E_CURL,
    H_CURL,
    Coefficients,
    FDTDState,
    PatchSource,
    _apply_sources,
    step,
    time_levels,
    wall_axes,
    wall_mask,
)

_P, _I64 = ctypes.c_void_p, ctypes.c_int64


def _signature(real) -> list:
    pointers = [_P] * 3 + [_I64, _I64] + [_P] * 18
    return [*pointers, real, _I64]


YEE_KERNEL = NativeLibrary(
    Path(__file__).with_name("yee_kernel.cpp"),
    {"yee_half_step_f32": _signature(ctypes.c_float), "yee_half_step_f64": _signature(ctypes.c_double)},
    tuned=True,
)
_SOURCES = (PointSource, PlaneSource, DistributedSource, PatchSource)


def _coefficient_tensors(co: Coefficients) -> list[Tensor]:
    out = [co.ca, co.cb, co.db, *co.keep_e.values(), *co.keep_h.values()]
    out += [t for v in co.anisotropic.values() for t in v if isinstance(t, Tensor)]
    return [t for t in out if isinstance(t, Tensor)]


def native_step_unsupported(co: Coefficients, sources=(), state: FDTDState | None = None) -> str:
    """Why the native step cannot run this simulation ("" when it can)."""
    ref = co.ca
    if ref.device.type != "cpu":
        return f"the fields are on {ref.device.type}, and the native kernel runs on the CPU"
    if ref.dtype not in (torch.float32, torch.float64) or co.grid.is_bloch:
        return "the fields are complex (a Bloch grid) or not float32/float64"
    if co.drude is not None or co.lorentz is not None:
        return "dispersive media (Drude, Lorentz) need their current updates"
    bad = [type(s).__name__ for s in sources if not isinstance(s, _SOURCES)]
    if bad:
        return f"sources {bad} act inside the curl update (TFSF)"
    if torch.is_grad_enabled():
        tensors = _coefficient_tensors(co) + (list(state.fields.values()) if state is not None else [])
        if any(t.requires_grad for t in tensors):
            return "autograd needs a backward pass, which the native kernel does not have"
    if YEE_KERNEL.load() is None:
        return f"the native kernel did not build ({YEE_KERNEL.error})"
    return ""


def _as_operand(t: Tensor | float, shape, dtype) -> tuple[Tensor | None, float]:
    """A coefficient as ``(map, 0.0)``, or ``(None, value)`` when it is the same everywhere."""
    t = torch.as_tensor(t).detach().to(dtype)
    flat = t.reshape(-1)
    if bool((flat == flat[0]).all()):
        return None, float(flat[0])
    return t.expand(shape).contiguous(), 0.0


class NativeStepper:
    """``state ↦ step(state, co, sources, active)`` through the native kernel (see the module docstring).

    ``co``, ``sources`` and ``active`` as for :func:`.yee.step`; check :func:`native_step_unsupported` first.
    Coefficient maps that are the same everywhere are passed as numbers (no memory traffic).
    """

    def __init__(self, co: Coefficients, sources=(), active=None):
        why = native_step_unsupported(co, sources)
        if why:
            raise ValueError(f"the native FDTD step cannot run this simulation: {why}. Use the torch step instead.")
        g, dtype = co.grid, co.ca.dtype
        self.co, self.sources, self.active, self.dtype = co, list(sources), active, dtype
        lib = YEE_KERNEL.load()
        self._fn = lib.yee_half_step_f32 if dtype == torch.float32 else lib.yee_half_step_f64
        self._real = ctypes.c_float if dtype == torch.float32 else ctypes.c_double
        # kernel axes: singleton axes first, so that the contiguous (last) axis is a long one
        perm = [a for a in range(3) if g.shape[a] == 1] + [a for a in range(3) if g.shape[a] != 1]
        self._kaxis = {a: perm.index(a) for a in range(3)}
        self._pinned = []  # tensors the kernel reads through raw pointers, kept alive
        self._shape = self._i64([g.shape[a] for a in perm])
        self._periodic = self._i64([int(g.boundaries[a] == "periodic") for a in perm])
        self._first_scale = self._i64([2 if g.mirror[a] == 1 else 1 for a in perm])
        self._halves = {}
        for kind, table, cpml in (("h", H_CURL, co.cpml_h), ("e", E_CURL, co.cpml_e)):
            comps = {}
            for comp, terms in table.items():
                used = [
                    (ax, other, sign)
                    for ax, other, sign in terms
                    if g.shape[AXIS[ax]] != 1 and (active is None or other in active)
                ]
                if used and (active is None or comp in active):
                    comps[comp] = used
            if comps:
                self._halves[kind] = self._plan(kind, comps, cpml)

    def _i64(self, values) -> ctypes.Array:
        return (ctypes.c_int64 * len(values))(*values)

    def _ptr(self, t: Tensor | None) -> int | None:
        if t is None:
            return None
        self._pinned.append(t)
        return t.data_ptr()

    def _ptrs(self, values) -> ctypes.Array:
        return (ctypes.c_void_p * len(values))(*values)

    def _plan(self, kind: str, comps: dict, cpml: dict) -> dict:
        """The static arguments of one half step (``kind`` "h" or "e") for ``comps`` (component -> terms)."""
        co, dtype, shape = self.co, self.dtype, self.co.grid.shape
        cells, pb, pc, pk = [0] * 3, [None] * 3, [None] * 3, [None] * 3
        for name, (b, c, ik1, L) in cpml.items():
            ka = self._kaxis[AXIS[name]]
            cells[ka] = L
            pb[ka], pc[ka], pk[ka] = (self._ptr(v.detach().to(dtype).reshape(-1).contiguous()) for v in (b, c, ik1))
        axis, sign, slots, a_maps, a_vals, b_maps, b_vals, keeps, walls = [], [], [], [], [], [], [], [], []
        for comp, used in comps.items():
            if kind == "h":
                a, b = 1.0, co.db
            else:
                a, b = co.anisotropic.get(comp, (co.ca, co.cb, None))[:2]
            keep = (co.keep_h if kind == "h" else co.keep_e).get(comp)
            wall = [0, 0, 0]
            if keep is not None and kind == "e":
                if torch.equal(keep.detach().to(dtype).expand(shape), wall_mask(co.grid, comp, dtype)):
                    keep = None  # only the wall planes: zeroed in the kernel instead of read from a map
                    for ax in wall_axes(co.grid, comp):
                        wall[self._kaxis[ax]] = 1
            for value, maps, vals in ((a, a_maps, a_vals), (b, b_maps, b_vals)):
                m, v = _as_operand(value, shape, dtype)
                maps.append(self._ptr(m))
                vals.append(v)
            keeps.append(self._ptr(keep.detach().to(dtype).expand(shape).contiguous() if keep is not None else None))
            walls += wall
            padded = [*used, *[None] * (2 - len(used))]
            axis += [self._kaxis[AXIS[t[0]]] if t else 0 for t in padded]
            sign += [float(t[2]) if t else 0.0 for t in padded]
            slots += [(t[1], f"{comp}_{t[0]}" if t[0] in cpml else None) if t else None for t in padded]
        n = len(comps)
        return {
            "comps": list(comps),
            "slots": slots,
            "forward": int(kind == "h"),
            "nterms": self._i64([len(u) for u in comps.values()]),
            "axis": self._i64(axis),
            "sign": (self._real * (2 * n))(*sign),
            "pml": (self._i64(cells), self._ptrs(pb), self._ptrs(pc), self._ptrs(pk)),
            "a": (self._ptrs(a_maps), (self._real * n)(*a_vals)),
            "b": (self._ptrs(b_maps), (self._real * n)(*b_vals)),
            "keep": self._ptrs(keeps),
            "walls": self._i64(walls),
        }

    def _half_step(self, kind: str, fields: dict, psi: dict, new: dict, new_psi: dict) -> None:
        """Write the updated ``kind`` components into ``new`` and their new CPML auxiliaries into ``new_psi``."""
        p = self._halves.get(kind)
        if p is None:
            return
        olds = [fields[c].contiguous() for c in p["comps"]]
        outs = [torch.empty_like(o) for o in olds]
        live = [*olds, *outs]  # alive until the kernel returns
        srcs, pins, pouts = [], [], []
        for slot in p["slots"]:
            src = fields[slot[0]].contiguous() if slot else None
            pin = psi[slot[1]].contiguous() if slot and slot[1] else None
            pout = torch.empty_like(pin) if pin is not None else None
            if pout is not None:
                new_psi[slot[1]] = pout
            live += [t for t in (src, pin, pout) if t is not None]
            srcs.append(src.data_ptr() if src is not None else None)
            pins.append(pin.data_ptr() if pin is not None else None)
            pouts.append(pout.data_ptr() if pout is not None else None)
        cells, pb, pc, pk = p["pml"]
        self._fn(
            self._shape,
            self._periodic,
            self._first_scale,
            p["forward"],
            len(p["comps"]),
            self._ptrs([o.data_ptr() for o in olds]),
            self._ptrs([o.data_ptr() for o in outs]),
            p["nterms"],
            p["axis"],
            p["sign"],
            self._ptrs(srcs),
            self._ptrs(pins),
            self._ptrs(pouts),
            cells,
            pb,
            pc,
            pk,
            *p["a"],
            *p["b"],
            p["keep"],
            p["walls"],
            1.0 / self.co.grid.dx,
            torch.get_num_threads(),
        )
        del live
        new.update(zip(p["comps"], outs))

    def __call__(self, state: FDTDState) -> FDTDState:
        """One step, ``E^n, H^{n−½} → E^{n+1}, H^{n+½}``; a new state (the given one is not modified).

        A state whose fields require grad (a source with trainable parameters has written into them) is
        stepped by the torch step, so that autograd sees every step."""
        co = self.co
        if torch.is_grad_enabled() and any(v.requires_grad for v in state.fields.values()):
            return step(state, co, self.sources, self.active)
        t_h, t_e = time_levels(state, co)
        new, psi = dict(state.fields), {}
        with torch.no_grad():
            self._half_step("h", state.fields, state.cpml, new, psi)
        fresh = set(self._halves["h"]["comps"]) if "h" in self._halves else set()
        new = _apply_sources(new, self.sources, "h", t_h, co.dt, fresh)
        with torch.no_grad():
            self._half_step("e", new, state.cpml, new, psi)
        fresh = set(self._halves["e"]["comps"]) if "e" in self._halves else set()
        new = _apply_sources(new, self.sources, "e", t_e, co.dt, fresh)
        return FDTDState(new, {**state.cpml, **psi}, state.dispersion, state.tfsf, state.n + 1)


__all__ = ["NativeStepper", "YEE_KERNEL", "native_step_unsupported"]
