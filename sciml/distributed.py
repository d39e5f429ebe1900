"""Data-parallel training on ``torch.distributed``: rank detection, process groups, gradient averaging.

Launch with ``torchrun --nproc_per_node=N -m sciml.cli.main run ...`` (or under SLURM's ``srun``); the
rank and world size come from the environment (``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` from torchrun,
``SLURM_PROCID``/``SLURM_NTASKS``/``SLURM_LOCALID`` from SLURM). Backends: ``gloo`` on CPU, ``nccl`` on
CUDA, ``hccl`` on Ascend (torch_npu).

How training is made parallel: every rank builds the same model (same seed), holds its shard of the
collocation points or of the dataset, computes its local loss, and after ``backward`` the gradients
are averaged over ranks with ``all_reduce`` — exactly what ``DistributedDataParallel`` does. We do
the averaging ourselves rather than wrap the model in DDP because PINN residuals differentiate the
network with ``torch.autograd.grad`` inside the loss, which DDP's reducer does not support. With equal
shards the averaged gradient equals the full-batch gradient, so Adam (and every optimiser) follows
the single-process trajectory up to floating-point summation order (tested). L-BFGS is correct too:
its closure averages both the loss and the gradient, so every rank sees the same full-batch values
and takes the same line-search steps.

Collectives run with a timeout (``SCIML_DIST_TIMEOUT`` seconds, default 120): if a rank dies, the
others fail with :class:`DistributedError` instead of hanging.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import Tensor


class DistributedError(RuntimeError):
    """A collective failed (a peer died or timed out); the message says which rank saw it."""


@dataclass(frozen=True)
class DistributedContext:
    """This process's place in a data-parallel run: rank, world size, local rank and backend."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str = ""

    @property
    def enabled(self) -> bool:
        """Whether there is more than one rank."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this is rank 0 (the one that writes files)."""
        return self.rank == 0


SINGLE = DistributedContext()


def detect_environment() -> DistributedContext:
    """Rank, world size and local rank from torchrun's or SLURM's variables (single process otherwise)."""
    env = os.environ
    if "WORLD_SIZE" in env and "RANK" in env:
        return DistributedContext(int(env["RANK"]), int(env["WORLD_SIZE"]), int(env.get("LOCAL_RANK", 0)))
    if "SLURM_NTASKS" in env and "SLURM_PROCID" in env and int(env["SLURM_NTASKS"]) > 1:
        return DistributedContext(int(env["SLURM_PROCID"]), int(env["SLURM_NTASKS"]), int(env.get("SLURM_LOCALID", 0)))
    return SINGLE


def default_backend(device: str) -> str:
    """``nccl`` for CUDA, ``hccl`` for Ascend, ``gloo`` otherwise."""
    if device.startswith("cuda"):
        return "nccl"
    if device.startswith("npu"):
        return "hccl"
    return "gloo"


def initialize(
    device: str = "cpu",
    backend: str | None = None,
    timeout_s: float | None = None,
    context: DistributedContext | None = None,
    init_method: str | None = None,
) -> DistributedContext:
    """Join the process group (idempotent). Needs ``MASTER_ADDR``/``MASTER_PORT`` or ``init_method``."""
    ctx = context or detect_environment()
    if not ctx.enabled:
        return ctx
    backend = backend or default_backend(device)
    if not dist.is_initialized():
        timeout = datetime.timedelta(seconds=float(timeout_s or os.environ.get("SCIML_DIST_TIMEOUT", 120)))
        if init_method is None and "MASTER_ADDR" not in os.environ:
            if "SLURM_NTASKS" in os.environ:
                raise DistributedError(
                    "SLURM launch without MASTER_ADDR/MASTER_PORT: export them in the batch script "
                    "(e.g. the first host of $SLURM_JOB_NODELIST and a free port)."
                )
            raise DistributedError("WORLD_SIZE > 1 but MASTER_ADDR is not set; launch with torchrun.")
        dist.init_process_group(
            backend, rank=ctx.rank, world_size=ctx.world_size, timeout=timeout, init_method=init_method
        )
    return DistributedContext(ctx.rank, ctx.world_size, ctx.local_rank, backend)


def from_config(cfg) -> DistributedContext:
    """The context for an experiment config: joins the process group under torchrun/SLURM; single process
    otherwise (``distributed=true`` without a launcher logs a warning and runs one process)."""
    import logging

    from sciml.runtime import resolve_device

    ctx = detect_environment()
    dev = cfg.get("device", "auto")
    dev = getattr(dev, "value", dev)
    if not ctx.enabled:
        if bool(cfg.get("distributed", False)):
            logging.getLogger("sciml.run").warning(
                "distributed=true but WORLD_SIZE is 1 (not launched by torchrun or srun): running one process. "
                "Launch with: torchrun --nproc_per_node=N -m sciml.cli.main run ..."
            )
        return ctx
    device = str(resolve_device(str(dev)))
    if device.startswith("cuda"):
        torch.cuda.set_device(ctx.local_rank)
    return initialize(device)


_BROKEN = False  # set when a collective failed: the group is unusable, and tearing it down can abort in gloo


def shutdown(sync: bool = True) -> None:
    """Leave the process group; by default after a barrier, so no rank tears down while another still talks.

    After a failed collective (a peer died) the group is left alone: gloo's teardown with a dead peer can end the
    process with SIGABRT before its own exit code and message get out."""
    if dist.is_initialized() and not _BROKEN:
        if sync:
            try:
                dist.barrier()
            except Exception:  # a peer is already gone; nothing left to wait for
                pass
        dist.destroy_process_group()


def failed() -> bool:
    """Whether a collective failed in this process (the process group is then unusable)."""
    return _BROKEN


def exit_process(code: int) -> None:
    """End the process with ``code``. After a failed collective (see :class:`DistributedError`) this skips
    interpreter teardown (``os._exit`` after flushing the streams and log handlers): tearing down a gloo group whose
    peer died can end the process with SIGABRT, which would replace ``code``. Otherwise it is ``sys.exit(code)``."""
    import logging
    import sys

    if not _BROKEN:
        sys.exit(code)
    for h in logging.getLogger().handlers:
        h.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _collective(fn, what: str, ctx: DistributedContext):
    try:
        return fn()
    except Exception as err:  # gloo raises RuntimeError for dead peers and timeouts
        global _BROKEN
        _BROKEN = True
        raise DistributedError(
            f"rank {ctx.rank}/{ctx.world_size}: {what} failed — another rank probably crashed or "
            f"timed out (see its log). Underlying error: {err}"
        ) from err


def average_gradients(params, ctx: DistributedContext) -> None:
    """Replace each parameter's gradient by its mean over ranks (one flattened all-reduce)."""
    if not ctx.enabled:
        return
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    _collective(lambda: dist.all_reduce(flat), "gradient all-reduce", ctx)
    flat /= ctx.world_size
    k = 0
    for g in grads:
        n = g.numel()
        g.copy_(flat[k : k + n].view_as(g))
        k += n


def mean_over_ranks(values: Tensor, ctx: DistributedContext) -> Tensor:
    """Mean of a (detached) tensor over ranks."""
    if not ctx.enabled:
        return values
    v = values.detach().clone()
    _collective(lambda: dist.all_reduce(v), "loss all-reduce", ctx)
    return v / ctx.world_size


def broadcast_object(obj, ctx: DistributedContext, src: int = 0):
    """``obj`` from rank ``src`` on every rank (itself in a single process)."""
    if not ctx.enabled:
        return obj
    box = [obj]
    _collective(lambda: dist.broadcast_object_list(box, src=src), "broadcast", ctx)
    return box[0]


def barrier(ctx: DistributedContext) -> None:
    """Wait until every rank gets here (a no-op in a single process)."""
    if ctx.enabled:
        _collective(lambda: dist.barrier(), "barrier", ctx)


def shard_rows(x: Tensor, ctx: DistributedContext, what: str = "points") -> Tensor:
    """Rows ``rank::world_size`` of ``x``; the row count must divide evenly (equal shards keep the
    averaged gradient equal to the full-batch one)."""
    if not ctx.enabled or x is None or x.shape[0] == 0:
        return x
    if x.shape[0] % ctx.world_size:
        raise ValueError(
            f"{x.shape[0]} {what} cannot be split evenly over {ctx.world_size} ranks; choose a multiple of "
            f"the world size (e.g. {x.shape[0] - x.shape[0] % ctx.world_size})."
        )
    return x[ctx.rank :: ctx.world_size]
