"""Well-tempered metadynamics (Barducci, Bussi & Parrinello, Phys. Rev. Lett. 100, 020603, 2008).

A history-dependent bias on collective variables ``s(R)`` (``[d]`` per walker) is built from Gaussians
deposited every ``stride`` steps at the current ``s``:

    V(s, t) = Σ_k w_k exp(−Σ_d (s_d − c_kd)² / (2 σ_d²))
    w_k     = w₀ exp(−V(c_k, t_k) / (k_B ΔT)),      ΔT = (γ − 1) T,  γ = ``bias_factor``

and the free energy follows from the converged bias: ``F(s) = −γ/(γ − 1) V(s) + const``. Several walkers
may share one bias (Raiteri et al. 2006), each depositing its own Gaussian; a periodic CV (a dihedral)
uses the shortest periodic difference. :class:`MetadynamicsState` is frozen: :func:`deposit` returns a new
one, and the bias is an explicit argument of the energy (``energy(R, bias=state)``), so nothing is hidden.

Reweighting (Tiwary & Parrinello, J. Phys. Chem. B 119, 736, 2015) recovers the unbiased distribution of any
other observable from the biased run: a frame at time ``t`` with bias ``V(s(t), t)`` weighs

    w(t) = exp((V(s(t), t) − c(t)) / k_B T),
    c(t) = k_B T ln [∫ ds e^{γ V(s,t) / ((γ−1) k_B T)} / ∫ ds e^{V(s,t) / ((γ−1) k_B T)}]

(:func:`reweighting_offset` gives ``c(t)`` by quadrature over a CV grid, :func:`log_weights` the ``ln w``), so
``F(y) = −k_B T ln Σ_t w(t) δ(y − y(t))`` for a CV ``y`` that was never biased.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class MetadynamicsSettings:
    """Gaussian ``height`` w₀ (energy), ``sigma`` per CV ``[d]``, ``bias_factor`` γ > 1, ``kT`` of the
    simulation, deposition ``stride`` (steps), ``periods`` per CV (``None`` entries for non-periodic)."""

    height: float
    sigma: tuple[float, ...]
    bias_factor: float
    kT: float
    stride: int = 100
    periods: tuple[float | None, ...] | None = None

    def __post_init__(self):
        if not self.bias_factor > 1:
            raise ValueError(f"bias_factor = {self.bias_factor} must exceed 1 (γ → ∞ is plain metadynamics).")
        if not self.height > 0 or min(self.sigma) <= 0 or not self.kT > 0 or self.stride < 1:
            raise ValueError("height, every sigma, kT and stride must be positive.")
        if self.periods is not None and len(self.periods) != len(self.sigma):
            raise ValueError(f"periods has {len(self.periods)} entries; give one per CV ({len(self.sigma)}).")


@dataclass(frozen=True)
class MetadynamicsState:
    """Deposited Gaussian centres ``[K, d]`` and heights ``[K]``."""

    centers: Tensor
    heights: Tensor


def empty_bias(n_cv: int, dtype=torch.float64, device=None) -> MetadynamicsState:
    """No Gaussians yet."""
    return MetadynamicsState(
        torch.zeros(0, n_cv, dtype=dtype, device=device), torch.zeros(0, dtype=dtype, device=device)
    )


def _differences(s: Tensor, centers: Tensor, periods) -> Tensor:
    d = s[..., None, :] - centers  # [..., K, d]
    if periods is None:
        return d
    columns = [c if p is None else c - p * torch.round(c / p) for c, p in zip(d.unbind(-1), periods)]
    return torch.stack(columns, -1)


def bias_potential(settings: MetadynamicsSettings, state: MetadynamicsState, s: Tensor) -> Tensor:
    """``V(s)`` for CV values ``s`` ``[..., d]`` → ``[...]`` (differentiable in ``s``)."""
    if state.heights.numel() == 0:
        return s.new_zeros(s.shape[:-1])
    sigma = torch.as_tensor(settings.sigma, dtype=s.dtype, device=s.device)
    d = _differences(s, state.centers.to(s), settings.periods) / sigma
    return (state.heights.to(s) * torch.exp(-0.5 * (d * d).sum(-1))).sum(-1)


def deposit(settings: MetadynamicsSettings, state: MetadynamicsState, s: Tensor) -> MetadynamicsState:
    """A new state with one well-tempered Gaussian per walker at ``s`` ``[W, d]`` (or ``[d]``)."""
    s = s.detach().reshape(-1, state.centers.shape[1])
    delta_T_k = (settings.bias_factor - 1) * settings.kT
    w = settings.height * torch.exp(-bias_potential(settings, state, s) / delta_T_k)
    return MetadynamicsState(torch.cat([state.centers, s.to(state.centers)]), torch.cat([state.heights, w]))


def free_energy(settings: MetadynamicsSettings, state: MetadynamicsState, grid: Tensor) -> Tensor:
    """``F(s) = −γ/(γ − 1) V(s)`` on CV points ``grid`` ``[..., d]``, shifted so its minimum is 0."""
    g = settings.bias_factor
    F = -g / (g - 1) * bias_potential(settings, state, grid)
    return F - F.min()


def reweighting_offset(settings: MetadynamicsSettings, state: MetadynamicsState, grid: Tensor) -> float:
    """``c(t)`` (energy) of the current bias, by quadrature on ``grid`` ``[..., d]``: points that cover the
    biased CV space uniformly (the spacing cancels in the ratio)."""
    g, kT = settings.bias_factor, settings.kT
    V = bias_potential(settings, state, grid).reshape(-1)
    numerator = torch.logsumexp(g / (g - 1) * V / kT, 0)
    denominator = torch.logsumexp(V / ((g - 1) * kT), 0)
    return float(kT * (numerator - denominator))


def log_weights(bias_values, offsets, kT: float) -> Tensor:
    """``ln w(t) = (V(s(t), t) − c(t)) / k_B T`` ``[T]`` of frames with bias ``bias_values`` ``[T]`` (the bias
    at the frame's CVs when it was taken) and offsets ``offsets`` ``[T]`` (:func:`reweighting_offset`),
    shifted so the largest is 0."""
    lw = (torch.as_tensor(bias_values, dtype=torch.float64) - torch.as_tensor(offsets, dtype=torch.float64)) / kT
    return lw - lw.max()
