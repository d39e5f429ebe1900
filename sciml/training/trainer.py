"""The training engine (MindSpore's ``Model.train`` in spirit).

``Trainer(loss_fn, model, phases, callbacks, mode).fit()`` runs each optimiser phase in turn.
``loss_fn()`` returns ``(total_loss, {term_name: loss_term})``. With ``data`` (an iterable of
mini-batches, e.g. a DataLoader) each step calls ``loss_fn(batch)`` on the next batch, and the
loader is iterated afresh (reshuffled) each epoch; an L-BFGS step uses one batch for its whole
line search. In ``mode="graph"`` the loss is compiled with ``torch.compile`` (forward, residual
and loss in one graph; backward through AOTAutograd). Every step's loss is checked before the
update is applied. A NaN or Inf (a line-search trial point included) rolls the parameters back to
the last good step and goes on, as :mod:`sciml.training.recovery` describes; with recovery off, or
when no step was ever good, it raises :class:`NonFiniteLossError` naming the step and the last good
checkpoint. ``save_checkpoint``/``resume`` make training restartable bit-for-bit on CPU.

``cuda_graphs=True`` runs each Adam/AdamW phase on a CUDA device as one captured graph per step (loss, backward
and update; see :mod:`sciml.training.step_graph`) after a few eager warm-up steps. It applies only where a graph
can replay the step faithfully (CUDA parameters, full batch, one process) and falls back to ordinary steps, with
a log line saying why, anywhere else or if capture fails.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import torch
from torch import Tensor, nn

from sciml.checkpoint.store import load_train_state, load_weights, save_checkpoint
from sciml.runtime.mode import compile_if_graph
from sciml.training.callbacks import Callback
from sciml.training.lbfgs import LBFGS
from sciml.training.optimizers import Phase, make_optimizer, make_scheduler
from sciml.training.records import StepRecord, TrainResult
from sciml.training.recovery import LBFGSStallWatch, NonFiniteTrial, ParameterSnapshot, RecoveryPolicy
from sciml.training.step_graph import StepGraphs, float_learning_rates, tensor_learning_rates
from sciml.training.train_state import check_train_state

log = logging.getLogger("sciml.train")
LossFn = Callable[..., "tuple[Tensor, dict[str, Tensor]]"]


class TrainingInterrupted(KeyboardInterrupt):
    """SIGINT/SIGTERM during :meth:`Trainer.fit`: ``step`` completed steps, ``checkpoint`` the last one written."""

    def __init__(self, signal_name: str, step: int, checkpoint: str | None):
        super().__init__(signal_name)
        self.signal_name, self.step, self.checkpoint = signal_name, step, checkpoint


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or Inf and could not be recovered; training stopped before applying the update."""


class Trainer:
    """Run ``phases`` of optimisation on ``model``'s parameters to minimise ``loss_fn()``."""

    def __init__(
        self,
        loss_fn: LossFn,
        model: nn.Module,
        phases: Sequence[Phase],
        callbacks: Sequence[Callback] = (),
        mode: str = "pynative",
        record_terms_every: int = 1,
        data: Iterable[Any] | None = None,
        distributed=None,
        recovery: RecoveryPolicy | None = None,
        cuda_graphs: bool = False,
    ):
        if not phases:
            raise ValueError("Trainer needs at least one Phase (e.g. Phase('adam', steps=1000)).")
        self.model = model
        self.phases = list(phases)
        self.callbacks = list(callbacks)
        self.mode = mode
        device = next(iter(model.parameters()), torch.empty(0)).device
        self._loss = compile_if_graph(loss_fn, mode, device=device)
        self.data = data
        from sciml.distributed import SINGLE

        self.dist = distributed or SINGLE  # gradients and reported losses are averaged over ranks
        self.epoch = 0
        self._batches: Iterator[Any] | None = None
        self.total_steps = sum(p.steps for p in self.phases)
        self.step = 0
        self.history: list[float] = []
        self.term_history: dict[str, list[float]] = {}
        self.record_terms_every = max(1, record_terms_every)
        self.last_checkpoint: Path | None = None
        self._stop: str | None = None
        self._phase_index = -1
        self._opt: torch.optim.Optimizer | None = None
        self._sched = None
        self._pending_opt_state: dict | None = None
        self._pending_sched_state: dict | None = None
        self.recovery = recovery or RecoveryPolicy()
        self._snapshot = ParameterSnapshot(self._params())
        self._consecutive_failures = 0
        self._total_failures = 0
        self._stall = LBFGSStallWatch()
        self._accepted_point: tuple[Tensor, dict[str, Tensor]] | None = None  # L-BFGS: loss, terms there
        self.recoveries: list[str] = []
        self._graphs = StepGraphs(cuda_graphs)

    # -- control ----------------------------------------------------------
    def request_stop(self, reason: str) -> None:
        """Stop after the current step, giving ``reason`` in the result."""
        self._stop = reason

    def phase_index_at(self, step: int) -> int:
        """Index of the phase that runs global step ``step + 1``."""
        acc = 0
        for i, p in enumerate(self.phases):
            acc += p.steps
            if step < acc:
                return i
        return len(self.phases) - 1

    def _enter_phase(self, index: int) -> None:
        phase = self.phases[index]
        self._phase_index = index
        self._stall = LBFGSStallWatch()
        why = self._graphs.plan(self._params(), phase.optimizer, self.data is not None, self.dist.enabled)
        if why:
            log.info("cuda_graphs: phase %d runs without step graphs: %s", index, why)
        graphs = self._graphs.planned
        self._opt = make_optimizer(phase, self._params(), capturable=graphs and not self._graphs.emulate)
        if graphs:
            tensor_learning_rates(self._opt)
        self._sched = make_scheduler(phase, self._opt)
        if self._pending_opt_state is not None:
            self._opt.load_state_dict(self._pending_opt_state)
            if self._sched is not None and self._pending_sched_state is not None:
                self._sched.load_state_dict(self._pending_sched_state)
            self._pending_opt_state = self._pending_sched_state = None
            if graphs:
                tensor_learning_rates(self._opt)
        log.info("phase %d: %s for %d steps (lr=%g)", index, phase.optimizer, phase.steps, phase.lr)

    # -- one step ---------------------------------------------------------
    @property
    def current_phase(self) -> Phase | None:
        """The phase the next step belongs to (``None`` once training is complete)."""
        return self.phases[self.phase_index_at(self.step)] if self.step < self.total_steps else None

    def reset_optimizer_memory(self, reason: str) -> None:
        """Forget the current optimiser's state (L-BFGS curvature pairs, Adam moments), keeping the learning rate.

        Call it when the objective changes under the optimiser (new collocation points, new loss weights): an L-BFGS
        memory built on the old objective can point far off on the new one.
        """
        if self._opt is None:
            return
        lrs = [g["lr"] for g in self._opt.param_groups]
        self._graphs.release()
        self._opt.state.clear()
        self._accepted_point = None
        if isinstance(self._opt, LBFGS):  # state on the first parameter and a kept point: rebuild cleanly
            self._opt = make_optimizer(self.phases[self._phase_index], self._params())
            for g, lr in zip(self._opt.param_groups, lrs):
                g["lr"] = lr
        log.debug("optimiser memory reset at step %d: %s", self.step, reason)

    def _fail(self, value: float, phase: Phase) -> NonFiniteLossError:
        where = (
            f" The last good checkpoint is {self.last_checkpoint}."
            if self.last_checkpoint
            else " No checkpoint was saved yet."
        )
        return NonFiniteLossError(
            f"Loss became {value} at step {self.step + 1} ({phase.optimizer}, lr={phase.lr:g}); "
            f"the update was not applied.{where} Lower the learning rate, check the inputs and "
            "the PDE coefficients, or use dtype=float64."
        )

    def _first_loss_ok(self, g_loss: Tensor, phase: Phase) -> None:
        """Check the loss at the current parameters; if finite they become the rollback point."""
        if not bool(torch.isfinite(g_loss)):
            if not self.recovery.enabled or not self._snapshot.valid:
                raise self._fail(g_loss.item(), phase)
            raise NonFiniteTrial(g_loss.item(), first=True)
        self._snapshot.save()

    def _next_batch(self) -> tuple[Any, ...]:
        """``()`` for full-batch problems; else the next mini-batch (a new epoch reshuffles the loader)."""
        if self.data is None:
            return ()
        for _ in range(2):
            if self._batches is None:
                self._batches = iter(self.data)
            try:
                return (next(self._batches),)
            except StopIteration:
                self._batches = None
                self.epoch += 1
        raise ValueError(
            "the training data yielded no batches (is the dataset empty, or batch_size > its size "
            "with drop_last=True?)."
        )

    def _params(self):
        return [p for p in self.model.parameters() if p.requires_grad]

    def _global(self, loss: Tensor, terms: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        """Loss and terms averaged over ranks (the same numbers on every rank; identity in one process)."""
        if not self.dist.enabled:
            return loss.detach(), {k: v.detach() for k, v in terms.items()}
        from sciml.distributed import mean_over_ranks

        v = mean_over_ranks(torch.stack([loss.detach(), *[t.detach() for t in terms.values()]]), self.dist)
        return v[0], dict(zip(terms.keys(), v[1:]))

    def _backward(self, loss: Tensor) -> None:
        loss.backward()
        if self.dist.enabled:
            from sciml.distributed import average_gradients

            average_gradients(self._params(), self.dist)

    def _run_step(self, phase: Phase) -> tuple[Tensor, dict[str, Tensor]]:
        batch = self._next_batch()
        if phase.optimizer == "lbfgs":
            return self._quasi_newton_step(phase, batch)
        if self._graphs.planned:
            return self._graph_step(phase)
        return self._plain_step(phase, batch)

    def _quasi_newton_step(self, phase: Phase, batch: tuple[Any, ...]) -> tuple[Tensor, dict[str, Tensor]]:
        """One L-BFGS iteration; returns the loss and terms at the point it started from.

        :class:`~sciml.training.lbfgs.LBFGS` starts from the point its last line search accepted, without
        evaluating it again; the terms recorded for that evaluation are the step's.
        """
        opt = self._opt
        if self.data is not None:
            opt.drop_kept_point()  # each step sees a new mini-batch: the kept loss and gradient are another's
        reuse = opt.has_cached_start() and self._accepted_point is not None
        evaluations: list[tuple[Tensor, dict[str, Tensor]]] = []
        if reuse:
            self._snapshot.save()  # the parameters are those of a finite, already checked evaluation

        def closure():
            opt.zero_grad(set_to_none=True)
            loss, terms = self._loss(*batch)
            g_loss, g_terms = self._global(loss, terms)
            if not evaluations and not reuse:
                self._first_loss_ok(g_loss, phase)
            elif not bool(torch.isfinite(g_loss)):
                if not self.recovery.enabled:
                    raise self._fail(g_loss.item(), phase)
                raise NonFiniteTrial(g_loss.item(), first=False)  # abort the line search; the trainer rolls back
            evaluations.append((g_loss, g_terms))
            self._backward(loss)
            return g_loss  # every rank sees the full-batch loss and gradient: identical line searches

        start = self._accepted_point if reuse else None
        self._accepted_point = None  # until this step has finished
        opt.step(closure)
        start = start or evaluations[0]
        index = opt.accepted_evaluation
        self._accepted_point = start if index is None else evaluations[index]
        return start

    def _plain_step(self, phase: Phase, batch: tuple[Any, ...] = ()) -> tuple[Tensor, dict[str, Tensor]]:
        opt = self._opt
        opt.zero_grad(set_to_none=True)
        loss, terms = self._loss(*batch)
        g_loss, g_terms = self._global(loss, terms)
        self._first_loss_ok(g_loss, phase)
        self._backward(loss)
        opt.step()
        return g_loss, g_terms

    # -- whole-step CUDA graphs -------------------------------------------
    def _graph_step(self, phase: Phase) -> tuple[Tensor, dict[str, Tensor]]:
        loss, terms, replayed = self._graphs.step(
            lambda: self._plain_step(phase), self._loss, self._opt, self._params(), self._snapshot
        )
        if replayed and not bool(torch.isfinite(loss)):
            # the update already ran; the snapshot holds the last parameters with a finite loss (see step_graph)
            self._graphs.drop()
            if not self.recovery.enabled:
                self._snapshot.restore()
                raise self._fail(loss.item(), phase)
            raise NonFiniteTrial(loss.item(), first=True)
        return loss, terms

    @property
    def graph_captures(self) -> int:
        """How many times a whole step was captured as a CUDA graph in this run."""
        return self._graphs.captures

    def release_step_graph(self) -> None:
        """Drop the captured step (it is captured afresh after a few warm-up steps). Call it after replacing a
        tensor the loss reads, or changing a number it reads, so the next steps see the change."""
        self._graphs.release()

    def _recover(self, phase: Phase, fault: NonFiniteTrial) -> None:
        """Roll back to the last good parameters after ``fault``; end the phase when failures persist."""
        self._snapshot.restore()
        self._graphs.release()
        self._consecutive_failures += 1
        self._total_failures += 1
        where = "the step's loss" if fault.first else "a line-search trial point"
        if phase.optimizer == "lbfgs":
            self.reset_optimizer_memory("non-finite loss")
            action = "restored the last good parameters and reset the L-BFGS memory"
        else:
            self._opt.state.clear()
            for g in self._opt.param_groups:
                g["lr"] *= self.recovery.lr_factor
            if self._sched is not None and hasattr(self._sched, "base_lrs"):
                self._sched.base_lrs = [lr * self.recovery.lr_factor for lr in self._sched.base_lrs]
            action = (
                f"restored the last good parameters, cleared the moments and scaled the learning rate by "
                f"{self.recovery.lr_factor:g} (now {self._opt.param_groups[0]['lr']:.3g})"
            )
        text = f"step {self.step + 1} ({phase.optimizer}): {where} was {fault.value}; {action}"
        exhausted = (
            self._consecutive_failures >= self.recovery.max_consecutive
            or self._total_failures > self.recovery.max_total
        )
        if exhausted:
            text += (
                f". {self._consecutive_failures} failure(s) in a row ({self._total_failures} in this run): the "
                f"{phase.optimizer} phase ends early at step {self.step}, keeping the last good parameters"
            )
            self._end_phase()
            self._consecutive_failures = 0
        self.recoveries.append(text)
        log.warning("non-finite loss recovered: %s.", text)

    def _advance(self) -> tuple[Phase, float, Tensor, dict[str, Tensor]] | None:
        """One optimisation step of the current phase; ``None`` when it hit a non-finite loss and rolled back."""
        idx = self.phase_index_at(self.step)
        if idx != self._phase_index:
            self._enter_phase(idx)
        phase = self.phases[idx]
        lr = float(self._opt.param_groups[0]["lr"])  # a tensor under cuda_graphs; the scheduler changes it in place
        try:
            loss, terms = self._run_step(phase)
        except NonFiniteTrial as fault:
            self._recover(phase, fault)
            return None
        self._consecutive_failures = 0
        if self._sched is not None:
            self._sched.step()
        self.step += 1
        if phase.optimizer == "lbfgs":
            self._watch_stall(phase, float(loss))
        return phase, lr, loss, terms

    def _end_phase(self) -> int:
        """Skip to the end of the current phase (the next step starts the next phase); returns that step."""
        end = sum(p.steps for p in self.phases[: self._phase_index + 1])
        self.step = end
        return end

    def _watch_stall(self, phase: Phase, loss: float) -> None:
        """Reset a stalled L-BFGS once, then end its phase (see :class:`LBFGSStallWatch`)."""
        action = self._stall.update(loss)
        if action is None:
            return
        n, step = self._stall.patience, self.step
        iterations = f"{n} iteration{'s' if n > 1 else ''}"
        if action == "reset":
            self.reset_optimizer_memory("stalled")
            text = (
                f"step {step} (lbfgs): loss {loss:.6e} unchanged for {iterations} (no decrease found along the "
                "L-BFGS direction); reset the L-BFGS memory"
            )
        else:
            end = self._end_phase()
            text = (
                f"step {step} (lbfgs): loss {loss:.6e} unchanged for {iterations} more after a memory reset "
                f"(no decrease along −gradient either); the phase ends early (it was to run to step {end}), "
                "keeping these parameters"
            )
        self.recoveries.append(text)
        log.warning("stalled L-BFGS: %s.", text)

    def train_step(self) -> Tensor | None:
        """Run one optimisation step of the current phase (no callbacks); returns the detached loss.

        ``None`` when the step hit a non-finite loss and was rolled back. Used by benchmarks and custom loops;
        :meth:`fit` is the usual entry point.
        """
        done = self._advance()
        return None if done is None else done[2]

    # -- loop -------------------------------------------------------------
    def fit(self) -> TrainResult:
        """Train from the current step to the end of the last phase (or until stopped)."""
        start = time.perf_counter()
        for cb in self.callbacks:
            cb.on_train_begin(self)
        try:
            while self.step < self.total_steps and self._stop is None:
                done = self._advance()
                if done is None:
                    continue
                phase, lr, loss, terms = done
                vals = torch.stack([loss, *terms.values()]).tolist() if terms else [loss.item()]
                self.history.append(vals[0])
                named = dict(zip(terms.keys(), vals[1:]))
                if self.step % self.record_terms_every == 0:
                    for k, v in named.items():
                        self.term_history.setdefault(k, []).append(v)
                rec = StepRecord(self.step, phase.optimizer, float(lr), vals[0], named, time.perf_counter() - start)
                for cb in self.callbacks:
                    cb.on_step_end(self, rec)
        except BaseException as err:
            for cb in self.callbacks:
                cb.on_train_error(self, err)
            if isinstance(err, KeyboardInterrupt) and not isinstance(err, TrainingInterrupted):
                name = getattr(err, "signal_name", "SIGINT")
                raise TrainingInterrupted(
                    name, self.step, str(self.last_checkpoint) if self.last_checkpoint else None
                ) from err
            raise
        result = TrainResult(
            self.step,
            list(self.history),
            time.perf_counter() - start,
            self._stop,
            {k: list(v) for k, v in self.term_history.items()},
            list(self.recoveries),
        )
        for cb in self.callbacks:
            cb.on_train_end(self, result)
        return result

    # -- state ------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything besides the weights needed to continue exactly: optimiser, scheduler, RNG, history."""
        return {
            "step": self.step,
            "phase_index": self._phase_index,
            "optimizer": float_learning_rates(self._opt.state_dict()) if self._opt is not None else None,
            "scheduler": float_learning_rates(self._sched.state_dict()) if self._sched is not None else None,
            "torch_rng": torch.get_rng_state(),
            "history": torch.tensor(self.history, dtype=torch.float64),
            "term_history": {k: torch.tensor(v, dtype=torch.float64) for k, v in self.term_history.items()},
        }

    def save_checkpoint(self, path: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write weights, metadata and the training state to ``path`` (atomic; see :mod:`sciml.checkpoint`)."""
        meta = {**(metadata or {}), "step": self.step, "loss": self.history[-1] if self.history else None}
        if meta["loss"] is not None and not math.isfinite(meta["loss"]):
            meta["loss"] = None
        return save_checkpoint(path, self.model, metadata=meta, train_state=self.state_dict())

    def resume(self, path: str | Path) -> None:
        """Load weights and training state from a checkpoint written by :meth:`save_checkpoint`.

        Every loaded scalar is range-checked (a tampered or foreign ``train_state`` is refused, naming the field).
        """
        load_weights(path, self.model)
        st = load_train_state(path)
        if st is None:
            raise ValueError(f"Checkpoint {path} holds weights only (no training state); it cannot be resumed.")
        check_train_state(st, path, len(self.phases))
        self.step = int(st["step"])
        if self.step >= self.total_steps:
            where = "the end" if self.step == self.total_steps else "beyond the end"
            raise ValueError(
                f"Checkpoint {path} is at step {self.step}, {where} of this run's {self.total_steps} "
                "steps: nothing is left to train. Raise the step counts (e.g. optimizer.steps or "
                "optimizer.lbfgs_steps) to continue it."
            )
        self.history = [float(v) for v in st["history"].tolist()]
        self.term_history = {k: [float(x) for x in v.tolist()] for k, v in st["term_history"].items()}
        torch.set_rng_state(st["torch_rng"])
        saved_phase = int(st["phase_index"])
        if saved_phase >= 0 and saved_phase == self.phase_index_at(self.step) and st["optimizer"] is not None:
            self._pending_opt_state = st["optimizer"]
            self._pending_sched_state = st["scheduler"]
        self._phase_index = -1
        self.last_checkpoint = Path(path)
