"""Grid operators on fields ``[batch, channels, *grid]``: finite differences (2nd/4th order),
Fourier-spectral derivatives and filters, fast Poisson solvers, and CG with an implicit adjoint."""

from sciml.fields.conjugate_gradient import ConvergenceError, cg_solve
from sciml.fields.finite_difference import BOUNDARIES, curl, derivative, divergence, gradient, laplacian, pad
from sciml.fields.image_metrics import psnr, ssim
from sciml.fields.poisson import solve_poisson
from sciml.fields.spectral import apply_spectral, dealias_mask, exponential_filter, spectral_derivative, wavenumbers
from sciml.fields.staggered import faces_to_centres, mac_divergence, mac_gradient

__all__ = [
    "psnr",
    "ssim",
    "BOUNDARIES",
    "derivative",
    "gradient",
    "divergence",
    "curl",
    "laplacian",
    "pad",
    "spectral_derivative",
    "wavenumbers",
    "dealias_mask",
    "exponential_filter",
    "apply_spectral",
    "solve_poisson",
    "cg_solve",
    "mac_divergence",
    "mac_gradient",
    "faces_to_centres",
    "ConvergenceError",
]
