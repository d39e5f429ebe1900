"""One CUDA graph for a whole Adam training step: loss, backward and the optimiser update.

A small PINN step on a GPU is launch-bound: the Burgers network of issue 21 (2→[20]×3→1, 2 780 points) runs a few
hundred kernels of a few microseconds each, and the CPU that launches them, not the GPU, sets the pace. Capturing
the step once and replaying it (``torch.cuda.CUDAGraph``, the "whole-network capture" of the PyTorch CUDA-graph
notes) launches everything with one call. The compiled loss of ``mode="graph"`` is captured as it is: its Triton
kernels and its AOTAutograd backward replay like eager kernels. On an H200 the Burgers step went from 5.9 ms eager
and 3.2 ms compiled to 0.32 ms captured (``benchmarks/results/pinn_step_gpu_h200.json``).

What a replay reads and writes must stay where it was at capture:

- inputs (collocation points, observations) are updated in place (``copy_``), never replaced; code that replaces
  them, or changes a Python number the loss reads (adaptive loss weights), must call
  :meth:`sciml.training.Trainer.release_step_graph` or train without graphs;
- the optimiser is ``capturable`` (its step counters live on the GPU) and its learning rate is a one-element
  tensor, so a scheduler's ``fill_`` reaches the replayed update;
- the gradients are allocated inside the capture and rewritten by every replay.

The rollback point of :class:`sciml.training.recovery.ParameterSnapshot` is kept inside the graph too. Each replay
first copies the parameters it starts from into ``before`` and the previous ``before`` into the snapshot, so after
a replay whose loss is NaN the snapshot holds the last parameters whose loss was finite, as in an eager step.

Paper: the mechanism is NVIDIA's CUDA graphs (CUDA programming guide, "CUDA Graphs"); the capture pattern follows
``torch.cuda.graph``'s documented whole-network example.
"""

from __future__ import annotations

import logging
from typing import Callable

import torch
from torch import Tensor

from sciml.training.recovery import ParameterSnapshot

log = logging.getLogger("sciml.train")
WARMUP_STEPS = 3  # eager steps on a side stream before capture (lazy library state, compilation)


def step_graph_unsupported(
    params: list[Tensor], optimizer_name: str, has_data: bool, distributed: bool, need_cuda: bool = True
) -> str:
    """Why a whole-step graph cannot be used here ("" when it can); ``need_cuda=False`` for the CPU emulation."""
    on_cuda = torch.cuda.is_available() and params and params[0].device.type == "cuda"
    if need_cuda and not on_cuda:
        return "the parameters are not on a CUDA device"
    if optimizer_name not in ("adam", "adamw"):
        return f"{optimizer_name} needs a closure with host-side decisions (a line search)"
    if has_data:
        return "mini-batches from a data loader arrive as new tensors each step"
    if distributed:
        return "gradients are averaged across ranks outside the step"
    return ""


def tensor_learning_rates(optimizer: torch.optim.Optimizer) -> None:
    """Turn each group's learning rate into a one-element tensor on its parameters' device (in place)."""
    for group in optimizer.param_groups:
        if not isinstance(group["lr"], Tensor):
            device = group["params"][0].device
            group["lr"] = torch.tensor(float(group["lr"]), dtype=torch.float32, device=device)


def float_learning_rates(state: dict) -> dict:
    """A copy of an optimiser or scheduler ``state_dict`` with tensor learning rates as floats (for checkpoints)."""
    out = dict(state)
    if "param_groups" in out:
        out["param_groups"] = [
            {k: (float(v) if isinstance(v, Tensor) and k in ("lr", "initial_lr") else v) for k, v in g.items()}
            for g in out["param_groups"]
        ]
    for key in ("base_lrs", "_last_lr"):
        if isinstance(out.get(key), list):
            out[key] = [float(v) if isinstance(v, Tensor) else v for v in out[key]]
    return out


class WholeStepGraph:
    """Capture ``loss_fn() → backward → optimizer.step()`` once, then run it with :meth:`replay`.

    ``loss_fn() -> (loss, {name: term})``; ``params``: the trained tensors (those ``optimizer`` updates);
    ``snapshot``: the trainer's rollback point, refreshed by every replay as the module doc says.
    ``eager=True`` keeps the same bookkeeping but runs the body on each replay instead of a CUDA graph (CPU tests
    of the logic; no speed-up).
    """

    def __init__(
        self,
        loss_fn: Callable[[], tuple[Tensor, dict[str, Tensor]]],
        optimizer: torch.optim.Optimizer,
        params: list[Tensor],
        snapshot: ParameterSnapshot,
        *,
        eager: bool = False,
    ):
        self._loss_fn, self._optimizer, self._params, self._snapshot = loss_fn, optimizer, params, snapshot
        self._eager = eager
        self.before = [p.detach().clone() for p in params]
        with torch.no_grad():
            torch._foreach_copy_(self.before, snapshot.copy)  # the last parameters whose loss was checked finite
        self._graph = None
        self._outputs: tuple[Tensor, dict[str, Tensor]] | None = None
        if not eager:
            optimizer.zero_grad(set_to_none=True)  # gradients are then allocated inside the graph's memory pool
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                self._outputs = self._body()
            self._graph = graph

    def _body(self) -> tuple[Tensor, dict[str, Tensor]]:
        with torch.no_grad():
            torch._foreach_copy_(self._snapshot.copy, self.before)
            torch._foreach_copy_(self.before, [p.detach() for p in self._params])
        if self._eager:
            self._optimizer.zero_grad(set_to_none=True)
        loss, terms = self._loss_fn()
        loss.backward()
        self._optimizer.step()
        return loss, terms

    def replay(self) -> tuple[Tensor, dict[str, Tensor]]:
        """Run one step; returns fresh copies of the loss and terms (the graph's own outputs are overwritten)."""
        if self._graph is None:
            loss, terms = self._body()
        else:
            self._graph.replay()
            loss, terms = self._outputs  # type: ignore[misc]
        values = torch.stack([loss.detach(), *[t.detach() for t in terms.values()]])
        return values[0], dict(zip(terms.keys(), values[1:]))

    def keep_last_good(self) -> None:
        """Before the graph is dropped after a finite step: make the snapshot the parameters that step started
        from (checked finite), as an eager step would have left it."""
        with torch.no_grad():
            torch._foreach_copy_(self._snapshot.copy, self.before)


class StepGraphs:
    """A trainer's whole-step graphs: whether the current phase captures, its warm-up count and captured step.

    ``enabled``: the trainer's ``cuda_graphs``. :meth:`plan` at each phase start; :meth:`step` for each step
    (eager warm-up steps first, then capture, then replays); :meth:`release` when what the loss reads changes.
    ``emulate`` (tests) keeps the bookkeeping on CPU without CUDA.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.planned = False  # this phase's steps are to be captured
        self.graph: WholeStepGraph | None = None
        self.warmup = 0
        self.captures = 0  # how many times a step was captured (benchmarks report it)
        self.emulate = False

    def plan(self, params: list[Tensor], optimizer_name: str, has_data: bool, distributed: bool) -> str:
        """Decide for a new phase; returns why it will not capture ("" when it will, or when graphs are off)."""
        self.release()
        why = step_graph_unsupported(params, optimizer_name, has_data, distributed, need_cuda=not self.emulate)
        self.planned = self.enabled and not why
        return why if self.enabled else ""

    def step(self, plain_step, loss_fn, optimizer, params, snapshot) -> tuple[Tensor, dict[str, Tensor], bool]:
        """``(loss, terms, replayed)`` for one step: an eager warm-up step (``plain_step()``, on a side stream),
        or a replay of the captured step, capturing it first when the warm-up is done. A failed capture logs why
        and turns graphs off for the phase."""
        if self.graph is None:
            if self.warmup < WARMUP_STEPS or not snapshot.valid:
                self.warmup += 1
                return (*(plain_step() if self.emulate else side_stream_step(plain_step)), False)
            try:
                self.graph = WholeStepGraph(loss_fn, optimizer, params, snapshot, eager=self.emulate)
                self.captures += 1
                log.info("cuda_graphs: captured the whole step (capture %d of this run)", self.captures)
            except RuntimeError as err:  # a kernel or library that cannot be captured: go on without graphs
                self.planned = False
                log.warning("cuda_graphs: capture failed (%s); this phase runs without step graphs.", err)
                return (*plain_step(), False)
        return (*self.graph.replay(), True)

    def drop(self) -> None:
        """Forget the captured step after a non-finite replay (the snapshot already holds the last good state)."""
        self.graph, self.warmup = None, 0

    def release(self) -> None:
        """Forget the captured step after a finite one, making the snapshot the parameters it started from."""
        if self.graph is not None:
            self.graph.keep_last_good()
        self.drop()


def side_stream_step(step: Callable[[], tuple[Tensor, dict[str, Tensor]]]):
    """Run ``step()`` on a side CUDA stream (the warm-up that capture needs), then rejoin the current stream."""
    current = torch.cuda.current_stream()
    side = torch.cuda.Stream()
    side.wait_stream(current)
    with torch.cuda.stream(side):
        out = step()
    current.wait_stream(side)
    return out


__all__ = [
    "StepGraphs",
    "WARMUP_STEPS",
    "WholeStepGraph",
    "float_learning_rates",
    "side_stream_step",
    "step_graph_unsupported",
    "tensor_learning_rates",
]
