"""Output transforms that impose constraints exactly ("hard" constraints).

A transform is ``g(x, y) -> u`` applied after the network ``y = net(x)``; for example
``u = u0(x) + t (1 - x²) y`` satisfies ``u(x, 0) = u0(x)`` and ``u(±1, t) = 0`` by construction
(Lagaris, Likas & Fotiadis 1998). It must use operations that tensors and Jets share
(``+ - *``, ``.sin()``, ``.cos()``, ``.exp()``, ``.tanh()``, feature slicing ``x[:, k:k+1]``).
"""

from __future__ import annotations

from typing import Callable

from torch import Tensor, nn

from sciml.autodiff.jet import Jet


class OutputTransform(nn.Module):
    """Wrap ``net`` as ``x ↦ fn(x, net(x))``; keeps ``supports_taylor`` of the wrapped net."""

    def __init__(self, net: nn.Module, fn: Callable[[Tensor | Jet, Tensor | Jet], Tensor | Jet]):
        super().__init__()
        self.net = net
        self.fn = fn
        self.supports_taylor = bool(getattr(net, "supports_taylor", False))

    def forward(self, x: Tensor | Jet) -> Tensor | Jet:
        """``fn(x, net(x))``: the network's output passed through the transform."""
        return self.fn(x, self.net(x))
