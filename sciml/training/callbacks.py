"""Training callbacks: checkpoints, loss monitor, progress bar, metrics files, TensorBoard,
early stopping. Each gets ``on_train_begin(trainer)``, ``on_step_end(trainer, record)``,
``on_train_end(trainer, result)`` and, if training raises, ``on_train_error(trainer, error)``.
A callback stops training by ``trainer.request_stop(reason)``.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sciml.checkpoint.store import list_checkpoints
from sciml.training.records import StepRecord, TrainerView, TrainResult

log = logging.getLogger("sciml.train")


class Callback:
    """Base class: override any of the hooks; the default hooks do nothing."""

    def on_train_begin(self, trainer: TrainerView) -> None:
        """Called once before the first step."""

    def on_step_end(self, trainer: TrainerView, record: StepRecord) -> None:
        """Called after every completed step with its :class:`~sciml.training.StepRecord`."""

    def on_train_end(self, trainer: TrainerView, result: TrainResult) -> None:
        """Called once after the last step with the :class:`~sciml.training.TrainResult`."""

    def on_train_error(self, trainer: TrainerView, error: BaseException) -> None:
        """Called when training raises (e.g. a NaN loss); release resources, save nothing new."""


@dataclass(frozen=True)
class CheckpointConfig:
    """When and where to save (MindSpore's ``CheckpointConfig``)."""

    save_checkpoint_steps: int = 1000
    keep_checkpoint_max: int = 3
    prefix: str = "ckpt"
    directory: str = "checkpoints"

    def __post_init__(self):
        if self.save_checkpoint_steps < 1:
            raise ValueError(f"save_checkpoint_steps must be >= 1, got {self.save_checkpoint_steps}.")
        if self.keep_checkpoint_max < 1:
            raise ValueError(f"keep_checkpoint_max must be >= 1, got {self.keep_checkpoint_max}.")


class ModelCheckpoint(Callback):
    """Save every ``save_checkpoint_steps`` steps and at the end; keep the newest ``keep_checkpoint_max``."""

    def __init__(self, config: CheckpointConfig, metadata: dict[str, Any] | None = None):
        self.config = config
        self.metadata = metadata or {}
        self.last_path: Path | None = None

    def _save(self, trainer: TrainerView, step: int) -> None:
        path = Path(self.config.directory) / f"{self.config.prefix}-{step:08d}"
        self.last_path = trainer.save_checkpoint(path, metadata=self.metadata)
        trainer.last_checkpoint = self.last_path
        ckpts = list_checkpoints(self.config.directory, self.config.prefix)
        for old in ckpts[: max(0, len(ckpts) - self.config.keep_checkpoint_max)]:
            shutil.rmtree(old, ignore_errors=True)

    def on_step_end(self, trainer, record):
        """Save every ``save_checkpoint_steps`` steps."""
        if record.step % self.config.save_checkpoint_steps == 0:
            self._save(trainer, record.step)

    def on_train_end(self, trainer, result):
        """Save the final step unless it was just saved."""
        if result.steps and (self.last_path is None or not self.last_path.name.endswith(f"{result.steps:08d}")):
            self._save(trainer, result.steps)


class LossMonitor(Callback):
    """Log loss and its terms every ``every`` steps through ``logging``."""

    def __init__(self, every: int = 1000):
        self.every = max(1, every)

    def on_step_end(self, trainer, record):
        """Log the loss and its terms every ``every`` steps."""
        if record.step % self.every == 0:
            terms = " ".join(f"{k}={v:.3e}" for k, v in record.terms.items())
            log.info("step %d [%s] loss=%.4e %s", record.step, record.phase, record.loss, terms)


class ProgressBar(Callback):
    """A tqdm bar over all phases showing loss and steps per second."""

    def __init__(self, refresh_every: int = 50, disable: bool | None = None):
        self.refresh_every, self.disable, self.bar = max(1, refresh_every), disable, None

    def on_train_begin(self, trainer):
        """Open the bar at the current step."""
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=trainer.total_steps,
            initial=trainer.step,
            desc="train",
            unit="step",
            disable=self.disable,
            dynamic_ncols=True,
        )

    def on_step_end(self, trainer, record):
        """Advance the bar and show the loss and phase."""
        if self.bar is not None and record.step % self.refresh_every == 0:
            self.bar.set_postfix(loss=f"{record.loss:.3e}", phase=record.phase, refresh=False)
            self.bar.update(record.step - self.bar.n)

    def on_train_end(self, trainer, result):
        """Complete and close the bar."""
        if self.bar is not None:
            self.bar.update(trainer.step - self.bar.n)
            self.bar.close()

    def on_train_error(self, trainer, error):
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()


class MetricsLogger(Callback):
    """Append per-step rows (step, phase, lr, loss, terms, seconds) to JSONL and/or CSV files."""

    def __init__(self, jsonl: str | None = None, csv_path: str | None = None, every: int = 10):
        self.jsonl, self.csv_path, self.every = jsonl, csv_path, max(1, every)
        self._csv_fields: list[str] | None = None

    def on_step_end(self, trainer, record):
        """Append a row every ``every`` steps."""
        if record.step % self.every:
            return
        row = {
            "step": record.step,
            "phase": record.phase,
            "lr": record.lr,
            "loss": record.loss,
            **{f"loss_{k}": v for k, v in record.terms.items()},
            "seconds": record.seconds,
        }
        if self.jsonl:
            Path(self.jsonl).parent.mkdir(parents=True, exist_ok=True)
            with open(self.jsonl, "a") as fh:
                fh.write(json.dumps(row) + "\n")
        if self.csv_path:
            new = not Path(self.csv_path).exists()
            if self._csv_fields is None:
                self._csv_fields = list(row)
            with open(self.csv_path, "a", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=self._csv_fields, extrasaction="ignore")
                if new:
                    w.writeheader()
                w.writerow(row)


class TensorBoardLogger(Callback):
    """Write ``loss``, each loss term and the learning rate as TensorBoard scalars.

    The event writer opens at the first write, not when training begins: importing TensorBoard takes a few
    tenths of a second that would otherwise delay the first training step.
    """

    def __init__(self, log_dir: str, every: int = 10):
        self.log_dir, self.every, self.writer = log_dir, max(1, every), None

    def _open(self):
        if self.writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(self.log_dir)
        return self.writer

    def on_step_end(self, trainer, record):
        """Write the loss, its terms and the learning rate every ``every`` steps."""
        if record.step % self.every:
            return
        writer = self._open()
        writer.add_scalar("loss/total", record.loss, record.step)
        for k, v in record.terms.items():
            writer.add_scalar(f"loss/{k}", v, record.step)
        writer.add_scalar("lr", record.lr, record.step)

    def on_train_end(self, trainer, result):
        """Flush and close the event writer (opened here if no step was written, so the folder always exists)."""
        writer = self._open()
        writer.flush()
        writer.close()

    on_train_error = on_train_end


class EarlyStopping(Callback):
    """Stop when the loss has not improved by ``min_delta`` (relative) for ``patience`` steps."""

    def __init__(self, patience: int = 1000, min_delta: float = 0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_step = math.inf, 0

    def on_step_end(self, trainer, record):
        """Track the best loss; request a stop after ``patience`` steps without improvement."""
        if record.loss < self.best * (1 - self.min_delta):
            self.best, self.best_step = record.loss, record.step
        elif record.step - self.best_step >= self.patience:
            trainer.request_stop(f"early stopping: no improvement for {self.patience} steps (best {self.best:.4e})")
