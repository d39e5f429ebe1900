"""The PINN training methods of one run, as one frozen value (the ``methods`` config node).

- ``weighting``: how the loss terms are balanced: ``fixed`` (the ``loss_weights``), ``lr_annealing``
  (Wang, Teng & Perdikaris 2021), ``relobralo`` (Bischof & Kraus 2021) or ``gradnorm`` (Chen et al. 2018),
  every ``weighting_every`` steps.
- ``causal_bins > 0``: causal training over that many time bins (Wang, Sankaran & Perdikaris 2022),
  with causality parameter ``causal_epsilon``.
- ``rar_every > 0``: residual-based adaptive refinement (Lu et al. 2021): every ``rar_every`` steps add the
  ``rar_add`` worst of ``rar_candidates`` random interior points.
- ``self_adaptive``: per-point residual weights by gradient ascent with rate ``self_adaptive_lr``
  (McClenny & Braga-Neto 2023).
"""

from __future__ import annotations

from dataclasses import dataclass

from sciml.config import check_choice, check_range

WEIGHTINGS = ("fixed", "lr_annealing", "relobralo", "gradnorm")


@dataclass(frozen=True)
class PINNMethods:
    """Loss balancing, causal training, adaptive refinement and self-adaptive weights (see the module doc)."""

    weighting: str = "fixed"
    weighting_every: int = 100
    causal_bins: int = 0
    causal_epsilon: float = 1.0
    rar_every: int = 0
    rar_candidates: int = 10000
    rar_add: int = 100
    self_adaptive: bool = False
    self_adaptive_lr: float = 1.0

    def __post_init__(self):
        check_choice("weighting", self.weighting, WEIGHTINGS)
        check_range("weighting_every", self.weighting_every, low=1, integer=True)
        check_range("causal_bins", self.causal_bins, low=0, integer=True, meaning="0 turns causal training off")
        if self.causal_bins == 1:
            raise ValueError("causal_bins must be >= 2 (or 0 to disable), got 1.")
        check_range("causal_epsilon", self.causal_epsilon, low=0, low_open=True)
        check_range("rar_every", self.rar_every, low=0, integer=True, meaning="0 turns RAR off")
        check_range("rar_candidates", self.rar_candidates, low=1, integer=True)
        check_range(
            "rar_add",
            self.rar_add,
            low=1,
            high=self.rar_candidates,
            integer=True,
            meaning="RAR adds the worst rar_add of rar_candidates points",
        )
        check_range("self_adaptive_lr", self.self_adaptive_lr, low=0, low_open=True)

    def check_compatible(self, problem, geometry, resample_every: int, distributed: bool) -> None:
        """Refuse combinations that cannot work, naming the fix (raises ``ValueError``)."""
        if self.causal_bins and ("t" not in problem.input_names or not hasattr(geometry, "time")):
            raise ValueError(
                "causal training needs a time-dependent problem (an input named 't' on a SpaceTime "
                f"geometry); {problem!r} has inputs {problem.input_names}. Set methods.causal_bins=0."
            )
        if self.self_adaptive and (self.rar_every or resample_every):
            raise ValueError(
                "self-adaptive weights belong to fixed collocation points; they cannot be combined with "
                "RAR or resampling. Disable one of them (methods.rar_every=0, sampling.resample_every=0)."
            )
        if distributed and self.rar_every:
            raise ValueError(
                "RAR adds points where each rank's residual is largest, which would differ from a "
                "single-process run; turn it off (methods.rar_every=0) for distributed training."
            )


__all__ = ["PINNMethods", "WEIGHTINGS"]
