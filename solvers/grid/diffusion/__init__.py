"""Diffusion ``u_t = ν Δu``: explicit, implicit (CG) and exact Fourier steps (cross-checked in tests)."""

from solvers.grid.diffusion import explicit, fourier, implicit

__all__ = ["explicit", "implicit", "fourier"]
