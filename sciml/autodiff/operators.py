"""Functional differential operators on a network field ``u = model(x)``.

Each takes ``model``, points ``x`` ``[N, D]`` and an ``engine`` (``auto|autograd|taylor``)
and returns a tensor; see :func:`sciml.autodiff.derivatives` for the engines.
"""

from __future__ import annotations

from typing import Callable, Sequence

from torch import Tensor

from sciml.autodiff.derivatives import derivatives


def grad(model: Callable, x: Tensor, out: int = 0, engine: str = "auto") -> Tensor:
    """``∇u_out``: ``[N, D]``."""
    return derivatives(model, x, engine, second_dims=()).grad(out)


def jacobian(model: Callable, x: Tensor, engine: str = "auto") -> Tensor:
    """``∂u_i/∂x_j``: ``[N, F, D]``."""
    return derivatives(model, x, engine, second_dims=()).jacobian()


def divergence(model: Callable, x: Tensor, dims: Sequence[int] | None = None, engine: str = "auto") -> Tensor:
    """``Σ_k ∂u_k/∂x_{dims[k]}`` for a vector field with one output per dim: ``[N]``."""
    d = derivatives(model, x, engine, second_dims=())
    dims = list(range(x.shape[1])) if dims is None else list(dims)
    return d.divergence(list(range(len(dims))), dims)


def hessian_diag(model: Callable, x: Tensor, out: int = 0, engine: str = "auto") -> Tensor:
    """``∂²u_out/∂x_k²`` for every ``k``: ``[N, D]``."""
    return derivatives(model, x, engine).hessian_diag(out)


def laplacian(
    model: Callable, x: Tensor, out: int = 0, dims: Sequence[int] | None = None, engine: str = "auto"
) -> Tensor:
    """``Σ_{k in dims} ∂²u_out/∂x_k²`` (default: all dims): ``[N]``."""
    d = derivatives(model, x, engine, second_dims=dims)
    return d.laplacian(out, dims)


def time_derivative(model: Callable, x: Tensor, out: int = 0, time_dim: int = -1, engine: str = "auto") -> Tensor:
    """``∂u_out/∂t`` with time in column ``time_dim`` (default: last): ``[N]``."""
    return derivatives(model, x, engine, second_dims=()).dt(out, time_dim)
