"""Bonds, angles and periodic torsions with analytic gradients in one native pass (``bonded_kernel.cpp``).

The torch form in :mod:`.energy` (``atan2`` angles, autograd forces) is the reference and the path for
parameter fits and differentiable simulations; this one serves :meth:`.MolecularEnergy.energy_and_forces`,
where a step needs only the forces, so the whole step runs without an autograd graph when the pair terms are
native too. Equal to autograd to rounding (``tests/physics/test_pair_kernel.py``).
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import torch
from torch import Tensor

from sciml.runtime.native import NativeLibrary

_P, _I64 = ctypes.c_void_p, ctypes.c_int64
_ARGS = [_P, _P, _P, _I64, _P, _P, _P, _I64, _P, _P, _P, _I64, _P, _P, _P, _P, _P]
BONDED_KERNEL = NativeLibrary(
    Path(__file__).with_name("bonded_kernel.cpp"), {"bonded_sum_f32": _ARGS, "bonded_sum_f64": _ARGS}
)


def native_bonded_applies(system, R: Tensor) -> bool:
    """CPU float32/float64 positions, no bonded parameter requiring grad, and a kernel that compiled."""
    params = (system.bonds.k, system.bonds.r0, system.angles.k, system.angles.theta0, system.torsions.k)
    return (
        R.device.type == "cpu"
        and R.dtype in (torch.float32, torch.float64)
        and not any(p.requires_grad for p in (*params, system.torsions.phase))
        and BONDED_KERNEL.load() is not None
    )


def native_bonded(system, R: Tensor, box: Tensor | None, grad: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(E_bonds, E_angles, E_torsions)`` (0-d, kJ/mol) of ``system`` at ``R`` ``[N, 3]`` nm; ``grad``
    ``[N, 3]`` (``R``'s dtype, contiguous) is added to in place with their gradient."""
    lib = BONDED_KERNEL.load()
    dtype = R.dtype
    Rc = R.detach().contiguous()

    def f(t: Tensor) -> Tensor:
        return t.detach().to(dtype).contiguous()

    def i(t: Tensor) -> Tensor:
        return t.to(torch.int64).contiguous()

    bo, an, to = system.bonds, system.angles, system.torsions
    tensors = [i(bo.index), f(bo.k), f(bo.r0), i(an.index), f(an.k), f(an.theta0)]
    tensors += [i(to.index), f(to.k), f(to.periodicity), f(to.phase)]
    b = box.detach().to(torch.float64).contiguous() if box is not None else None
    energy = torch.zeros(3, dtype=torch.float64)
    fn = lib.bonded_sum_f32 if dtype == torch.float32 else lib.bonded_sum_f64
    bi, bk, br, ai, ak, at, ti, tk, tn, tp = tensors
    fn(Rc.data_ptr(), b.data_ptr() if b is not None else None,
       bi.data_ptr(), bi.shape[0], bk.data_ptr(), br.data_ptr(),
       ai.data_ptr(), ai.shape[0], ak.data_ptr(), at.data_ptr(),
       ti.data_ptr(), ti.shape[0], tk.data_ptr(), tn.data_ptr(), tp.data_ptr(),
       grad.data_ptr(), energy.data_ptr())  # fmt: skip
    e = energy.to(dtype)
    return e[0], e[1], e[2]


__all__ = ["BONDED_KERNEL", "native_bonded", "native_bonded_applies"]
