"""Run folders: what every ``sciml run`` writes (config, metrics, plots), whatever solved the problem."""

from sciml.runs.folder import NonFiniteMetricError, finish_run, non_finite, start_run
from sciml.runs.plots import plot_fields, plot_lines, save_animation

__all__ = [
    "start_run",
    "finish_run",
    "non_finite",
    "NonFiniteMetricError",
    "plot_fields",
    "plot_lines",
    "save_animation",
]
