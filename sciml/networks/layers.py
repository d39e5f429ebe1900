"""Building blocks shared by sciml networks; every block accepts tensors and :class:`Jet`.

Shapes: inputs ``[N, in_features]`` → outputs ``[N, out_features]``.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import Tensor, nn

from sciml.autodiff.jet import ELEMENTWISE_NAMES, Jet, cat_features, linear

ACTIVATIONS = ("tanh", "sin", "silu", "gelu", "sigmoid")


class Activation(nn.Module):
    """Elementwise activation ``f(omega0 * h)``; ``omega0 != 1`` only for SIREN sine layers."""

    def __init__(self, name: str, omega0: float = 1.0):
        super().__init__()
        if name not in ACTIVATIONS:
            raise ValueError(f"activation={name!r} is not supported. Choose one of {list(ACTIVATIONS)}.")
        self.name = name
        self.omega0 = float(omega0)
        self._fn = {
            "tanh": torch.tanh,
            "sin": torch.sin,
            "silu": nn.functional.silu,
            "gelu": nn.functional.gelu,
            "sigmoid": torch.sigmoid,
        }[name]

    def forward(self, h: Tensor | Jet) -> Tensor | Jet:
        """``f(ω₀ h)`` elementwise, on tensors and jets."""
        if self.omega0 != 1.0:
            h = h * self.omega0
        if isinstance(h, Jet):
            return h.elementwise(self.name)
        return self._fn(h)

    def extra_repr(self) -> str:
        """The activation's name (and ω₀ when not 1) for ``print(model)``."""
        return f"{self.name}" + (f", omega0={self.omega0}" if self.omega0 != 1.0 else "")


if not set(ACTIVATIONS) <= set(ELEMENTWISE_NAMES):  # library invariant
    raise ImportError("every activation needs a Taylor rule in sciml.autodiff.jet")


class Dense(nn.Linear):
    """``nn.Linear`` whose forward also propagates a :class:`Jet`."""

    def forward(self, h: Tensor | Jet) -> Tensor | Jet:  # type: ignore[override]
        """``h W^T + b`` on tensors and jets."""
        return linear(h, self.weight, self.bias)


class InputNormalization(nn.Module):
    """Affine map of the domain's bounding box ``[lower, upper]`` onto ``[-1, 1]^D``."""

    def __init__(self, lower: Sequence[float], upper: Sequence[float]):
        super().__init__()
        lo = torch.as_tensor(list(lower), dtype=torch.get_default_dtype())
        hi = torch.as_tensor(list(upper), dtype=torch.get_default_dtype())
        if lo.shape != hi.shape or lo.ndim != 1:
            raise ValueError(f"input_bounds need matching 1-D lower/upper lists, got {list(lower)} and {list(upper)}.")
        if bool((hi <= lo).any()):
            raise ValueError(f"input_bounds upper {hi.tolist()} must exceed lower {lo.tolist()} in every dimension.")
        self.register_buffer("scale", 2.0 / (hi - lo))
        self.register_buffer("shift", -(hi + lo) / (hi - lo))

    def forward(self, x: Tensor | Jet) -> Tensor | Jet:
        """Inputs mapped affinely to ``[−1, 1]`` per coordinate."""
        if isinstance(x, Jet):  # the jet's own methods: torch.compile traces them without a graph break
            return x.__mul__(self.scale).__add__(self.shift)
        return x * self.scale + self.shift


class FourierFeatures(nn.Module):
    """Random Fourier features ``[cos(2π B x), sin(2π B x)]``, ``B ~ N(0, scale²)``.

    Tancik et al. (2020), *Fourier features let networks learn high frequency functions*.
    Maps ``[N, in_features]`` to ``[N, 2 * num_features]``.
    """

    def __init__(self, in_features: int, num_features: int, scale: float = 1.0, trainable: bool = False, seed: int = 0):
        super().__init__()
        if num_features < 1:
            raise ValueError(f"fourier num_features must be >= 1, got {num_features}.")
        gen = torch.Generator().manual_seed(seed)
        b = torch.randn(num_features, in_features, generator=gen, dtype=torch.float64) * scale * 2 * math.pi
        b = b.to(torch.get_default_dtype())
        if trainable:
            self.B = nn.Parameter(b)
        else:
            self.register_buffer("B", b)
        self.out_features = 2 * num_features

    def forward(self, x: Tensor | Jet) -> Tensor | Jet:
        """``[cos(2πBx), sin(2πBx)]`` features."""
        z = linear(x, self.B)
        return cat_features([z.cos(), z.sin()])


class PeriodicEmbedding(nn.Module):
    """Exactly periodic inputs: each periodic coordinate ``x_d`` (period ``L_d``) becomes
    ``[cos(k ω_d x_d), sin(k ω_d x_d)]`` for ``k = 1..harmonics``, ``ω_d = 2π / L_d``; the other
    coordinates pass through (optionally through the affine map ``scale·x + shift``).

    Any network on top is then periodic in ``x_d`` with all derivatives, so periodic boundary
    conditions hold by construction (Dong & Ni 2021, *A method for representing periodic functions
    and enforcing exactly periodic boundary conditions with deep neural networks*).
    Maps ``[N, in_features]`` to ``[N, in_features + (2·harmonics − 1)·len(periods)]``.
    """

    def __init__(
        self,
        in_features: int,
        periods: dict,
        harmonics: int = 1,
        scale: Sequence[float] | None = None,
        shift: Sequence[float] | None = None,
    ):
        super().__init__()
        dims = {int(k): float(v) for k, v in dict(periods).items()}
        bad = [d for d in dims if not 0 <= d < in_features]
        if bad or any(not L > 0 for L in dims.values()):
            raise ValueError(
                f"periodic needs {{input index: period > 0}} with indices in [0, {in_features}); got {periods!r}."
            )
        if int(harmonics) < 1:
            raise ValueError(f"periodic harmonics must be >= 1, got {harmonics}.")
        rows = [torch.zeros(in_features, dtype=torch.float64) for _ in range(len(dims) * int(harmonics))]
        for i, (d, L) in enumerate(sorted(dims.items())):
            for k in range(int(harmonics)):
                rows[i * int(harmonics) + k][d] = 2 * math.pi * (k + 1) / L
        dt = torch.get_default_dtype()
        self.register_buffer("B", torch.stack(rows).to(dt))
        keep = [d for d in range(in_features) if d not in dims]
        pick = torch.zeros(len(keep), in_features, dtype=torch.float64)
        for r, d in enumerate(keep):
            pick[r, d] = 1.0 if scale is None else float(scale[d])
        bias = torch.tensor([0.0 if shift is None else float(shift[d]) for d in keep], dtype=torch.float64)
        self.register_buffer("P", pick.to(dt))
        self.register_buffer("p_bias", bias.to(dt))
        self.out_features = 2 * self.B.shape[0] + len(keep)

    def forward(self, x: Tensor | Jet) -> Tensor | Jet:
        """Exactly periodic features of the periodic inputs, the others passed on (normalised)."""
        z = linear(x, self.B)
        parts = [z.cos(), z.sin()]
        if self.P.shape[0]:
            parts.append(linear(x, self.P, self.p_bias))
        return cat_features(parts)


def init_dense(layer: nn.Linear, scheme: str, *, first: bool = False, omega0: float = 30.0) -> None:
    """Initialise a dense layer: ``xavier`` (Glorot normal, zero bias) or ``siren``.

    SIREN (Sitzmann et al. 2020): first layer ``U(-1/n, 1/n)``, later layers
    ``U(-√(6/n)/ω0, √(6/n)/ω0)`` for fan-in ``n``.
    """
    n = layer.in_features
    if scheme == "xavier":
        nn.init.xavier_normal_(layer.weight)
        nn.init.zeros_(layer.bias)
    elif scheme == "siren":
        bound = 1.0 / n if first else math.sqrt(6.0 / n) / omega0
        nn.init.uniform_(layer.weight, -bound, bound)
        nn.init.uniform_(layer.bias, -1.0 / math.sqrt(n), 1.0 / math.sqrt(n))
    else:
        raise ValueError(f"init={scheme!r} is not supported. Choose 'xavier' or 'siren'.")
