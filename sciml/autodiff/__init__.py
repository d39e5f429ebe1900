"""Derivatives of network fields: nested autograd and forward Taylor (jet) propagation."""

from sciml.autodiff.derivatives import (
    ENGINES,
    Derivatives,
    ValueOnly,
    derivatives,
    resolve_engine,
    supports_taylor,
)
from sciml.autodiff.jet import ELEMENTWISE_NAMES, Jet, cat_features, linear
from sciml.autodiff.operators import divergence, grad, hessian_diag, jacobian, laplacian, time_derivative

__all__ = [
    "Jet",
    "linear",
    "cat_features",
    "ELEMENTWISE_NAMES",
    "Derivatives",
    "ValueOnly",
    "ENGINES",
    "derivatives",
    "resolve_engine",
    "supports_taylor",
    "grad",
    "jacobian",
    "divergence",
    "hessian_diag",
    "laplacian",
    "time_derivative",
]
