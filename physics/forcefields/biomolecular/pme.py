"""Smooth particle-mesh Ewald (Essmann et al., J. Chem. Phys. 103, 8577, 1995) for a rectangular periodic box.

The Coulomb energy of point charges in a periodic box splits, with splitting parameter α (1/nm), into

    E_dir  = k_e Σ_{i<j, r<r_c, not excepted} q_i q_j erfc(α r_ij)/r_ij                 (see :mod:`.nonbonded`)
    E_rec  = k_e/(2π V) Σ_{m≠0} exp(−π² |m|²/α²)/|m|² · B(m) · |F[Q](m)|²             (this module)
    E_self = −k_e α/√π Σ_i q_i²
    E_excl = −k_e Σ_{excepted pairs} q_i q_j erf(α r_ij)/r_ij    (the reciprocal sum includes every pair; an
                                                                    excluded or scaled pair must not)
    E_net  = −k_e π Q² / (2 V α²)                                (a uniform neutralising background for a net
                                                                    charge Q; OpenMM adds the same)

``Q`` is the charge spread on a ``K₁×K₂×K₃`` grid with cardinal B-splines ``M_p`` of order ``p`` (5, as
OpenMM): ``Q(k) = Σ_i q_i Π_d M_p(u_id − k_d)``, ``u_id = K_d r_id / L_d``; ``B(m) = Π_d |b_d(m_d)|²`` with
``b_d(m) = 1 / Σ_{k=0}^{p−2} M_p(k+1) exp(2πi m k/K_d)`` undoes the spline's smoothing. Every step is a torch
operation, so energies are differentiable with respect to positions, charges and the box, in float32 and
float64. :func:`pme_parameters` chooses α and the grid from an error tolerance δ exactly as OpenMM does:
``α = √(−ln 2δ)/r_c`` and ``K_d = ⌈2 α L_d / (3 δ^{1/5})⌉`` (at least 6), the grid of its Reference platform;
its CPU and CUDA platforms may round ``K_d`` up to a size their FFT prefers.
"""

from __future__ import annotations

import functools
import math

import torch
from torch import Tensor

ORDER = 5
_INFLUENCE: dict = {}  # the last influence function and its key (see influence_function)


def pme_parameters(cutoff: float, box, tolerance: float) -> tuple[float, tuple[int, int, int]]:
    """``(α in 1/nm, (K₁, K₂, K₃))`` for a real-space ``cutoff`` (nm), box edges (nm) and error ``tolerance``."""
    if not 0 < tolerance < 0.5:
        raise ValueError(f"ewald tolerance {tolerance} must lie in (0, 0.5); OpenMM's default is 5e-4.")
    alpha = math.sqrt(-math.log(2 * tolerance)) / cutoff
    grid = tuple(max(math.ceil(2 * alpha * float(L) / (3 * tolerance**0.2)), 6) for L in box)
    return alpha, grid


def _spline_weights(w: Tensor, order: int) -> Tensor:
    """``[..., order]``: ``M_order(w + k)`` for ``k = 0..order−1`` and fractional parts ``w ∈ [0, 1)``.

    The Cox–de Boor recursion ``a_n[k] = ((w + k) a_{n−1}[k] + (n − w − k) a_{n−1}[k−1]) / (n − 1)`` is
    polynomial in ``w``, so autograd's derivative is exact everywhere, on grid points too (a ``|x|``/``max``
    form of ``M_2`` has kinks there that give wrong subgradients for an atom sitting exactly on a grid plane).
    """
    a = [w, 1 - w]  # M_2(w), M_2(w + 1)
    for n in range(3, order + 1):
        a = [
            ((w + k) * (a[k] if k < n - 1 else 0) + (n - w - k) * (a[k - 1] if k > 0 else 0)) / (n - 1)
            for k in range(n)
        ]
    return torch.stack(a, -1)


@functools.lru_cache(maxsize=64)
def _moduli(K: int, order: int, dtype) -> Tensor:
    """``|b(m)|²`` for ``m = 0..K−1`` (with OpenMM's repair where the denominator vanishes)."""
    k = torch.arange(order - 1, dtype=torch.float64)
    spline = _spline_weights(torch.zeros((), dtype=torch.float64), order)[1:]  # M_p(1), …, M_p(p − 1)
    m = torch.arange(K, dtype=torch.float64)
    phase = 2 * math.pi * m[:, None] * k[None, :] / K
    denom = (spline * torch.cos(phase)).sum(1) ** 2 + (spline * torch.sin(phase)).sum(1) ** 2
    mod = denom.clone()
    for i in range(K):  # a zero appears at m = K/2 for odd orders: average its neighbours
        if mod[i] < 1e-7:
            mod[i] = 0.5 * (mod[(i - 1) % K] + mod[(i + 1) % K])
    return (1 / mod).to(dtype)


def reciprocal_energy(R: Tensor, charges: Tensor, box: Tensor, alpha: float, grid, order: int = ORDER) -> Tensor:
    """``E_rec / k_e`` (e²/nm) of charges ``[N]`` at ``R`` ``[N, 3]`` (nm) in the rectangular ``box`` ``[3]``."""
    K = torch.tensor(grid, device=R.device)
    u = R / box * K.to(R)  # [N, 3] grid coordinates
    base = torch.floor(u)
    w = u - base
    j = torch.arange(order, device=R.device, dtype=R.dtype)
    theta = _spline_weights(w, order)  # [N, 3, p]: weight of grid point floor(u) − j
    idx = torch.remainder(base.long()[:, :, None] - j.long(), K[None, :, None])  # [N, 3, p]
    weights = theta[:, 0, :, None, None] * theta[:, 1, None, :, None] * theta[:, 2, None, None, :]
    flat = (idx[:, 0, :, None, None] * grid[1] + idx[:, 1, None, :, None]) * grid[2] + idx[:, 2, None, None, :]
    Q = torch.zeros(grid[0] * grid[1] * grid[2], dtype=R.dtype, device=R.device)
    Q = Q.index_add(0, flat.reshape(-1), (charges[:, None, None, None] * weights).reshape(-1)).reshape(grid)
    S = torch.fft.rfftn(Q)
    S2 = S.real**2 + S.imag**2
    influence, folded = influence_function(box, alpha, grid, order, S.shape[2])
    return (influence * folded * S2).sum() / (2 * math.pi * box.prod())


def influence_function(box: Tensor, alpha: float, grid, order: int, n_last: int) -> tuple[Tensor, Tensor]:
    """``(G, folded)``: ``G(m) = exp(−π²m²/α²)/m² · B(m)`` ``[K₁, K₂, K₃/2+1]`` on rfft's half spectrum, and
    ``folded`` ``[K₃/2+1]``, 2 for the planes that stand for themselves and their mirror image, else 1. Kept
    for the last box (the same every step at constant volume) unless the box requires grad."""
    key = (tuple(box.tolist()), float(alpha), tuple(grid), order, box.dtype, box.device)
    if not box.requires_grad and _INFLUENCE.get("key") == key:
        return _INFLUENCE["value"]
    freqs = [torch.fft.fftfreq(grid[d], d=1.0, device=box.device).to(box.dtype) * grid[d] / box[d] for d in range(2)]
    freqs.append(torch.fft.rfftfreq(grid[2], d=1.0, device=box.device).to(box.dtype) * grid[2] / box[2])
    m2 = freqs[0][:, None, None] ** 2 + freqs[1][None, :, None] ** 2 + freqs[2][None, None, :] ** 2
    bmod = [_moduli(grid[d], order, box.dtype).to(box.device) for d in range(3)]
    B = bmod[0][:, None, None] * bmod[1][None, :, None] * bmod[2][None, None, :n_last]
    m2_safe = torch.where(m2 > 0, m2, torch.ones_like(m2))
    kernel = torch.where(m2 > 0, torch.exp(-(math.pi**2) * m2_safe / alpha**2) / m2_safe, torch.zeros_like(m2))
    # rfft keeps k₃ = 0..K₃/2: every other plane stands for itself and its mirror image
    folded = torch.full((n_last,), 2.0, dtype=box.dtype, device=box.device)
    folded[0] = 1.0
    if grid[2] % 2 == 0:
        folded[-1] = 1.0
    value = (kernel * B, folded)
    if not box.requires_grad:
        _INFLUENCE.update(key=key, value=value)
    return value


def self_energy(charges: Tensor, alpha: float) -> Tensor:
    """``E_self / k_e = −α/√π Σ q_i²``."""
    return -alpha / math.sqrt(math.pi) * (charges * charges).sum()


def net_charge_energy(charges: Tensor, box: Tensor, alpha: float) -> Tensor:
    """``E_net / k_e = −π Q² / (2 V α²)``: the neutralising background of a cell with net charge ``Q``."""
    total = charges.sum()
    return -math.pi * total * total / (2 * box.prod() * alpha**2)
