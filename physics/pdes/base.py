"""The PDE interface: residuals, soft conditions and hard constraints on a derivative object.

A problem says *what* is solved; ``solvers`` decide *how*. Residuals are written once against
:class:`sciml.autodiff.Derivatives`, so both derivative engines evaluate them.
"""

from __future__ import annotations

import abc
import copy
import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from sciml.autodiff import Derivatives


@dataclass(frozen=True)
class Condition:
    """A soft constraint sampled on ``region`` (``"boundary"`` or ``"initial"``).

    ``residual(d, x, normals)`` returns ``[N]`` (or ``[N, k]``) values that should vanish;
    ``d`` is a :class:`Derivatives` at ``x`` ``[N, D]`` (first derivatives only, and only if
    ``derivatives=True``; Dirichlet data needs none), and ``normals`` are outward unit normals
    ``[N, D]`` on the boundary (``None`` elsewhere).
    """

    name: str
    region: str
    residual: Callable[[Derivatives, Tensor, Tensor | None], Tensor]
    derivatives: bool = False
    with_hard_constraints: bool = False  # still needed when the hard constraint is on (it covers other conditions)

    def __post_init__(self):
        if self.region not in ("boundary", "initial"):
            raise ValueError(f"Condition region must be 'boundary' or 'initial', got {self.region!r}.")


class PDE(abc.ABC):
    """Base class: ``input_names`` (space then time), ``output_names`` and ``second_dims``.

    ``second_dims`` names the inputs along which the residual needs pure second derivatives
    (the Taylor engine propagates only those).
    """

    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()
    second_dims: tuple[str, ...] = ()
    laplacian_only: bool = False  # the residual uses second derivatives only through Δ over second_dims

    @abc.abstractmethod
    def residual(self, d: Derivatives, x: Tensor) -> dict[str, Tensor]:
        """Interior residuals by name, each ``[N]``, at points ``x`` ``[N, D]`` with derivatives ``d``."""

    def conditions(self) -> list[Condition]:
        """Soft boundary/initial conditions (used when hard constraints are off)."""
        return []

    def hard_constraint(self, geometry) -> Callable | None:
        """An output transform ``(x, y) -> u`` that satisfies the conditions exactly, or ``None``."""
        return None

    def second_dim_indices(self) -> tuple[int, ...]:
        """Indices of ``second_dims`` among ``input_names``."""
        return tuple(self.input_names.index(n) for n in self.second_dims)

    def with_coefficients(self, **values) -> PDE:
        """A copy of this problem with the named coefficients replaced (the original is untouched).

        Inverse problems pass trainable tensors here each step, so the residual sees the current estimates.
        """
        missing = sorted(k for k in values if not hasattr(self, k))
        if missing:
            raise ValueError(
                f"{missing} are not coefficients of {self!r}; it has "
                f"{sorted(k for k in vars(self) if not k.startswith('_'))}."
            )
        new = copy.copy(self)
        new.__dict__.update(values)
        return new


def interval_initial_constraint(initial_value: Callable, geometry, *, problem: str, time_power: int = 1) -> Callable:
    """The output transform ``u = u₀(x) + (t − t₀)^p (x − a)(b − x) y / h²`` on ``[a, b] × [t₀, t₁]``.

    ``h = (b − a)/2`` keeps the factor of ``y`` of order one.
    It holds ``u(x, t₀) = u₀(x)`` exactly, and with ``time_power = 2`` also ``∂u/∂t(x, t₀) = 0``; the ends stay at
    ``u₀(a) = u₀(b)``, which must be 0: ``u₀`` here is a sum of ``sin(kπx)``, so the ends must be integers.
    ``initial_value`` maps a tensor or Jet column ``[N, 1]`` to ``[N, 1]``; ``problem`` names the PDE in the error.
    (Lagaris, Likas & Fotiadis 1998.)
    """
    a, b = float(geometry.space.lower[0]), float(geometry.space.upper[0])
    t0 = float(geometry.time.t0)
    if abs(math.sin(math.pi * a)) > 1e-12 or abs(math.sin(math.pi * b)) > 1e-12:
        raise ValueError(
            f"Hard constraints for {problem} need the initial value to vanish at both ends, but the domain is "
            f"[{a}, {b}]. Use integer end points or set hard_constraints=false."
        )
    half = (b - a) / 2

    def transform(x, y):
        xs, ts = x[:, 0:1], x[:, 1:2]
        elapsed = ts - t0
        for _ in range(time_power - 1):  # products, not powers: Jets multiply but have no __pow__
            elapsed = elapsed * (ts - t0)
        return initial_value(xs) + elapsed * ((xs - a) * (b - xs)) * (y * (1.0 / half**2))

    return transform


def exact_condition(pde: PDE, name: str = "bc", region: str = "boundary") -> Condition:
    """Dirichlet data for every output from ``pde.exact(x)`` (``[N, F]``): residual ``u_k − u_k^exact``."""

    def residual(d, x, n):
        ex = pde.exact(x)
        parts = [d.u(o) - ex[:, k] for k, o in enumerate(pde.output_names)]
        return parts[0] if len(parts) == 1 else torch.stack(parts, 1)

    return Condition(name, region, residual)
