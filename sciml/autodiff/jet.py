"""Second-order Taylor jets for forward-mode derivative propagation.

A :class:`Jet` carries, for a batch of points ``x`` of shape ``[N, D]``, a feature
tensor ``h(x)`` together with its first derivatives with respect to every input
coordinate and its pure second derivatives with respect to selected coordinates:

* ``value``: ``h``, shape ``[N, F]``
* ``d1``: ``∂h/∂x_i`` for ``i = 0..D-1``, shape ``[N, D, F]``
* ``d2``: ``∂²h/∂x_i²`` for ``i in second_dims``, shape ``[N, S, F]``

Linear maps act on all three; an elementwise map ``f`` obeys
``d1' = f'(h) d1`` and ``d2' = f'(h) d2 + f''(h) d1²`` (chain rule), so value, gradient
and Hessian diagonal of a whole MLP come out of one forward pass without nested
autograd. This is the "forward Laplacian" idea of Li et al. (2023), *Forward Laplacian:
a new computational framework for neural network-based variational Monte Carlo*,
kept per dimension rather than summed. Because it is a single forward graph,
``torch.compile`` handles it and backward through it is an ordinary first-order backward.

A plain ``torch.Tensor`` mixed into Jet arithmetic is treated as a constant in ``x``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

# elementwise function -> (f, f', f'') evaluated together, sharing work
_ELEMENTWISE: dict[str, Callable[[Tensor], tuple[Tensor, Tensor, Tensor]]] = {}


def _register(name: str):
    def deco(fn):
        _ELEMENTWISE[name] = fn
        return fn

    return deco


@_register("tanh")
def _tanh3(v: Tensor):
    t = torch.tanh(v)
    g = 1 - t * t
    return t, g, -2 * t * g


@_register("sin")
def _sin3(v: Tensor):
    s, c = torch.sin(v), torch.cos(v)
    return s, c, -s


@_register("cos")
def _cos3(v: Tensor):
    s, c = torch.sin(v), torch.cos(v)
    return c, -s, -c


@_register("exp")
def _exp3(v: Tensor):
    e = torch.exp(v)
    return e, e, e


@_register("sigmoid")
def _sigmoid3(v: Tensor):
    s = torch.sigmoid(v)
    g = s * (1 - s)
    return s, g, g * (1 - 2 * s)


@_register("silu")
def _silu3(v: Tensor):
    s = torch.sigmoid(v)
    g = s * (1 - s)
    return v * s, s + v * g, g * (2 + v * (1 - 2 * s))


@_register("gelu")
def _gelu3(v: Tensor):
    cdf = 0.5 * (1 + torch.erf(v * 0.7071067811865476))
    pdf = torch.exp(-0.5 * v * v) * 0.3989422804014327
    return v * cdf, cdf + v * pdf, pdf * (2 - v * v)


@_register("square")
def _square3(v: Tensor):
    return v * v, 2 * v, torch.full_like(v, 2.0)


@_register("sqrt")
def _sqrt3(v: Tensor):
    r = torch.sqrt(v)
    return r, 0.5 / r, -0.25 / (r * v)


@_register("reciprocal")
def _reciprocal3(v: Tensor):
    r = 1.0 / v
    return r, -r * r, 2 * r * r * r


ELEMENTWISE_NAMES = tuple(_ELEMENTWISE)


@dataclass(frozen=True)
class Jet:
    """Value, first derivatives and selected pure second derivatives, packed in one tensor.

    ``data`` has shape ``[N, 1 + D + S, F]``: channel 0 is the value, channels ``1..D`` the
    first derivatives along each input, the last ``S`` channels the pure second derivatives
    along ``second_dims``. Packing keeps one matrix product per linear layer (value and all
    derivatives at once) and lets the compiler fuse each activation rule into one kernel.
    """

    data: Tensor
    n_inputs: int
    second_dims: tuple[int, ...]
    summed: bool = False  # True: one second-order channel holding Σ_{k in second_dims} ∂²h/∂x_k²

    # ---- construction -------------------------------------------------
    @staticmethod
    def variable(x: Tensor, second_dims: Sequence[int] | None = None, summed: bool = False) -> Jet:
        """The identity jet of input points ``x`` ``[N, D]``: ``d1 = I``, ``d2 = 0``.

        ``summed=True`` propagates only the Laplacian ``Σ_k ∂²/∂x_k²`` over ``second_dims`` in a single
        channel (the forward Laplacian of Li et al. 2023 proper): fewer channels, same result.
        """
        if x.ndim != 2:
            raise ValueError(f"Jet.variable expects points of shape [N, D], got {tuple(x.shape)}.")
        n, dim = x.shape
        dims = tuple(range(dim)) if second_dims is None else tuple(int(i) for i in second_dims)
        for i in dims:
            if not 0 <= i < dim:
                raise ValueError(f"second_dims entry {i} is out of range for {dim} input dimensions.")
        eye = torch.eye(dim, dtype=x.dtype, device=x.device).expand(n, dim, dim)
        parts = [x.unsqueeze(1), eye]
        if dims:
            parts.append(x.new_zeros(n, 1 if summed else len(dims), dim))
        return Jet(torch.cat(parts, 1), dim, dims, bool(summed and dims))

    # ---- views ----------------------------------------------------------
    @property
    def value(self) -> Tensor:
        """``[N, F]``."""
        return self.data[:, 0]

    @property
    def d1(self) -> Tensor:
        """``[N, D, F]``."""
        return self.data[:, 1 : 1 + self.n_inputs]

    @property
    def d2(self) -> Tensor:
        """``[N, S, F]``."""
        return self.data[:, 1 + self.n_inputs :]

    @property
    def n_features(self) -> int:
        """Number of features ``F`` (the last axis)."""
        return self.data.shape[-1]

    def _d1_second(self) -> Tensor:
        """First derivatives along ``second_dims``: ``[N, S, F]``."""
        s = self.second_dims
        if s == tuple(range(len(s))):
            return self.data[:, 1 : 1 + len(s)]
        idx = torch.tensor([1 + i for i in s], dtype=torch.long, device=self.data.device)
        return self.data.index_select(1, idx)

    def _like(self, data: Tensor) -> Jet:
        return Jet(data, self.n_inputs, self.second_dims, self.summed)

    def _sq(self, a: Tensor, b: Tensor) -> Tensor:
        """``a_k b_k`` per second dimension ``[N, S, F]``, or its sum ``[N, 1, F]`` for a summed jet."""
        prod = a * b
        return prod.sum(1, keepdim=True) if self.summed else prod

    def _check_compatible(self, other: Jet) -> None:
        if self.second_dims != other.second_dims or self.n_inputs != other.n_inputs or self.summed != other.summed:
            raise ValueError(
                f"Cannot combine jets with different layouts (second_dims {self.second_dims} vs {other.second_dims}); "
                "build both from the same Jet.variable."
            )

    # ---- linear algebra ----------------------------------------------
    def linear(self, weight: Tensor, bias: Tensor | None = None) -> Jet:
        """``h -> h Wᵀ + b`` on value and derivatives at once (the bias reaches the value only)."""
        out = self.data @ weight.t()
        if bias is not None:
            k = out.shape[1]
            out = out + torch.cat([bias.unsqueeze(0), bias.new_zeros(k - 1, bias.shape[0])], 0)
        return self._like(out)

    def elementwise(self, name: str) -> Jet:
        """Apply a registered elementwise function (see ``ELEMENTWISE_NAMES``)."""
        try:
            fn = _ELEMENTWISE[name]
        except KeyError:
            raise ValueError(
                f"No Taylor rule for elementwise function {name!r}; known: {list(ELEMENTWISE_NAMES)}."
            ) from None
        f0, f1, f2 = fn(self.value)
        g1 = f1.unsqueeze(1)
        parts = [f0.unsqueeze(1), g1 * self.d1]
        if self.second_dims:
            sq = self._d1_second()
            parts.append(g1 * self.d2 + f2.unsqueeze(1) * self._sq(sq, sq))
        return self._like(torch.cat(parts, 1))

    def tanh(self) -> Jet:
        """``tanh`` of the jet (value, first and second derivatives by the chain rule)."""
        return self.elementwise("tanh")

    def sin(self) -> Jet:
        """``sin`` of the jet."""
        return self.elementwise("sin")

    def cos(self) -> Jet:
        """``cos`` of the jet."""
        return self.elementwise("cos")

    def exp(self) -> Jet:
        """``exp`` of the jet."""
        return self.elementwise("exp")

    def sigmoid(self) -> Jet:
        """``sigmoid`` of the jet."""
        return self.elementwise("sigmoid")

    def square(self) -> Jet:
        """The jet squared."""
        return self.elementwise("square")

    def __getitem__(self, idx) -> Jet:
        """Select features (last axis) only: ``jet[..., k]`` or ``jet[:, a:b]`` keep the batch."""
        if not isinstance(idx, tuple) or len(idx) != 2 or idx[0] not in (slice(None), Ellipsis):
            raise IndexError("Jet supports feature selection only, e.g. jet[:, 0:1] or jet[..., [0, 2]].")
        sel = idx[1]
        if isinstance(sel, int):
            sel = slice(sel, sel + 1)
        return self._like(self.data[..., sel])

    @staticmethod
    def cat(jets: Sequence[Jet]) -> Jet:
        """Concatenate jets along the feature axis."""
        first = jets[0]
        for j in jets[1:]:
            first._check_compatible(j)
        return first._like(torch.cat([j.data for j in jets], -1))

    # ---- arithmetic ---------------------------------------------------
    def _value_only(self, c: Tensor | float) -> Tensor:
        """Pad a constant so that adding it changes the value channel only."""
        if isinstance(c, Tensor) and c.ndim >= 1:
            c = c.expand(self.data.shape[0], self.n_features) if c.ndim == 2 else c.expand(self.n_features)
            rest = self.data.new_zeros(
                *((self.data.shape[0],) if c.ndim == 2 else ()), self.data.shape[1] - 1, self.n_features
            )
            return torch.cat([c.unsqueeze(-2), rest], -2)
        row = torch.zeros(self.data.shape[1], 1, dtype=self.data.dtype, device=self.data.device)
        row[0] = 1.0
        return row * c

    def __neg__(self) -> Jet:
        return self._like(-self.data)

    def __add__(self, other) -> Jet:
        if isinstance(other, Jet):
            self._check_compatible(other)
            return self._like(self.data + other.data)
        return self._like(self.data + self._value_only(other))

    __radd__ = __add__

    def __sub__(self, other) -> Jet:
        return self + (-other)

    def __rsub__(self, other) -> Jet:
        return (-self) + other

    def __mul__(self, other) -> Jet:
        if isinstance(other, Jet):
            self._check_compatible(other)
            a, b = self.value.unsqueeze(1), other.value.unsqueeze(1)
            parts = [(self.value * other.value).unsqueeze(1), a * other.d1 + b * self.d1]
            if self.second_dims:
                parts.append(a * other.d2 + b * self.d2 + 2 * self._sq(self._d1_second(), other._d1_second()))
            return self._like(torch.cat(parts, 1))
        if isinstance(other, Tensor) and other.ndim >= 1:
            return self._like(self.data * other.unsqueeze(-2))
        return self._like(self.data * other)

    __rmul__ = __mul__

    def __truediv__(self, other) -> Jet:
        if isinstance(other, Jet):
            raise TypeError("Jet / Jet is not supported; multiply by a reciprocal computed with elementwise rules.")
        return self * (1.0 / other)


def linear(h: Tensor | Jet, weight: Tensor, bias: Tensor | None = None) -> Tensor | Jet:
    """``F.linear`` that also accepts a :class:`Jet`."""
    if isinstance(h, Jet):
        return h.linear(weight, bias)
    return F.linear(h, weight, bias)


def cat_features(parts: Sequence[Tensor | Jet]) -> Tensor | Jet:
    """Concatenate along the last axis, for tensors or jets."""
    if isinstance(parts[0], Jet):
        return Jet.cat(parts)  # type: ignore[arg-type]
    return torch.cat(parts, dim=-1)  # type: ignore[arg-type]
