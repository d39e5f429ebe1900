"""Lid-driven cavity by projection on a staggered grid."""

from solvers.grid.cavity.projection import (
    CavityState,
    centreline_u,
    divergence,
    initial_state,
    solve_steady,
    stable_dt,
    step,
)

__all__ = ["CavityState", "initial_state", "step", "stable_dt", "solve_steady", "centreline_u", "divergence"]
