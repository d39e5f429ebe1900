"""DeepONet on gridded data: the branch sees the input field at strided sensors, the trunk
sees the grid coordinates, and the Cartesian-product form evaluates every function at every
grid point in one pass. Maps ``[B, 1, *grid] → [B, 1, *grid]`` like the FNO, so the same
training loop, normalisers and metrics apply (Lu et al. 2022's Darcy comparison).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from sciml.networks import CartesianDeepONet


class GridDeepONet(nn.Module):
    """DeepONet on a fixed grid: the branch sees the input field at sensors, the trunk every grid point."""

    def __init__(
        self,
        grid: Sequence[int],
        sensor_stride: int = 1,
        branch: Sequence[int] = (256, 256),
        trunk: Sequence[int] = (256, 256),
        basis: int = 128,
        activation: str = "gelu",
    ):
        super().__init__()
        self.grid = tuple(grid)
        self.sensor_stride = sensor_stride
        sensors = 1
        for n in self.grid:
            sensors *= len(range(0, n, sensor_stride))
        self.net = CartesianDeepONet(sensors, len(self.grid), branch, trunk, basis, 1, activation)
        axes = [torch.linspace(0, 1, n) for n in self.grid]
        self.register_buffer(
            "points", torch.stack(torch.meshgrid(*axes, indexing="ij"), -1).reshape(-1, len(self.grid))
        )
        self._spec = dict(
            grid=list(self.grid),
            sensor_stride=sensor_stride,
            branch=list(branch),
            trunk=list(trunk),
            basis=basis,
            activation=activation,
        )

    def spec(self) -> dict:
        """Constructor arguments (this wrapper is rebuilt by the operator experiment, not the registry)."""
        return {"name": "grid_deeponet", "kwargs": dict(self._spec)}

    def forward(self, a: Tensor) -> Tensor:
        """``a [B, 1, *grid] → [B, c, *grid]`` on the grid the network was built for."""
        if tuple(a.shape[2:]) != self.grid:
            raise ValueError(
                f"this DeepONet was built for grid {self.grid}; got input {tuple(a.shape)} "
                "(DeepONet, unlike FNO, is tied to its sensor grid)."
            )
        s = self.sensor_stride
        sensors = a[(slice(None), 0) + (slice(None, None, s),) * len(self.grid)].reshape(a.shape[0], -1)
        out = self.net(sensors, self.points)  # [B, P, 1]
        return out[..., 0].reshape(a.shape[0], 1, *self.grid)
