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

:meth:`NativeStepper.advance` runs many steps in one native call (what :func:`.simulation.run` uses): the
sources are applied and the monitors' cells recorded inside the loop, so no Python runs between steps; on a
2-D device of 10⁵ cells that per-step Python (source profiles, DFT updates) had cost more than the curls.

    stepper = NativeStepper(co, sources, active)     # after native_step_unsupported(co, sources) == ""
    state = stepper(state)                           # = step(state, co, sources, active), to rounding
    state, (ez_line,) = stepper.advance(state, 50, [("ez", flat_cells)])   # ez_line: [50, len(flat_cells)]
"""

from __future__ import annotations

import ctypes
import dataclasses
import math
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
    source_sample_time,
    sparse_sources,
    step,
    time_levels,
    wall_axes,
    wall_mask,
)

_P, _I64 = ctypes.c_void_p, ctypes.c_int64
_HALF_STEP_FIELDS = (
    "shape periodic first_scale forward ncomp old out nterms term_axis term_sign term_src psi_in psi_out "
    "pml_cells pml_b pml_c pml_ik1 a_map a_scalar b_map b_scalar keep wall_zero inv_dx"
).split()


def _structs(real) -> dict:
    """ctypes mirrors of the kernel's ``HalfStep``, ``Injections`` and ``Recordings`` for one scalar type."""
    scalars = {"forward": _I64, "ncomp": _I64, "count": _I64, "inv_dx": real}

    def make(name, names):
        return type(name, (ctypes.Structure,), {"_fields_": [(f, scalars.get(f, _P)) for f in names]})

    return {
        "half_step": make("HalfStep", _HALF_STEP_FIELDS),
        "injections": make("Injections", "count kind field hard size index weight amplitude".split()),
        "recordings": make("Recordings", "count field size index out".split()),
    }


_STRUCTS = {torch.float32: _structs(ctypes.c_float), torch.float64: _structs(ctypes.c_double)}
YEE_KERNEL = NativeLibrary(
    Path(__file__).with_name("yee_kernel.cpp"),
    {
        f"yee_{name}_{suffix}": [_P] * count + [_I64] * extra
        for suffix in ("f32", "f64")
        for name, count, extra in (("half_step", 1, 1), ("run", 4, 2))
    },
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


def _array(ctype, values) -> ctypes.Array:
    return (ctype * len(values))(*values)


class NativeStepper:
    """``state ↦ step(state, co, sources, active)`` through the native kernel (see the module docstring).

    ``co``, ``sources`` and ``active`` as for :func:`.yee.step`; check :func:`native_step_unsupported` first.
    Coefficient maps that are the same everywhere are passed as numbers (no memory traffic).
    :meth:`advance` runs many steps in one native call, sources and recordings included.
    """

    def __init__(self, co: Coefficients, sources=(), active=None):
        why = native_step_unsupported(co, sources)
        if why:
            raise ValueError(f"the native FDTD step cannot run this simulation: {why}. Use the torch step instead.")
        g, dtype = co.grid, co.ca.dtype
        self.co, self.sources, self.active, self.dtype = co, list(sources), active, dtype
        lib = YEE_KERNEL.load()
        suffix = "f32" if dtype == torch.float32 else "f64"
        self._half_step_fn, self._run_fn = getattr(lib, f"yee_half_step_{suffix}"), getattr(lib, f"yee_run_{suffix}")
        self._real = ctypes.c_float if dtype == torch.float32 else ctypes.c_double
        self._struct = _STRUCTS[dtype]
        # kernel axes: singleton axes first, so that the contiguous (last) axis is a long one (the flat order of
        # a C-contiguous field is unchanged, so flat cell indices are the same in both layouts)
        perm = [a for a in range(3) if g.shape[a] == 1] + [a for a in range(3) if g.shape[a] != 1]
        self._kaxis = {a: perm.index(a) for a in range(3)}
        self._pinned = []  # tensors and arrays the kernel reads through raw pointers, kept alive
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
        self._injections = [_injection(s, g.shape, dtype) for s in sparse_sources(self.sources)]

    def _i64(self, values) -> ctypes.Array:
        return _array(ctypes.c_int64, values)

    def _ptr(self, t: Tensor | None) -> int | None:
        if t is None:
            return None
        self._pinned.append(t)
        return t.data_ptr()

    def _ptrs(self, values) -> ctypes.Array:
        return _array(ctypes.c_void_p, values)

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
        static = {
            "shape": self._shape,
            "periodic": self._periodic,
            "first_scale": self._first_scale,
            "nterms": self._i64([len(u) for u in comps.values()]),
            "term_axis": self._i64(axis),
            "term_sign": _array(self._real, sign),
            "pml_cells": self._i64(cells),
            "pml_b": self._ptrs(pb),
            "pml_c": self._ptrs(pc),
            "pml_ik1": self._ptrs(pk),
            "a_map": self._ptrs(a_maps),
            "a_scalar": _array(self._real, a_vals),
            "b_map": self._ptrs(b_maps),
            "b_scalar": _array(self._real, b_vals),
            "keep": self._ptrs(keeps),
            "wall_zero": self._i64(walls),
        }
        self._pinned += list(static.values())
        return {"comps": list(comps), "slots": slots, "forward": int(kind == "h"), "static": static}

    def _bind(self, kind: str, fields: dict, psi: dict, new: dict, new_psi: dict, live: list):
        """The kernel's ``HalfStep`` for ``kind``: read ``fields``/``psi``, write ``new``/``new_psi`` (the same
        tensors for an update in place); None when no ``kind`` component is advanced."""
        p = self._halves.get(kind)
        if p is None:
            return None
        srcs, pins, pouts = [], [], []
        for slot in p["slots"]:
            src = fields[slot[0]] if slot else None
            pin, pout = (psi[slot[1]], new_psi[slot[1]]) if slot and slot[1] else (None, None)
            srcs.append(src.data_ptr() if src is not None else None)
            pins.append(pin.data_ptr() if pin is not None else None)
            pouts.append(pout.data_ptr() if pout is not None else None)
        dynamic = {
            "old": self._ptrs([fields[c].data_ptr() for c in p["comps"]]),
            "out": self._ptrs([new[c].data_ptr() for c in p["comps"]]),
            "term_src": self._ptrs(srcs),
            "psi_in": self._ptrs(pins),
            "psi_out": self._ptrs(pouts),
        }
        live += dynamic.values()
        arrays = {**p["static"], **dynamic}
        h = self._struct["half_step"](forward=p["forward"], ncomp=len(p["comps"]), inv_dx=1.0 / self.co.grid.dx)
        for name, value in arrays.items():
            setattr(h, name, ctypes.addressof(value))
        return h

    def _half_step(self, kind: str, fields: dict, psi: dict, new: dict, new_psi: dict) -> None:
        """Write the updated ``kind`` components into ``new`` and their new CPML auxiliaries into ``new_psi``."""
        p = self._halves.get(kind)
        if p is None:
            return
        fields = {c: fields[c].contiguous() for c in {*p["comps"], *self._sources_of(p)}}  # alive until it returns
        psi = {k: psi[k].contiguous() for k in self._psi_of(p)}
        out = {c: torch.empty_like(fields[c]) for c in p["comps"]}
        out_psi = {k: torch.empty_like(v) for k, v in psi.items()}
        live = []
        h = self._bind(kind, fields, psi, out, out_psi, live)
        self._half_step_fn(ctypes.addressof(h), torch.get_num_threads())
        new.update(out)
        new_psi.update(out_psi)

    @staticmethod
    def _sources_of(p) -> set:
        return {slot[0] for slot in p["slots"] if slot}

    @staticmethod
    def _psi_of(p) -> set:
        return {slot[1] for slot in p["slots"] if slot and slot[1]}

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

    def advance(self, state: FDTDState, steps: int, points=()) -> tuple[FDTDState, list[Tensor]] | None:
        """``steps`` steps in one native call: the H half step, its sources, the E half step, its sources, then
        the values at ``points`` (``(component, flat cell indices [m])`` pairs) recorded, ``[steps, m]`` each.

        Equal to ``steps`` calls of this stepper (to rounding). The state's fields are copied once and then
        updated in place, so the given state is not modified. Returns None (step one at a time instead) when
        autograd must see the run: a field, source pattern or source amplitude that requires grad."""
        if torch.is_grad_enabled() and any(v.requires_grad for v in state.fields.values()):
            return None
        amplitudes = self._amplitudes(state, steps)
        if amplitudes is None:
            return None
        written = {c for p in self._halves.values() for c in p["comps"]} | {i["component"] for i in self._injections}
        new = {
            c: (v.detach().clone(memory_format=torch.contiguous_format) if c in written else v.contiguous())
            for c, v in state.fields.items()
        }
        psi = {
            k: state.cpml[k].detach().clone(memory_format=torch.contiguous_format)
            for p in self._halves.values()
            for k in self._psi_of(p)
        }
        live = []
        h, e = (self._bind(kind, new, psi, new, psi, live) for kind in ("h", "e"))
        injections = self._struct["injections"](count=len(self._injections))
        for name, ctype, values in (
            ("kind", ctypes.c_int64, [int(i["component"][0] == "e") for i in self._injections]),
            ("field", ctypes.c_void_p, [new[i["component"]].data_ptr() for i in self._injections]),
            ("hard", ctypes.c_int64, [int(i["hard"]) for i in self._injections]),
            ("size", ctypes.c_int64, [len(i["index"]) for i in self._injections]),
            ("index", ctypes.c_void_p, [i["index"].data_ptr() for i in self._injections]),
            ("weight", ctypes.c_void_p, [i["weight"].data_ptr() for i in self._injections]),
            ("amplitude", ctypes.c_void_p, [a.data_ptr() for a in amplitudes]),
        ):
            live.append(_array(ctype, values))
            setattr(injections, name, ctypes.addressof(live[-1]))
        index = [torch.as_tensor(ix, dtype=torch.int64).reshape(-1).contiguous() for _, ix in points]
        out = [torch.empty(steps, len(ix), dtype=self.dtype) for ix in index]
        recordings = self._struct["recordings"](count=len(index))
        for name, ctype, values in (
            ("field", ctypes.c_void_p, [new[c].data_ptr() for c, _ in points]),
            ("size", ctypes.c_int64, [len(ix) for ix in index]),
            ("index", ctypes.c_void_p, [ix.data_ptr() for ix in index]),
            ("out", ctypes.c_void_p, [o.data_ptr() for o in out]),
        ):
            live.append(_array(ctype, values))
            setattr(recordings, name, ctypes.addressof(live[-1]))
        self._run_fn(
            ctypes.addressof(h) if h is not None else None,
            ctypes.addressof(e) if e is not None else None,
            ctypes.addressof(injections),
            ctypes.addressof(recordings),
            steps,
            torch.get_num_threads(),
        )
        state = FDTDState(new, {**state.cpml, **psi}, state.dispersion, state.tfsf, state.n + steps)
        return state, out

    def _amplitudes(self, state: FDTDState, steps: int) -> list[Tensor] | None:
        """Each source's profile at the ``steps`` times it is applied (as :func:`.yee._apply_sources` samples
        it: soft sources half a step before the field's time level); None if one requires grad."""
        co, out = self.co, []
        chunk = dataclasses.replace(state, n=state.n + torch.arange(steps))  # the n of each step, as a vector
        levels = dict(zip("he", time_levels(chunk, co)))
        for inj in self._injections:
            t = source_sample_time(levels[inj["component"][0]], co.dt, inj["hard"])
            value = inj["profile"](t)
            if not isinstance(value, Tensor) or value.shape != (steps,):
                value = torch.stack([torch.as_tensor(inj["profile"](ti)).reshape(()) for ti in t])
            if torch.is_grad_enabled() and (value.requires_grad or inj["weight"].requires_grad):
                return None
            out.append(value.detach().to(self.dtype).contiguous())
        return out


def _injection(source, shape, dtype) -> dict:
    """A source as the cells it writes (flat indices), their weights and its profile (see ``Injections``)."""
    cells = torch.arange(math.prod(shape), dtype=torch.int64).reshape(shape)
    if isinstance(source, PointSource):
        index, weight = cells[tuple(int(i) for i in source.position)].reshape(1), torch.ones(1)
    elif isinstance(source, PlaneSource):
        index = cells.select(source.axis, source.index).reshape(-1)
        weight = torch.ones(len(index))
    elif isinstance(source, PatchSource):
        index, weight = cells[source.box].reshape(-1), source.patch.reshape(-1)
    else:  # DistributedSource
        pattern = torch.as_tensor(source.pattern).expand(shape)
        index = (pattern.detach() != 0).reshape(-1).nonzero().reshape(-1)
        weight = pattern.reshape(-1)[index]
    grad = weight.requires_grad and torch.is_grad_enabled()
    return {
        "component": source.component,
        "hard": bool(getattr(source, "hard", False)),
        "index": index.contiguous(),
        "weight": weight if grad else weight.detach().to(dtype).contiguous(),
        "profile": source.profile,
    }


__all__ = ["NativeStepper", "YEE_KERNEL", "native_step_unsupported"]
