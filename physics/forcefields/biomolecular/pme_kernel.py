"""PME's reciprocal energy with its analytic gradient: native charge spreading and force gathering (CPU).

:func:`.pme.reciprocal_energy` is written in torch ops so autograd gives forces and box and charge gradients; the
spreading (125 grid points per atom for order 5) and its backward dominate it. ``pme_kernel.cpp`` spreads the
charges ``Q`` and gathers ``∂E/∂r_i = q_i Σ_k φ(k) ∇θ_i(k)`` in two passes over the atoms, where
``φ = ∂E/∂Q = 2 N Re F⁻¹[G F[Q]] / (2πV)`` is the derivative of the mesh energy
``E = Σ_m G(m) |F[Q](m)|² / (2πV)`` (two FFTs; ``N`` grid points).
Used, like :mod:`.pair_kernel`, only where no graph through the positions is needed; the result equals the
torch path to rounding (``tests/physics/test_pair_kernel.py``).
"""

from __future__ import annotations

import ctypes
import math
from pathlib import Path

import torch
from torch import Tensor

from physics.forcefields.biomolecular.pme import ORDER, influence_function
from sciml.runtime.native import NativeLibrary

_P, _I64, _INT = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
_SPREAD = [_P, _I64, _P, _P, _P, _INT, _P, _INT]
_GATHER = [_P, _I64, _P, _P, _P, _INT, _P, _P, _INT]
PME_KERNEL = NativeLibrary(
    Path(__file__).with_name("pme_kernel.cpp"),
    {"pme_spread_f32": _SPREAD, "pme_spread_f64": _SPREAD, "pme_gather_f32": _GATHER, "pme_gather_f64": _GATHER},
    tuned=True,
)


def native_reciprocal(
    R: Tensor, charges: Tensor, box: Tensor, alpha: float, grid, gradient: bool, order: int = ORDER
) -> tuple[Tensor, Tensor | None]:
    """``(E_rec / k_e, ∂(E_rec / k_e)/∂R or None)`` for ``R`` ``[N, 3]`` nm, ``charges`` ``[N]`` e and a
    rectangular ``box`` ``[3]`` nm; nothing here is differentiable (see :func:`.pme.reciprocal_energy`)."""
    lib = PME_KERNEL.load()
    if lib is None:
        raise RuntimeError(f"the native PME kernel is unavailable: {PME_KERNEL.error}")
    if not 3 <= order <= 8:
        raise ValueError(f"the native PME kernel takes B-spline orders 3 to 8, got {order}; PME's usual is {ORDER}.")
    dtype = R.dtype
    suffix = "f32" if dtype == torch.float32 else "f64"
    Rc, q = R.detach().contiguous(), charges.detach().to(dtype).contiguous()
    b = box.detach().to(torch.float64).contiguous()
    K = torch.tensor(grid, dtype=torch.int64)
    threads = torch.get_num_threads()
    Q = torch.empty(tuple(grid), dtype=dtype)
    args = (Rc.data_ptr(), Rc.shape[0], q.data_ptr(), b.data_ptr(), K.data_ptr(), order)
    getattr(lib, f"pme_spread_{suffix}")(*args, Q.data_ptr(), threads)
    box_t = box.detach().to(dtype)
    S = torch.fft.rfftn(Q)
    influence, folded = influence_function(box_t, alpha, grid, order, S.shape[2])
    scale = 1 / (2 * math.pi * box_t.prod())
    energy = scale * (influence * folded * (S.real**2 + S.imag**2)).sum()
    if not gradient:
        return energy, None
    # φ = ∂E/∂Q = 2 scale N Re F⁻¹[G S] over the full spectrum (G even): irfftn restores the mirrored half
    phi = torch.fft.irfftn(influence * S, s=tuple(grid)) * (2 * scale * Q.numel())
    phi = phi.contiguous()
    out = torch.empty_like(Rc)
    getattr(lib, f"pme_gather_{suffix}")(*args, phi.data_ptr(), out.data_ptr(), threads)
    return energy.detach(), out


__all__ = ["PME_KERNEL", "native_reciprocal"]
