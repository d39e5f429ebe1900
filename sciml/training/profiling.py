"""``sciml run profile=true``: where the step time goes, MindInsight's profiler role on ``torch.profiler``.

:class:`StepProfiler` skips the first ``wait`` steps (compilation, warm-up), records ``active`` steps, and writes
into its folder:

- ``trace.json``: the Chrome trace of those steps (open it in https://ui.perfetto.dev or chrome://tracing);
- ``tensorboard/``: the same trace for TensorBoard's profiler plug-in (``tensorboard --logdir <run>/profile``);
- ``table.txt``: the operators sorted by their own CPU time (and CUDA time on a GPU), the short answer.

The five most expensive operators also go to the log. Profiling slows the recorded steps; the run's other
steps and its results are unchanged.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import torch

from sciml.training.callbacks import Callback
from sciml.training.records import StepRecord, TrainerView, TrainResult

log = logging.getLogger("sciml.train")


class StepProfiler(Callback):
    """Profile ``active`` training steps after ``wait`` steps; write the trace and a table to ``folder``."""

    def __init__(self, folder: str | Path, wait: int = 5, active: int = 10):
        if wait < 0 or active < 1:
            raise ValueError(f"profile steps: need wait >= 0 and active >= 1, got wait={wait}, active={active}.")
        self.folder, self.wait, self.active = Path(folder), wait, active
        self._profiler = None
        self._seen = 0

    def on_train_begin(self, trainer: TrainerView) -> None:
        """Start the profiler (it records nothing until ``wait`` steps have passed)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        activities = [torch.profiler.ProfilerActivity.CPU]
        if torch.cuda.is_available():
            activities.append(torch.profiler.ProfilerActivity.CUDA)
        self._profiler = torch.profiler.profile(
            activities=activities,
            schedule=torch.profiler.schedule(wait=self.wait, warmup=1, active=self.active, repeat=1),
            on_trace_ready=self._write,
            record_shapes=True,
        )
        self._profiler.__enter__()

    def on_step_end(self, trainer: TrainerView, record: StepRecord) -> None:
        """Advance the profiler's schedule by one step."""
        if self._profiler is not None:
            self._profiler.step()
            self._seen += 1
            if self._seen >= self.wait + 1 + self.active:
                self._stop()

    def on_train_end(self, trainer: TrainerView, result: TrainResult) -> None:
        """Stop (and write, if the run ended inside the recorded window)."""
        self._stop()

    def on_train_error(self, trainer: TrainerView, error: BaseException) -> None:
        """Release the profiler without writing."""
        if self._profiler is not None:
            self._profiler.__exit__(None, None, None)
            self._profiler = None

    def _stop(self) -> None:
        if self._profiler is not None:
            self._profiler.__exit__(None, None, None)
            self._profiler = None

    def _write(self, prof) -> None:
        board = self.folder / "tensorboard"
        torch.profiler.tensorboard_trace_handler(str(board))(prof)  # a trace can be exported once: copy it
        written = max(board.glob("*.pt.trace.json"), key=lambda p: p.stat().st_mtime)
        shutil.copyfile(written, self.folder / "trace.json")
        sort = "self_cuda_time_total" if torch.cuda.is_available() else "self_cpu_time_total"
        table = prof.key_averages().table(sort_by=sort, row_limit=25)
        (self.folder / "table.txt").write_text(
            f"{self.active} training steps after {self.wait} skipped; sorted by {sort}\n\n{table}\n"
        )
        top = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)[:5]
        total = sum(e.self_cpu_time_total for e in prof.key_averages()) or 1
        log.info(
            "profile (%d steps): %s; trace and table in %s",
            self.active,
            ", ".join(f"{e.key} {100 * e.self_cpu_time_total / total:.0f}%" for e in top),
            self.folder,
        )
