"""Adam and AdamW whose CPU step is one fused kernel call, and optimisers that do not import torch's compiler.

Why not ``torch.optim.Adam(fused=True)`` as it is (issue 21, the PINN step):

- **Per-step cost.** Its :meth:`step` sorts the parameters by device and dtype, rebuilds five lists through
  ``_init_group``, and passes through two ``torch._dynamo.graph_break`` guards and a dynamo-disable wrapper
  before it reaches the same ``torch._fused_adam_`` kernel. For the 8 small tensors of the Burgers PINN that
  Python costs about 100 µs of a 2 ms training step on this machine's 2 cores (measured inside the training
  loop, where the jet kernel has just evicted the interpreter's data from cache). :meth:`FusedAdam.step` calls
  the kernel directly.
- **Start-up cost.** ``add_param_group``, ``zero_grad``, ``state_dict`` and ``load_state_dict`` are wrapped in
  ``torch._disable_dynamo``, whose first call imports ``torch._dynamo`` (1.2 s on these machines). An eager run
  never compiles, yet paid that second before its first step, in the optimiser's constructor.
  :class:`CompilerFreeOptimizer` exposes the undecorated bodies (``functools.wraps`` keeps them as
  ``__wrapped__``). The decorators only keep dynamo from tracing into these methods from inside a compiled
  region, and no sciml code calls an optimiser there.

The update is Kingma & Ba (2015), Algorithm 1, with AdamW's decoupled weight decay (Loshchilov & Hutter 2019)
when ``decoupled_weight_decay=True``: per element, for step k,
``m ← β1 m + (1−β1) g``, ``v ← β2 v + (1−β2) g²``, ``θ ← θ − lr · (m / (1−β1ᵏ)) / (√(v / (1−β2ᵏ)) + ε)``.
It is torch's own fused kernel, so the results are bitwise those of ``torch.optim.Adam(fused=True)``, and the
state (``step``, ``exp_avg``, ``exp_avg_sq``) and ``state_dict`` are the same: checkpoints move freely between
the two. Anything off the fast path (CUDA, a closure, a parameter without a gradient, AMSGrad, tensor
hyper-parameters as CUDA graphs use, complex parameters) takes ``torch.optim.Adam.step`` unchanged.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import torch
from torch import Tensor
from torch.optim import optimizer as torch_optimizer


def _undecorated(method: Callable) -> Callable:
    """``method`` without torch's ``_disable_dynamo`` wrapper (itself where a torch release drops the wrapper)."""
    return getattr(method, "__wrapped__", method)


class CompilerFreeOptimizer(torch.optim.Optimizer):
    """A :class:`torch.optim.Optimizer` whose bookkeeping methods do not import ``torch._dynamo``.

    Behaviour is torch's own: the same bodies, without the lazy-import decorator (see the module docstring).
    """

    add_param_group = _undecorated(torch.optim.Optimizer.add_param_group)
    state_dict = _undecorated(torch.optim.Optimizer.state_dict)
    load_state_dict = _undecorated(torch.optim.Optimizer.load_state_dict)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (``set_to_none``) or zero it in place, as torch does."""
        if not set_to_none:
            _undecorated(torch.optim.Optimizer.zero_grad)(self, set_to_none=False)
            return
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None


class FusedAdam(CompilerFreeOptimizer, torch.optim.Adam):
    """Adam (AdamW with ``decoupled_weight_decay=True``) stepping through ``torch._fused_adam_`` directly on CPU.

    Arguments are ``torch.optim.Adam``'s; ``fused`` is on wherever torch supports it (real CPU/CUDA tensors).
    Parameters: any shapes; the state tensors have each parameter's shape and dtype, ``step`` is a 0-d tensor.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict[str, Any]],
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        decoupled_weight_decay: bool = False,
        capturable: bool = False,
    ) -> None:
        params = list(params)
        tensors = [p for g in params for p in (g["params"] if isinstance(g, dict) else [g])]
        fused = all(p.device.type in ("cpu", "cuda") and not p.is_complex() for p in tensors)
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            fused=fused or None,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        self._plans: dict[int, tuple] = {}  # id(param group) -> its lists for the kernel (see _plan)

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:  # type: ignore[override]
        """One Adam update of every parameter with a gradient; ``closure`` (re-evaluates the loss) is optional.

        With no step hooks registered and the profiler off, the direct kernel call runs bare: torch's hook and
        profiler wrapper costs about as much as the update itself on a small network. Otherwise the step runs
        inside that wrapper, as torch's own optimisers do (labelled ``Optimizer.step#FusedAdam.step``).
        """
        if self._watched():
            return self._hooked_step(closure)
        return self._step_body(closure)

    step.hooked = True  # type: ignore[attr-defined]  # tells torch not to wrap it: _hooked_step is the wrapped one

    def _step_body(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """The direct kernel call, or torch's Adam step where it cannot serve (without torch's hook wrapper)."""
        if closure is None and self._fused_step():
            return None
        adam_step = torch.optim.Adam.step
        if getattr(adam_step, "hooked", False):  # torch wrapped it when a plain Adam was built: hooks ran already
            adam_step = adam_step.__wrapped__
        return adam_step(self, closure)

    _hooked_step = torch.optim.Optimizer.profile_hook_step(_step_body)

    def _watched(self) -> bool:
        """Whether step hooks are registered (here or globally) or the autograd profiler is recording."""
        return bool(
            self._optimizer_step_pre_hooks
            or self._optimizer_step_post_hooks
            or torch_optimizer._global_optimizer_pre_hooks
            or torch_optimizer._global_optimizer_post_hooks
            or torch.autograd.profiler._is_profiler_enabled
        )

    def _fused_step(self) -> bool:
        """The direct kernel call for every group; ``False`` (nothing updated) where a group cannot take it."""
        plans = [self._plan(group) for group in self.param_groups]
        if None in plans:
            return False
        grads = [[p.grad for p in plan[0]] for plan in plans]
        if any(g is None for gs in grads for g in gs):  # a parameter the loss did not reach: torch skips it
            return False
        with torch.no_grad():
            for group, (params, exp_avgs, exp_avg_sqs, steps, _), gs in zip(self.param_groups, plans, grads):
                beta1, beta2 = group["betas"]
                torch._foreach_add_(steps, 1)
                kernel = torch._fused_adamw_ if group["decoupled_weight_decay"] else torch._fused_adam_
                kernel(
                    params,
                    gs,
                    exp_avgs,
                    exp_avg_sqs,
                    [],
                    steps,
                    amsgrad=False,
                    lr=group["lr"],
                    beta1=beta1,
                    beta2=beta2,
                    weight_decay=group["weight_decay"],
                    eps=group["eps"],
                    maximize=group["maximize"],
                )
        return True

    def _plan(self, group: dict[str, Any]) -> tuple | None:
        """``group``'s parameters and state lists for the direct kernel call, or ``None`` where it cannot take it
        (not CPU, not fused, AMSGrad, tensor hyper-parameters, mixed dtypes): ``torch.optim.Adam.step`` then runs.

        Built on the first step and again whenever the state was replaced (cleared by a recovery or a new phase,
        or loaded from a checkpoint), which the identity of the first parameter's state dict reveals.
        """
        params = group["params"]
        first = self.state.get(params[0])
        plan = self._plans.get(id(group))
        if plan is not None and plan[4] is first and first is not None and len(plan[0]) == len(params):
            return plan
        if group["amsgrad"] or group["differentiable"] or group["capturable"] or not group["fused"]:
            return None
        if isinstance(group["lr"], Tensor) or any(isinstance(b, Tensor) for b in group["betas"]):
            return None
        if any(p.device.type != "cpu" or p.dtype != params[0].dtype for p in params):
            return None
        if any(bool(self.state.get(p)) != bool(first) for p in params):
            return None  # a partial state (some parameters never had gradients): torch's step handles it
        for p in params:
            s = self.state[p]
            if not s:  # the first step, or the state was cleared
                s["step"] = torch.zeros((), dtype=torch.float32, device=p.device)
                s["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                s["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        states = [self.state[p] for p in params]
        plan = (
            list(params),
            [s["exp_avg"] for s in states],
            [s["exp_avg_sq"] for s in states],
            [s["step"] for s in states],
            states[0],
        )
        self._plans[id(group)] = plan
        return plan


__all__ = ["CompilerFreeOptimizer", "FusedAdam"]
