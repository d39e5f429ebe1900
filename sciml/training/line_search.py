"""Strong-Wolfe line search (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithms 3.5 and 3.6).

Along a descent direction d from the point x with loss f₀ and slope g₀ᵀd < 0, find a step t > 0 with

    sufficient decrease:  f(x + t d) ≤ f₀ + c₁ t g₀ᵀd
    curvature:            |∇f(x + t d)ᵀd| ≤ c₂ |g₀ᵀd|

(c₁ = 1e-4, c₂ = 0.9 for quasi-Newton methods). The search first grows t until it brackets such a step,
then shrinks the bracket by safeguarded cubic interpolation (``zoom``). Every trial costs one evaluation of
the loss and its gradient; :class:`Trial` keeps each one, so the caller can reuse the accepted point's
gradient instead of evaluating it again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from torch import Tensor


@dataclass(frozen=True)
class Trial:
    """One evaluation along the line: step ``t``, loss ``f``, flat gradient ``g`` and slope ``gtd = gᵀd``.

    ``index`` counts the evaluations of this search from 0; ``-1`` marks the starting point (t = 0).
    """

    t: float
    f: float
    g: Tensor
    gtd: float
    index: int


def cubic_minimizer(a: Trial, b: Trial, low: float, high: float) -> float:
    """Minimiser of the cubic through (t, f, slope) at ``a`` and ``b``, clipped to [low, high].

    Nocedal & Wright eq. (3.59); the midpoint of [low, high] when the cubic has no real minimiser.
    """
    if a.t == b.t:
        return 0.5 * (low + high)
    d1 = a.gtd + b.gtd - 3.0 * (a.f - b.f) / (a.t - b.t)
    square = d1 * d1 - a.gtd * b.gtd
    if not (square >= 0.0 and math.isfinite(square)):
        return 0.5 * (low + high)
    d2 = math.copysign(math.sqrt(square), b.t - a.t)
    denominator = b.gtd - a.gtd + 2.0 * d2
    if denominator == 0.0:
        return 0.5 * (low + high)
    t = b.t - (b.t - a.t) * (b.gtd + d2 - d1) / denominator
    return min(max(t, low), high)


def strong_wolfe(
    evaluate: Callable[[float], tuple[float, Tensor, float]],
    start: Trial,
    t: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_evaluations: int = 25,
    tolerance_change: float = 1e-12,
    direction_scale: float = 1.0,
) -> tuple[Trial, int]:
    """A step satisfying the strong Wolfe conditions, or the best one found within ``max_evaluations``.

    ``evaluate(t) -> (f, flat gradient, slope gᵀd)`` at x + t d; ``start`` is the point t = 0 (index -1);
    ``t`` the first trial step. ``direction_scale`` = max |dᵢ|: the search stops once the bracket moves
    the parameters by less than ``tolerance_change``. Returns the accepted trial (``start`` itself when no
    trial lowered the loss) and the number of evaluations made.
    """
    n = 0

    def trial(step: float) -> Trial:
        nonlocal n
        f, g, gtd = evaluate(step)
        n += 1
        return Trial(step, f, g, gtd, n - 1)

    def sufficient(p: Trial) -> bool:
        return p.f <= start.f + c1 * p.t * start.gtd

    def curvature(p: Trial) -> bool:
        return abs(p.gtd) <= -c2 * start.gtd

    previous = start
    low = high = None
    while n < max_evaluations:
        current = trial(t)
        if not sufficient(current) or (previous is not start and current.f >= previous.f):
            low, high = previous, current
            break
        if curvature(current):
            return current, n
        if current.gtd >= 0.0:
            low, high = current, previous
            break
        # extrapolate: a cubic step in [t + 0.01 (t - t_prev), 10 t]
        growth = cubic_minimizer(previous, current, t + 0.01 * (t - previous.t), 10.0 * t)
        previous, t = current, growth
    else:
        return (previous if previous.f < start.f else start), n

    # zoom: low always holds the lowest loss that satisfies sufficient decrease
    while n < max_evaluations and abs(high.t - low.t) * direction_scale >= tolerance_change:
        lo_t, hi_t = min(low.t, high.t), max(low.t, high.t)
        t = cubic_minimizer(low, high, lo_t, hi_t)
        margin = 0.1 * (hi_t - lo_t)
        if min(t - lo_t, hi_t - t) < margin:  # too close to an end: bisect instead
            t = 0.5 * (lo_t + hi_t)
        current = trial(t)
        if not sufficient(current) or current.f >= low.f:
            high = current
            continue
        if curvature(current):
            return current, n
        if current.gtd * (high.t - low.t) >= 0.0:
            high = low
        low = current
    return (low if low.f < start.f else start), n


__all__ = ["Trial", "cubic_minimizer", "strong_wolfe"]
