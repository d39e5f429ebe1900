"""U-Net baseline for grid-to-grid maps (Ronneberger et al. 2015), in 1-D or 2-D.

``[B, in_channels, *grid] → [B, out_channels, *grid]``. Each level: two 3-wide convolutions
with GroupNorm and GELU; down by stride-2 pooling, up by transposed convolution, with skip
connections. Grids that are not multiples of ``2**levels`` are padded (replicate) and cropped.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def _block(dim: int, cin: int, cout: int) -> nn.Sequential:
    conv = (nn.Conv1d, nn.Conv2d)[dim - 1]
    return nn.Sequential(
        conv(cin, cout, 3, padding=1),
        nn.GroupNorm(min(8, cout), cout),
        nn.GELU(),
        conv(cout, cout, 3, padding=1),
        nn.GroupNorm(min(8, cout), cout),
        nn.GELU(),
    )


class UNet(nn.Module):
    """U-Net for ``[B, in_channels, *grid] → [B, out_channels, *grid]`` (1-D or 2-D): ``levels`` down/up stages of
    two convolutions each, ``base`` channels at the top, doubled per level (Ronneberger et al. 2015)."""

    registry_name = "unet"

    def __init__(self, in_channels: int = 1, out_channels: int = 1, base: int = 32, levels: int = 3, dim: int = 2):
        super().__init__()
        if dim not in (1, 2):
            raise ValueError(f"UNet supports dim=1 or 2, got {dim}.")
        self.dim, self.levels = dim, levels
        up = (nn.ConvTranspose1d, nn.ConvTranspose2d)[dim - 1]
        conv = (nn.Conv1d, nn.Conv2d)[dim - 1]
        ch = [base * 2**i for i in range(levels + 1)]
        self.down = nn.ModuleList(
            [_block(dim, in_channels, ch[0])] + [_block(dim, ch[i], ch[i + 1]) for i in range(levels)]
        )
        self.up = nn.ModuleList(up(ch[i + 1], ch[i], 2, stride=2) for i in reversed(range(levels)))
        self.dec = nn.ModuleList(_block(dim, 2 * ch[i], ch[i]) for i in reversed(range(levels)))
        self.head = conv(ch[0], out_channels, 1)
        self._spec = dict(in_channels=in_channels, out_channels=out_channels, base=base, levels=levels, dim=dim)

    def spec(self) -> dict:
        """Constructor arguments: ``build_network(spec)`` rebuilds this network."""
        return {"name": self.registry_name, "kwargs": dict(self._spec)}

    def forward(self, x: Tensor) -> Tensor:
        """``x [B, C_in, *grid] → [B, C_out, *grid]`` (grid sides divisible by ``2**levels``)."""
        if x.dim() != self.dim + 2:
            raise ValueError(
                f"UNet(dim={self.dim}) expects [batch, channels, *grid] with {self.dim} grid axes, "
                f"got {tuple(x.shape)}."
            )
        grid = x.shape[2:]
        m = 2**self.levels
        pad = [p for n in reversed(grid) for p in (0, (-n) % m)]
        x = F.pad(x, pad, mode="replicate") if any(pad) else x
        pool = (F.max_pool1d, F.max_pool2d)[self.dim - 1]
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else pool(x, 2))
            skips.append(x)
        skips.pop()
        for up, dec in zip(self.up, self.dec):
            x = dec(torch.cat([up(x), skips.pop()], dim=1))
        x = self.head(x)
        return x[(slice(None), slice(None), *[slice(0, n) for n in grid])]
