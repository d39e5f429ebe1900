"""What an FDTD run records: probes, running DFTs, snapshots; and what is computed from them.

Monitors are frozen descriptions; :func:`solvers.fdtd.simulation.run` carries their accumulators
as explicit state and returns them. Frequencies are in Hz, times in seconds.

- :class:`Probe` — one component at one cell, every step: ``[steps]``.
- :class:`DFTMonitor` — running DFT ``Σ_n F(t_n) e^{−iωt_n} Δt`` of components over a region
  (a plane, line or the whole grid): ``[n_freq, *region]`` complex per component. H components are
  sampled at half steps, which the phase factor accounts for.
- :class:`Snapshots` — every ``every`` steps, copies of components (for plots, HDF5 and VTK).

:func:`poynting_flux` integrates ``½ Re(E × H*)·n̂`` over a DFT plane; :func:`s_parameters` turns
DFT amplitudes at two ports into ``S11`` and ``S21``; :func:`resonances` finds spectral peaks of a
probe signal (windowed FFT, zero padding and parabolic interpolation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


@dataclass(frozen=True)
class Probe:
    """Record ``component`` at cell ``position`` every step, as ``result.probes[name]``."""

    position: tuple
    component: str = "ez"
    name: str = "probe"


@dataclass(frozen=True)
class DFTMonitor:
    """Running DFT of ``components`` at ``frequencies`` (Hz) over ``region``: ``result.dft[name]``."""

    frequencies: tuple
    components: tuple = ("ez",)
    region: tuple = (slice(None), slice(None), slice(None))  # index per axis: int (a plane) or slice
    name: str = "dft"


@dataclass(frozen=True)
class Snapshots:
    """Copies of ``components`` every ``every`` steps: ``result.snapshots[name]``."""

    every: int
    components: tuple = ("ez",)
    name: str = "snapshots"


def poynting_flux(dft: dict, axis: int, dx: float, ndim: int) -> Tensor:
    """Net flux through a DFT plane normal to ``axis`` (``+`` along the axis): ``[n_freq]`` W (per metre in 2-D).

    ``dft`` maps the two tangential E and H components to ``[n_freq, …]`` complex arrays on the plane.
    Uses ``S_n = ½ Re(E_a H_b* − E_b H_a*)`` with ``(a, b)`` the tangential axes in cyclic order.
    """
    a, b = [(1, 2), (2, 0), (0, 1)][axis]
    names = "xyz"
    # complex128: in SI units the products (~1e-42 W per Hz²) underflow single precision
    ea, eb, ha, hb = (
        None if (v := dft.get(f"{k}{names[i]}")) is None else v.to(torch.complex128)
        for k, i in (("e", a), ("e", b), ("h", a), ("h", b))
    )
    s = 0
    if ea is not None and hb is not None:
        s = s + (ea * hb.conj()).real
    if eb is not None and ha is not None:
        s = s - (eb * ha.conj()).real
    if isinstance(s, int):
        raise ValueError(f"flux normal to {names[axis]} needs the tangential E and H components in the DFT monitor.")
    area = dx ** (ndim - 1)
    return 0.5 * s.reshape(s.shape[0], -1).sum(1) * area


def s_parameters(incident: Tensor, reflected: Tensor, transmitted: Tensor) -> dict[str, Tensor]:
    """``S11 = b1/a1``, ``S21 = b2/a1`` from complex DFT amplitudes at the ports ``[n_freq]``."""
    return {"S11": reflected / incident, "S21": transmitted / incident}


def resonances(signal, dt: float, fmin: float, fmax: float, count: int = 5, pad: int = 8) -> np.ndarray:
    """Peak frequencies (Hz) of a ringing ``signal`` in ``[fmin, fmax]``, strongest first (at most ``count``)."""
    x = np.asarray(signal, dtype=np.float64)
    x = (x - x.mean()) * np.hanning(len(x))
    n = pad * len(x)
    spec = np.abs(np.fft.rfft(x, n)) + 1e-300
    f = np.fft.rfftfreq(n, dt)
    logs = np.log(spec)
    peaks = [
        i for i in range(1, len(spec) - 1) if spec[i] > spec[i - 1] and spec[i] >= spec[i + 1] and fmin <= f[i] <= fmax
    ]
    peaks.sort(key=lambda i: -spec[i])
    out = []
    for i in peaks[:count]:
        a, b, c = logs[i - 1], logs[i], logs[i + 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c)  # vertex of the parabola through the log-magnitudes
        out.append((i + shift) * (f[1] - f[0]))
    return np.array(out)


def dft_phase(frequencies, t, dtype, device) -> Tensor:
    """``e^{−iωt}`` for each frequency: ``[n_freq]`` complex."""
    w = 2 * math.pi * torch.as_tensor(frequencies, dtype=torch.float64, device=device)
    return torch.polar(torch.ones_like(w), -w * t).to(torch.complex128 if dtype == torch.float64 else torch.complex64)
