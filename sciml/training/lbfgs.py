"""L-BFGS that reuses the gradient its line search already computed (Nocedal & Wright, Algorithm 7.4/7.5).

One :meth:`LBFGS.step` is one quasi-Newton iteration:

    d = −H g              (two-loop recursion over the last m pairs sₖ = xₖ₊₁ − xₖ, yₖ = gₖ₊₁ − gₖ,
                           with H₀ = (sᵀy / yᵀy) I from the newest pair)
    t = strong-Wolfe step along d   (:func:`sciml.training.line_search.strong_wolfe`)
    x ← x + t d

``torch.optim.LBFGS`` with ``max_iter=1`` evaluates the loss and gradient once more at the start of every
step, at the point its line search has just evaluated: about two evaluations per iteration where one
suffices. This class keeps the accepted point's loss and gradient and uses them for the next step while
the parameters are unchanged, so a step whose first trial is accepted costs one evaluation. A trainer that
changes the objective under it (new collocation points, new loss weights) must build a new optimiser or
call :meth:`forget` (``Trainer.reset_optimizer_memory`` does).

The closure has ``torch.optim.LBFGS``'s contract: zero the gradients, evaluate, backpropagate, return the
loss. After a step, :attr:`accepted_evaluation` is the index of the closure call whose point was accepted
(``None`` when no trial lowered the loss and the parameters stayed put), and :attr:`start_was_cached`
tells whether the step began from the kept point rather than a fresh closure call.
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch import Tensor

from sciml.training.fused_adam import CompilerFreeOptimizer
from sciml.training.line_search import Trial, strong_wolfe


class LBFGS(CompilerFreeOptimizer):
    """Limited-memory BFGS with a strong-Wolfe line search; one :meth:`step` = one iteration.

    ``lr``: the first trial step along d (1 is the quasi-Newton step; the very first iteration uses
    ``lr · min(1, 1/‖g‖₁)``). ``history_size``: the m curvature pairs kept. ``line_search``: ``"strong_wolfe"``,
    or ``None`` to take that first step as it is. ``max_evaluations``: closure calls allowed per line search.
    ``tolerance_grad``: no step once max |g| falls below it.
    ``tolerance_change``: the line search stops when its bracket moves the parameters by less.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1.0,
        history_size: int = 50,
        line_search: str | None = "strong_wolfe",
        max_evaluations: int = 25,
        tolerance_grad: float = 1e-12,
        tolerance_change: float = 1e-12,
    ):
        if not lr > 0:
            raise ValueError(f"L-BFGS lr (the first trial step) must be positive, got {lr}.")
        if history_size < 1 or max_evaluations < 1:
            raise ValueError(
                f"L-BFGS needs history_size >= 1 and max_evaluations >= 1, got {history_size} and {max_evaluations}."
            )
        if line_search not in (None, "strong_wolfe"):
            raise ValueError(f"line_search must be 'strong_wolfe' or None, got {line_search!r}.")
        defaults = dict(
            lr=lr,
            history_size=history_size,
            line_search=line_search,
            max_evaluations=max_evaluations,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("L-BFGS takes one parameter group (it treats all parameters as one vector).")
        self._params: list[Tensor] = self.param_groups[0]["params"]
        self._kept: Trial | None = None  # loss and gradient at the current parameters, if known
        self._kept_x: Tensor | None = None
        self.accepted_evaluation: int | None = None
        self.start_was_cached = False

    # -- flat views ---------------------------------------------------------
    def _x(self) -> Tensor:
        return torch.cat([p.detach().reshape(-1) for p in self._params])

    def _grad(self) -> Tensor:
        return torch.cat([(torch.zeros_like(p) if p.grad is None else p.grad).reshape(-1) for p in self._params])

    @torch.no_grad()
    def _set(self, x: Tensor) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.copy_(x[offset : offset + n].view_as(p))
            offset += n

    # -- the kept point -----------------------------------------------------
    def has_cached_start(self) -> bool:
        """Whether the next step can start from the kept loss and gradient (the parameters did not move)."""
        return self._kept is not None and torch.equal(self._kept_x, self._x())

    def drop_kept_point(self) -> None:
        """Evaluate the next step's start afresh (the objective changed; the curvature pairs are kept)."""
        self._kept = self._kept_x = None

    def forget(self) -> None:
        """Drop the kept point and the curvature pairs: the objective changed."""
        self.state.clear()
        self._kept = self._kept_x = None

    def load_state_dict(self, state_dict) -> None:
        """Restore the curvature pairs; the kept point is dropped (the resumed objective may differ)."""
        super().load_state_dict(state_dict)
        self._kept = self._kept_x = None  # the objective it was kept for may not be the one resumed

    # -- one iteration -----------------------------------------------------------
    def _direction(self, g: Tensor, memory: dict) -> Tensor:
        """−H g by the two-loop recursion (Nocedal & Wright Algorithm 7.4)."""
        q = -g
        alphas = []
        for s, y, rho in zip(reversed(memory["s"]), reversed(memory["y"]), reversed(memory["rho"])):
            a = rho * torch.dot(s, q)
            q = q - a * y
            alphas.append(a)
        r = q * memory["scale"]
        for s, y, rho, a in zip(memory["s"], memory["y"], memory["rho"], reversed(alphas)):
            b = rho * torch.dot(y, r)
            r = r + (a - b) * s
        return r

    @torch.no_grad()
    def step(self, closure: Callable[[], Tensor]) -> Tensor:  # type: ignore[override]
        """One L-BFGS iteration; returns the loss at the point it started from."""
        if closure is None:
            raise ValueError("L-BFGS needs a closure that re-evaluates the loss and its gradient.")
        group = self.param_groups[0]
        closure = torch.enable_grad()(closure)
        memory = self.state[self._params[0]]
        memory.setdefault("s", [])
        memory.setdefault("y", [])
        memory.setdefault("rho", [])
        memory.setdefault("scale", 1.0)

        x = self._x()
        self.start_was_cached = self.has_cached_start()
        if self.start_was_cached:
            f0, g0 = self._kept.f, self._kept.g
            loss = torch.tensor(f0, dtype=g0.dtype, device=g0.device)
        else:
            loss = closure()
            f0, g0 = float(loss.detach()), self._grad().clone()
        self.accepted_evaluation = None
        if float(g0.abs().max()) <= group["tolerance_grad"]:
            self._keep(x, f0, g0)
            return loss

        first = not memory["s"]
        d = -g0 if first else self._direction(g0, memory)
        gtd = float(torch.dot(g0, d))
        if not gtd < 0.0:  # the memory no longer gives a descent direction: start again from −g
            memory["s"], memory["y"], memory["rho"], memory["scale"] = [], [], [], 1.0
            d, first = -g0, True
            gtd = float(torch.dot(g0, d))
        t0 = group["lr"] * (min(1.0, 1.0 / float(g0.abs().sum())) if first else 1.0)

        def evaluate(t: float) -> tuple[float, Tensor, float]:
            self._set(x + t * d)
            f = float(closure().detach())
            g = self._grad().clone()
            return f, g, float(torch.dot(g, d))

        if group["line_search"] is None:
            best = Trial(t0, *evaluate(t0), 0)
        else:
            best, _ = strong_wolfe(
                evaluate,
                Trial(0.0, f0, g0, gtd, -1),
                t0,
                max_evaluations=group["max_evaluations"],
                tolerance_change=group["tolerance_change"],
                direction_scale=float(d.abs().max()),
            )
        x_new = x + best.t * d
        self._set(x_new)
        if best.index >= 0:
            self.accepted_evaluation = best.index + (0 if self.start_was_cached else 1)  # counts closure calls
            s, y = best.t * d, best.g - g0
            ys = float(torch.dot(y, s))
            if ys > 1e-10:
                if len(memory["s"]) == group["history_size"]:
                    for key in ("s", "y", "rho"):
                        memory[key].pop(0)
                memory["s"].append(s)
                memory["y"].append(y)
                memory["rho"].append(1.0 / ys)
                memory["scale"] = ys / float(torch.dot(y, y))
        self._keep(x_new, best.f, best.g)
        return loss

    def _keep(self, x: Tensor, f: float, g: Tensor) -> None:
        self._kept, self._kept_x = Trial(0.0, f, g, 0.0, -1), x.clone()


__all__ = ["LBFGS"]
