"""Training and evaluating neural operators with the foundation's :class:`~sciml.training.Trainer`.

``train_operator`` runs Adam (step-decayed learning rate, as in Li et al. 2021) over
mini-batches for ``epochs`` epochs; the loss is a relative Lp/H¹ error of decoded outputs.
``evaluate`` returns the test relative L2; ``samples_per_second`` is the measured training
throughput (what ``benchmarks/operators.py`` compares across implementations).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Sequence

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from sciml.training import Callback, Phase, Trainer
from sciml.training.losses import LOSSES, relative_lp


@dataclass(frozen=True)
class OperatorTraining:
    """Plain training settings (the config's ``operator`` node maps onto these)."""

    epochs: int = 100
    batch_size: int = 20
    lr: float = 1e-3
    weight_decay: float = 1e-4
    decay_every_epochs: int = 50
    gamma: float = 0.5
    loss: str = "relative_l2"
    workers: int = 0
    seed: int = 0
    mode: str = "pynative"

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss {self.loss!r} is not available; choose one of {sorted(LOSSES)}.")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"epochs and batch_size must be positive, got {self.epochs} and {self.batch_size}.")


@dataclass
class OperatorResult:
    """Steps, epochs, wall time, throughput and the loss history of :func:`train_operator`."""

    steps: int
    epochs: int
    seconds: float
    samples_per_second: float
    history: list[float] = field(default_factory=list)


class _EpochSampler(DistributedSampler):
    """A DistributedSampler that advances its epoch (and so its shuffle) each time the loader is iterated."""

    def __iter__(self):
        it = super().__iter__()
        self.set_epoch(self.epoch + 1)
        return it


def train_operator(
    model: nn.Module,
    train: Dataset,
    settings: OperatorTraining,
    dims: int,
    periodic: bool,
    device: torch.device | str = "cpu",
    callbacks: Sequence[Callback] = (),
    distributed=None,
) -> OperatorResult:
    """Fit ``model`` on ``(x, y)`` pairs of ``train``; returns timing and the loss history.

    With a ``distributed`` context each rank reads its share of every epoch (``DistributedSampler``) with
    ``batch_size / world_size`` samples per step, so the global batch stays ``batch_size``; gradients are
    averaged over ranks (:mod:`sciml.distributed`).
    """
    ctx = distributed
    g = torch.Generator().manual_seed(settings.seed)
    if ctx is not None and ctx.enabled:
        if settings.batch_size % ctx.world_size:
            raise ValueError(
                f"operator.batch_size={settings.batch_size} must be a multiple of the world size "
                f"{ctx.world_size} (the global batch is split evenly over ranks)."
            )
        sampler = _EpochSampler(train, ctx.world_size, ctx.rank, shuffle=True, seed=settings.seed, drop_last=True)
        loader = DataLoader(
            train,
            batch_size=settings.batch_size // ctx.world_size,
            sampler=sampler,
            drop_last=True,
            num_workers=settings.workers,
            persistent_workers=settings.workers > 0,
        )
    else:
        loader = DataLoader(
            train,
            batch_size=settings.batch_size,
            shuffle=True,
            generator=g,
            drop_last=False,
            num_workers=settings.workers,
            persistent_workers=settings.workers > 0,
        )
    per_epoch = len(loader)
    if per_epoch == 0:
        raise ValueError("the training set is empty.")
    loss_of = LOSSES[settings.loss]
    device = torch.device(device)

    def loss_fn(batch):
        x, y = (t.to(device, non_blocking=True) for t in batch)
        pred = model(x)
        loss = loss_of(pred, y, dims, periodic)
        return loss, {settings.loss: loss}

    phase = Phase(
        "adam",
        steps=settings.epochs * per_epoch,
        lr=settings.lr,
        weight_decay=settings.weight_decay,
        scheduler="step",
        step_size=max(1, settings.decay_every_epochs * per_epoch),
        gamma=settings.gamma,
    )
    trainer = Trainer(loss_fn, model, [phase], callbacks, mode=settings.mode, data=loader, distributed=ctx)
    model.train()
    t0 = time.perf_counter()
    res = trainer.fit()
    secs = time.perf_counter() - t0
    model.eval()
    n = len(train) * (res.steps / per_epoch)
    return OperatorResult(res.steps, math.ceil(res.steps / per_epoch), secs, n / secs, res.history)


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, batch: int = 50, device: torch.device | str = "cpu") -> Tensor:
    """Batched inference; returns predictions on the CPU."""
    model.eval()
    return torch.cat([model(x[i : i + batch].to(device)).cpu() for i in range(0, x.shape[0], batch)])


@torch.no_grad()
def evaluate(
    model: nn.Module, x: Tensor, y: Tensor, batch: int = 50, device: torch.device | str = "cpu"
) -> dict[str, float]:
    """Relative L2 (mean over samples) and its spread on a test set."""
    pred = predict(model, x, batch, device)
    b = y.shape[0]
    per = torch.linalg.vector_norm((pred - y).reshape(b, -1), dim=1) / torch.linalg.vector_norm(y.reshape(b, -1), dim=1)
    return {
        "rel_l2": float(relative_lp(pred, y)),
        "rel_l2_median": float(per.median()),
        "rel_l2_max": float(per.max()),
        "samples": b,
    }
