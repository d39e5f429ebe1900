"""How a dataset becomes operator-learning pairs ``(input [C_in, *grid], target [C_out, *grid])``.

* ``darcy``: permeability ↦ pressure (2-D), optionally subsampled by ``stride``.
* ``burgers``: ``u(·, 0) ↦ u(·, 1)`` (1-D), optionally subsampled by ``stride``.
* ``ns2d``: ``window`` consecutive vorticity frames ↦ the next frame (one step of an
  autoregressive map; :mod:`solvers.operators.rollout` chains it over the trajectory).

Pairs are held in memory (these datasets are tens of MB) or streamed from the shards with
DataLoader workers (``in_memory=False``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset, TensorDataset

from sciml.data import ShardedDataset

TASKS = ("darcy", "burgers", "ns2d")


@dataclass(frozen=True)
class Task:
    """``name`` in :data:`TASKS`; ``stride`` subsamples the grid; ``window`` input frames (ns2d)."""

    name: str
    stride: int = 1
    window: int = 10

    def __post_init__(self):
        if self.name not in TASKS:
            raise ValueError(f"unknown operator task {self.name!r}; choose one of {TASKS}.")
        if self.stride < 1:
            raise ValueError(f"stride must be >= 1, got {self.stride}.")

    @property
    def dims(self) -> int:
        """Spatial dimensions of the task's fields."""
        return 1 if self.name == "burgers" else 2

    @property
    def periodic(self) -> bool:
        """Whether the fields are periodic (not Darcy's)."""
        return self.name != "darcy"

    @property
    def fields(self) -> tuple[str, str]:
        """``(input field, target field)`` names in the dataset."""
        return {
            "darcy": ("permeability", "pressure"),
            "burgers": ("initial", "final"),
            "ns2d": ("vorticity", "vorticity"),
        }[self.name]

    def _sub(self, arr: np.ndarray) -> np.ndarray:
        s = self.stride
        return arr[(slice(None),) + (slice(None, None, s),) * self.dims] if s > 1 else arr

    def pairs(self, ds: ShardedDataset) -> tuple[torch.Tensor, torch.Tensor]:
        """All pairs of a dataset view, in memory: ``x [n, C_in, *grid]``, ``y [n, C_out, *grid]``."""
        fin, fout = self.fields
        if self.name == "ns2d":
            traj = torch.from_numpy(self._traj(ds))
            return windows(traj, self.window)
        x = torch.from_numpy(self._sub(ds.read(fin)))[:, None]
        y = torch.from_numpy(self._sub(ds.read(fout)))[:, None]
        return x, y

    def _traj(self, ds: ShardedDataset) -> np.ndarray:
        w0 = ds.read("w0")[:, None]
        w = ds.read("vorticity")
        traj = np.concatenate([w0, w], axis=1)  # [n, T+1, H, W]
        return traj[:, :, :: self.stride, :: self.stride] if self.stride > 1 else traj

    def trajectories(self, ds: ShardedDataset) -> torch.Tensor:
        """``[n, T+1, *grid]`` vorticity trajectories (ns2d only)."""
        if self.name != "ns2d":
            raise ValueError("trajectories exist only for the ns2d task.")
        return torch.from_numpy(self._traj(ds))

    def normalizers(self, ds: ShardedDataset, pointwise: bool = True):
        """Input/output normalisers from the statistics the writer streamed (no pass over the data).

        Those statistics cover every sample of the dataset (train and test alike).
        """
        from sciml.data import GaussianNormalizer, RunningMoments

        stats = ds.statistics()
        out = []
        for name in self.fields:
            m = stats[name]
            sl = (slice(None, None, self.stride),) * self.dims
            m = RunningMoments(m.count, m.mean[sl], m.m2[sl])
            out.append(GaussianNormalizer.from_moments(m, pointwise))
        return tuple(out)

    def dataset(self, ds: ShardedDataset, in_memory: bool = True) -> Dataset:
        """A torch Dataset of ``(x, y)`` pairs (in memory, or read sample by sample from the shards)."""
        if in_memory or self.name == "ns2d":
            return TensorDataset(*self.pairs(ds))
        return _StreamedPairs(ds, self)


def windows(traj: torch.Tensor, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All ``(frames t..t+window-1, frame t+window)`` pairs of trajectories ``[n, T, *grid]``."""
    n, t = traj.shape[:2]
    if t <= window:
        raise ValueError(f"trajectories have {t} frames; a window of {window} needs more.")
    xs = torch.stack([traj[:, i : i + window] for i in range(t - window)], 1)  # [n, k, window, *grid]
    ys = traj[:, window:, None]  # [n, k, 1, *grid]
    return xs.reshape(-1, *xs.shape[2:]), ys.reshape(-1, *ys.shape[2:])


class _StreamedPairs(Dataset):
    def __init__(self, ds: ShardedDataset, task: Task):
        self.ds, self.task = ds, task

    def __len__(self) -> int:
        return len(self.ds)

    def __getitem__(self, i):
        sample = self.ds[i]
        fin, fout = self.task.fields
        sl = (slice(None, None, self.task.stride),) * self.task.dims
        return sample[fin][sl][None], sample[fout][sl][None]
