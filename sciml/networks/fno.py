"""Fourier neural operator (Li et al., *Fourier Neural Operator for Parametric PDEs*, ICLR 2021).

    v₀ = P(a, x)                      lifting: pointwise linear map of inputs (+ grid coordinates)
    v_{l+1} = σ( W v_l + F⁻¹[R · (F v_l)|_modes] )   l = 0 … L-1   (no σ after the last layer)
    u = Q(v_L)                        projection: pointwise 2-layer MLP

``R`` holds complex weights on the lowest ``modes`` frequencies per dimension (all sign
combinations except along the last, real-FFT axis). Tensors are channels-first:
``[batch, channels, *grid]`` with 1, 2 or 3 grid dimensions. Because ``R`` acts on a fixed set
of frequencies, a trained FNO evaluates at any resolution with ``n ≥ 2·modes`` (zero-shot
super-resolution). ``padding`` pads the grid with zeros (then crops) for non-periodic data.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@lru_cache(maxsize=64)
def _dft_matrices(n: int, m: int, last: bool, dtype: torch.dtype, device: str):
    """Truncated DFT matrices for one axis of ``n`` points keeping ``m`` modes.

    ``last`` (the real-FFT axis): forward ``[2m, n]`` real (cos rows, then -sin rows) giving
    ``Re, Im`` of ``X_k = Σ_j x_j e^{-2πi kj/n}``, ``k < m``; inverse ``[n, 2m]`` real giving
    ``x_j = Σ_k c_k Re(X_k e^{2πi kj/n}) / n`` (``c_0 = 1``, else 2; Nyquist 1). Other axes:
    complex ``[2m, n]`` for ``k ∈ {0..m-1, n-m..n-1}`` and its inverse ``[n, 2m]`` (÷ n).
    """
    real = torch.float64
    x = torch.arange(n, dtype=real)[None, :]
    if last:
        k = torch.arange(m, dtype=real)[:, None]
        ang = 2 * math.pi * k * x / n
        fwd = torch.cat([torch.cos(ang), -torch.sin(ang)])
        c = torch.full((m, 1), 2.0, dtype=real)
        c[0] = 1.0
        if n % 2 == 0 and m > n // 2:
            c[n // 2] = 1.0
        inv = torch.cat([c * torch.cos(ang), -c * torch.sin(ang)]).T / n
        return fwd.to(dtype=dtype, device=device).contiguous(), inv.to(dtype=dtype, device=device).contiguous()
    k = torch.cat([torch.arange(m), torch.arange(n - m, n)]).to(real)[:, None]
    ang = 2 * math.pi * k * x / n
    cdtype = torch.complex128 if dtype == torch.float64 else torch.complex64
    return (
        torch.exp(-1j * ang).to(dtype=cdtype, device=device).contiguous(),
        (torch.exp(1j * ang).T / n).to(dtype=cdtype, device=device).contiguous(),
    )


def _dft_matrices_real(n: int, m: int, dtype: torch.dtype, device: str):
    """The complex (non-last-axis) matrices of :func:`_dft_matrices` as ``(real, imaginary)`` pairs."""
    x = torch.arange(n, dtype=torch.float64)[None, :]
    k = torch.cat([torch.arange(m), torch.arange(n - m, n)]).to(torch.float64)[:, None]
    ang = 2 * math.pi * k * x / n
    cast = lambda t: t.to(dtype=dtype, device=device).contiguous()
    return (cast(torch.cos(ang)), cast(-torch.sin(ang))), (cast(torch.cos(ang).T / n), cast(torch.sin(ang).T / n))


class SpectralConv(nn.Module):
    """``F⁻¹[R · F v]`` on the lowest ``modes[d]`` frequencies of each of the ``len(modes)`` grid axes.

    Grid-first layout: ``v [*grid, batch, in_channels] → [*grid, batch, out_channels]``.
    Only ``modes`` frequencies are kept, so the transforms are truncated DFTs done as
    matrix products axis by axis (the real half-spectrum axis first), which on CPU beats a
    full FFT followed by truncation; the pointwise layers around it are single GEMMs.
    ``R`` has ``2^(d-1)·Π modes`` complex ``[in, out]`` blocks, as in Li et al.
    """

    def __init__(self, in_channels: int, out_channels: int, modes: Sequence[int]):
        super().__init__()
        self.modes = tuple(int(m) for m in modes)
        if not 1 <= len(self.modes) <= 3 or any(m < 1 for m in self.modes):
            raise ValueError(f"modes must give 1 to 3 positive mode counts (one per grid axis), got {modes}.")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kept = tuple(2 * m for m in self.modes[:-1]) + (self.modes[-1],)
        scale = 1.0 / (in_channels * out_channels)
        self.weight = nn.Parameter(scale * torch.rand(*self.kept, in_channels, out_channels, 2))

    def forward(self, v: Tensor) -> Tensor:
        """Spectral convolution of grid-first ``v [*grid, B, C_in]`` → ``[*grid, B, C_out]`` (lowest ``modes`` kept)."""
        d = len(self.modes)
        grid, batch = tuple(v.shape[:d]), v.shape[d]
        if any(n < 2 * m for n, m in zip(grid[:-1], self.modes[:-1])) or grid[-1] // 2 + 1 < self.modes[-1]:
            raise ValueError(
                f"grid {grid} is too coarse for modes {self.modes}: each axis needs at least "
                "2·modes points. Use fewer modes or a finer grid."
            )
        dev = str(v.device)
        if torch.onnx.is_in_onnx_export():  # ONNX has no complex type: the same transform in real arithmetic
            return self._forward_real(v, grid, batch, dev)
        # forward: last axis (real → half spectrum), then the others (complex), each a matmul
        n, m = grid[-1], self.modes[-1]
        fwd, _ = _dft_matrices(n, m, True, v.dtype, dev)
        x = torch.matmul(fwd, v.reshape(-1, n, batch * self.in_channels))
        x = torch.complex(x[:, :m], x[:, m:])
        shape = list(grid[:-1]) + [m]
        for a in reversed(range(d - 1)):
            fwd_a, _ = _dft_matrices(grid[a], self.modes[a], False, v.dtype, dev)
            lead = math.prod(shape[:a])
            x = torch.matmul(fwd_a, x.reshape(lead, grid[a], -1))
            shape[a] = 2 * self.modes[a]
        # mode-wise channel mixing: [K, B, in] @ [K, in, out]
        k = math.prod(self.kept)
        w = torch.view_as_complex(self.weight).reshape(k, self.in_channels, self.out_channels)
        x = torch.bmm(x.reshape(k, batch, self.in_channels), w.to(x.dtype))
        # inverse: complex axes first, then the real last axis
        for a in range(d - 1):
            _, inv_a = _dft_matrices(grid[a], self.modes[a], False, v.dtype, dev)
            lead = math.prod(shape[:a])
            x = torch.matmul(inv_a, x.reshape(lead, 2 * self.modes[a], -1))
            shape[a] = grid[a]
        _, inv = _dft_matrices(n, m, True, v.dtype, dev)
        x = x.reshape(-1, m, batch * self.out_channels)
        out = torch.matmul(inv, torch.cat([x.real, x.imag], dim=1))
        return out.reshape(*grid, batch, self.out_channels)

    def _forward_real(self, v: Tensor, grid: tuple, batch: int, dev: str) -> Tensor:
        """:meth:`forward` with complex numbers carried as ``(real, imaginary)`` pairs (for ONNX export)."""
        d = len(self.modes)
        n, m = grid[-1], self.modes[-1]
        fwd, _ = _dft_matrices(n, m, True, v.dtype, dev)
        x = torch.matmul(fwd, v.reshape(-1, n, batch * self.in_channels))
        xr, xi = x[:, :m], x[:, m:]
        shape = list(grid[:-1]) + [m]

        def cmatmul(a, br, bi):
            ar, ai = a
            return torch.matmul(ar, br) - torch.matmul(ai, bi), torch.matmul(ar, bi) + torch.matmul(ai, br)

        for a in reversed(range(d - 1)):
            fwd_a, _ = _dft_matrices_real(grid[a], self.modes[a], v.dtype, dev)
            lead = math.prod(shape[:a])
            xr, xi = cmatmul(fwd_a, xr.reshape(lead, grid[a], -1), xi.reshape(lead, grid[a], -1))
            shape[a] = 2 * self.modes[a]
        k = math.prod(self.kept)
        w = self.weight.reshape(k, self.in_channels, self.out_channels, 2)
        wr, wi = w[..., 0].to(v.dtype), w[..., 1].to(v.dtype)
        xr, xi = xr.reshape(k, batch, self.in_channels), xi.reshape(k, batch, self.in_channels)
        xr, xi = torch.bmm(xr, wr) - torch.bmm(xi, wi), torch.bmm(xr, wi) + torch.bmm(xi, wr)
        for a in range(d - 1):
            _, inv_a = _dft_matrices_real(grid[a], self.modes[a], v.dtype, dev)
            lead = math.prod(shape[:a])
            xr, xi = cmatmul(inv_a, xr.reshape(lead, 2 * self.modes[a], -1), xi.reshape(lead, 2 * self.modes[a], -1))
            shape[a] = grid[a]
        _, inv = _dft_matrices(n, m, True, v.dtype, dev)
        xr, xi = xr.reshape(-1, m, batch * self.out_channels), xi.reshape(-1, m, batch * self.out_channels)
        out = torch.matmul(inv, torch.cat([xr, xi], dim=1))
        return out.reshape(*grid, batch, self.out_channels)


def grid_coordinates(shape: Sequence[int], batch: int, device, dtype) -> Tensor:
    """``[*shape, batch, d]`` coordinates in ``[0, 1]`` (inclusive), one channel per axis (grid-first layout)."""
    axes = [torch.linspace(0, 1, n, device=device, dtype=dtype) for n in shape]
    mesh = torch.stack(torch.meshgrid(*axes, indexing="ij"), dim=-1)
    return mesh.unsqueeze(-2).expand(*shape, batch, len(shape))


class FNO(nn.Module):
    """FNO on ``len(modes)``-dimensional grids: ``[B, in_channels, *grid] → [B, out_channels, *grid]``.

    ``width``: channels of the hidden layers; ``layers``: Fourier layers; ``projection``: hidden
    size of the output MLP; ``positional``: append grid coordinates to the input;
    ``padding``: zero-padding at the far end of each axis for non-periodic problems — an integer
    number of points, or a fraction ``< 1`` of the grid length (``round(f·(n−1))`` points), which
    keeps the padded domain's physical size the same at every resolution (needed for zero-shot
    super-resolution).
    Internally grid-first (``[*grid, batch, channels]``), so every pointwise layer is one GEMM.
    """

    registry_name = "fno"

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        modes: Sequence[int] = (12, 12),
        width: int = 32,
        layers: int = 4,
        projection: int = 128,
        positional: bool = True,
        padding: int = 0,
        activation: str = "gelu",
    ):
        super().__init__()
        self.modes = tuple(int(m) for m in modes)
        self.dim = len(self.modes)
        self.in_channels, self.out_channels = in_channels, out_channels
        if padding < 0 or (padding >= 1 and padding != int(padding)):
            raise ValueError(f"padding must be a non-negative integer or a fraction below 1, got {padding}.")
        self.positional, self.padding = positional, (float(padding) if padding < 1 else int(padding))
        acts = {"gelu": nn.GELU(), "relu": nn.ReLU(), "silu": nn.SiLU(), "tanh": nn.Tanh()}
        if activation not in acts:
            raise ValueError(f"FNO activation {activation!r} is not supported; choose one of {sorted(acts)}.")
        self.act = acts[activation]
        self.lift = nn.Linear(in_channels + (self.dim if positional else 0), width)
        self.spectral = nn.ModuleList(SpectralConv(width, width, self.modes) for _ in range(layers))
        self.skip = nn.ModuleList(nn.Linear(width, width) for _ in range(layers))
        self.proj1 = nn.Linear(width, projection)
        self.proj2 = nn.Linear(projection, out_channels)
        self._spec = dict(
            in_channels=in_channels,
            out_channels=out_channels,
            modes=list(self.modes),
            width=width,
            layers=layers,
            projection=projection,
            positional=positional,
            padding=self.padding,
            activation=activation,
        )

    def spec(self) -> dict:
        """Constructor arguments: ``build_network(spec)`` rebuilds this network."""
        return {"name": self.registry_name, "kwargs": dict(self._spec)}

    def forward(self, a: Tensor) -> Tensor:
        """``a [B, C_in, *grid]`` → ``[B, C_out, *grid]``."""
        if a.dim() != self.dim + 2 or a.shape[1] != self.in_channels:
            raise ValueError(
                f"FNO expects input [batch, {self.in_channels}, *grid] with {self.dim} grid axes, "
                f"got shape {tuple(a.shape)}."
            )
        grid, d = a.shape[2:], self.dim
        v = a.permute(*range(2, d + 2), 0, 1)  # grid-first: [*grid, batch, channels]
        if self.positional:
            v = torch.cat([v, grid_coordinates(grid, a.shape[0], a.device, a.dtype)], dim=-1)
        v = self.lift(v)
        grid = tuple(int(n) for n in grid)  # plain ints (also while tracing for ONNX)
        pads = [round(self.padding * (n - 1)) if isinstance(self.padding, float) else self.padding for n in grid]
        if any(pads):
            v = F.pad(v, [0, 0, 0, 0] + [p for q in reversed(pads) for p in (0, q)])
        for i, (spec, skip) in enumerate(zip(self.spectral, self.skip)):
            v = spec(v) + skip(v)
            if i < len(self.spectral) - 1:
                v = self.act(v)
        if any(pads):
            v = v[tuple(slice(0, n) for n in grid)]
        out = self.proj2(self.act(self.proj1(v)))
        return out.permute(d, d + 1, *range(d))


def count_parameters(model: nn.Module) -> int:
    """Real parameters (a complex weight counts twice)."""
    return sum(p.numel() for p in model.parameters())


__all__ = ["FNO", "SpectralConv", "grid_coordinates", "count_parameters"]
