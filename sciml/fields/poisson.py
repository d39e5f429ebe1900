"""Fast Poisson solvers ``Δu = f`` on uniform grids (differentiable: FFT-based).

* ``periodic``: FFT on nodes ``x_j = j h``; the mean of ``f`` must vanish and ``u`` has zero mean.
* ``dirichlet``: homogeneous walls, cell-centred data; a sine transform (DST-II) diagonalises
  the 2nd-order 5-point Laplacian with ghost ``u_{-1} = -u_0``.
* ``neumann``: zero-flux walls, cell-centred; a cosine transform (DCT-II); ``u`` has zero mean.

Each inverts the 2nd-order 3-point-per-axis Laplacian exactly (eigenvalues
``(2 cos θ_m - 2)/h²``), so the periodic solve agrees with
``sciml.fields.laplacian(order=2, boundary="periodic")`` to round-off; the wall cases use the
simple ghosts ``u_{-1} = ∓u_0`` (2nd order). ``spectral=True`` (periodic only) inverts ``-k²``.
Fields are ``[batch, channels, *grid]``.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor

from sciml.fields.spectral import wavenumbers


def _dct2(x: Tensor, dim: int) -> Tensor:
    """Unnormalised DCT-II along ``dim`` via an even extension and FFT (Makhoul 1980)."""
    n = x.shape[dim]
    v = torch.cat([x, x.flip(dim)], dim)
    vh = torch.fft.fft(v, dim=dim).narrow(dim, 0, n)
    k = torch.arange(n, device=x.device, dtype=x.dtype)
    shape = [1] * x.ndim
    shape[dim] = n
    return (vh * torch.exp(-1j * math.pi * k / (2 * n)).reshape(shape)).real


def _idct2(y: Tensor, dim: int) -> Tensor:
    """Inverse of :func:`_dct2`."""
    n = y.shape[dim]
    k = torch.arange(n, device=y.device, dtype=y.dtype)
    shape = [1] * y.ndim
    shape[dim] = n
    w = torch.exp(1j * math.pi * k / (2 * n)).reshape(shape)
    z = y * w
    # build the full 2n spectrum of the even extension, then inverse FFT
    zero = torch.zeros_like(z.narrow(dim, 0, 1))
    tail = y.narrow(dim, 1, n - 1).flip(dim) * (-w.narrow(dim, 1, n - 1)).conj().flip(dim) * -1
    full = torch.cat([z, zero, tail], dim)
    return torch.fft.ifft(full, dim=dim).real.narrow(dim, 0, n)


def _dst2(x: Tensor, dim: int) -> Tensor:
    """DST-II via DCT-II of the sign-alternated, reversed sequence."""
    n = x.shape[dim]
    sign = (-1.0) ** torch.arange(n, device=x.device, dtype=x.dtype)
    shape = [1] * x.ndim
    shape[dim] = n
    return _dct2(x * sign.reshape(shape), dim).flip(dim)


def _idst2(y: Tensor, dim: int) -> Tensor:
    n = y.shape[dim]
    sign = (-1.0) ** torch.arange(n, device=y.device, dtype=y.dtype)
    shape = [1] * y.ndim
    shape[dim] = n
    return _idct2(y.flip(dim), dim) * sign.reshape(shape)


def solve_poisson(
    f: Tensor, dx: float | Sequence[float], boundary: str = "periodic", *, spectral: bool = False
) -> Tensor:
    """Solve ``Δu = f`` for ``u`` (same shape as ``f``) with homogeneous boundary data."""
    ndim = f.ndim - 2
    if ndim < 1:
        raise ValueError(f"field must be [batch, channels, *grid], got shape {tuple(f.shape)}.")
    dxs = tuple(dx) if isinstance(dx, (list, tuple)) else (dx,) * ndim
    if boundary not in ("periodic", "dirichlet", "neumann"):
        raise ValueError(f"boundary={boundary!r} is not supported; choose periodic, dirichlet or neumann.")
    if spectral and boundary != "periodic":
        raise ValueError("spectral=True is only available for periodic boundaries.")
    dims = list(range(2, 2 + ndim))
    eig = torch.zeros((), dtype=f.dtype, device=f.device)
    for a, dim in enumerate(dims):
        n, h = f.shape[dim], dxs[a]
        m = torch.arange(n, device=f.device, dtype=f.dtype)
        if boundary == "periodic":
            k = wavenumbers(n, n * h, device=f.device, dtype=f.dtype)
            lam = -(k**2) if spectral else (2 * torch.cos(k * h) - 2) / h**2
        elif boundary == "dirichlet":
            lam = (2 * torch.cos(math.pi * (m + 1) / n) - 2) / h**2
        else:
            lam = (2 * torch.cos(math.pi * m / n) - 2) / h**2
        shape = [1] * ndim
        shape[a] = n
        eig = eig + lam.reshape(shape)
    if boundary == "periodic":
        fh = torch.fft.fftn(f, dim=dims)
        safe = torch.where(eig == 0, torch.ones_like(eig), eig)
        uh = torch.where(eig == 0, torch.zeros_like(fh), fh / safe)
        return torch.fft.ifftn(uh, dim=dims).real
    fwd, inv = (_dst2, _idst2) if boundary == "dirichlet" else (_dct2, _idct2)
    fh = f
    for dim in dims:
        fh = fwd(fh, dim)
    safe = torch.where(eig == 0, torch.ones_like(eig), eig)
    uh = torch.where(eig == 0, torch.zeros_like(fh), fh / safe)
    for dim in dims:
        uh = inv(uh, dim)
    return uh
