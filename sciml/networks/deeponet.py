"""Deep operator networks (Lu et al., *Learning nonlinear operators via DeepONet*, Nat. Mach. Intell. 2021).

    G(u)(y) ≈ Σ_k b_k(u(x₁), …, u(x_m)) · t_k(y) + b₀

The branch net sees the input function at ``m`` fixed sensors; the trunk net sees the query
point ``y``. With ``out_channels = c`` the ``p`` basis functions split into ``c`` groups.

* :class:`DeepONet` pairs rows: ``u [N, m]``, ``y [N, d]`` → ``[N, c]``.
* :class:`CartesianDeepONet` evaluates every input function at every query point:
  ``u [B, m]``, ``y [P, d]`` → ``[B, P, c]`` — one trunk pass shared by the batch
  (Lu et al. 2022, *A comprehensive and fair comparison…*, the "Cartesian product" form).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from sciml.networks.layers import Activation


def _mlp(sizes: Sequence[int], activation: str, last_activation: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = nn.Linear(a, b)
        nn.init.xavier_normal_(lin.weight)
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2 or last_activation:
            layers.append(Activation(activation))
    return nn.Sequential(*layers)


class DeepONet(nn.Module):
    """Unstacked DeepONet with MLP branch ``[m, *branch, p·c]`` and trunk ``[d, *trunk, p·c]``."""

    registry_name = "deeponet"

    def __init__(
        self,
        sensors: int,
        coordinates: int,
        branch: Sequence[int] = (128, 128),
        trunk: Sequence[int] = (128, 128),
        basis: int = 128,
        out_channels: int = 1,
        activation: str = "tanh",
    ):
        super().__init__()
        self.sensors, self.coordinates, self.basis, self.out_channels = sensors, coordinates, basis, out_channels
        self.branch = _mlp([sensors, *branch, basis * out_channels], activation)
        self.trunk = _mlp([coordinates, *trunk, basis * out_channels], activation, last_activation=True)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self._spec = dict(
            sensors=sensors,
            coordinates=coordinates,
            branch=list(branch),
            trunk=list(trunk),
            basis=basis,
            out_channels=out_channels,
            activation=activation,
        )

    def spec(self) -> dict:
        """Constructor arguments: ``build_network(spec)`` rebuilds this network."""
        return {"name": self.registry_name, "kwargs": dict(self._spec)}

    def _check(self, u: Tensor, y: Tensor) -> None:
        if u.shape[-1] != self.sensors:
            raise ValueError(f"branch input has {u.shape[-1]} sensor values per function, expected {self.sensors}.")
        if y.shape[-1] != self.coordinates:
            raise ValueError(f"trunk input has {y.shape[-1]} coordinates per point, expected {self.coordinates}.")

    def forward(self, u: Tensor, y: Tensor) -> Tensor:
        """``G(u)(y)`` for paired rows: ``u [B, m]``, ``y [B, d]`` → ``[B, c]``."""
        self._check(u, y)
        if u.shape[0] != y.shape[0]:
            raise ValueError(
                f"DeepONet pairs rows: u has {u.shape[0]} rows, y has {y.shape[0]}. "
                "Use CartesianDeepONet to evaluate every function at every point."
            )
        b = self.branch(u).view(-1, self.out_channels, self.basis)
        t = self.trunk(y).view(-1, self.out_channels, self.basis)
        return (b * t).sum(-1) + self.bias


class CartesianDeepONet(DeepONet):
    """``u [B, m]``, ``y [P, d]`` → ``[B, P, c]``: the trunk runs once for all ``B`` functions."""

    registry_name = "cartesiandeeponet"

    def forward(self, u: Tensor, y: Tensor) -> Tensor:
        """``G(u)(y)`` for every pair: ``u [B, m]``, ``y [P, d]`` → ``[B, P, c]``."""
        self._check(u, y)
        b = self.branch(u).view(u.shape[0], self.out_channels, self.basis)
        t = self.trunk(y).view(y.shape[0], self.out_channels, self.basis)
        return torch.einsum("bck,pck->bpc", b, t) + self.bias
