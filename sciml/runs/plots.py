"""PNG plots and GIF animations of run results (matplotlib, Agg backend; no display needed)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

log = logging.getLogger("sciml.run")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_fields(
    path: Path, panels: dict[str, np.ndarray], extent=None, cmap: str = "RdBu_r", suptitle: str = ""
) -> None:
    """One image panel per entry ``title -> 2-D array`` (first axis = x)."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 3.8), squeeze=False)
    for ax, (title, arr) in zip(axes[0], panels.items()):
        im = ax.imshow(np.asarray(arr).T, origin="lower", extent=extent, cmap=cmap, aspect="auto")
        ax.set_title(title)
        fig.colorbar(im, ax=ax)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_lines(path: Path, x: np.ndarray, lines: dict[str, np.ndarray], xlabel: str, ylabel: str, markers=()) -> None:
    """One line per entry ``label -> y [len(x)]``; ``markers`` maps labels drawn as points to their own ``(x, y)``."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, y in lines.items():
        ax.plot(
            x if name not in markers else markers[name][0],
            y if name not in markers else markers[name][1],
            "o" if name in markers else "-",
            label=name,
            ms=4,
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def save_animation(path: Path, frames: list[np.ndarray], times: list[float], title: str = "") -> Path | None:
    """Write a GIF (Pillow) of 2-D frames; returns the path, or ``None`` (logged) if no writer is available."""
    if not frames:
        return None
    plt = _plt()
    from matplotlib import animation

    if not animation.writers.is_available("pillow"):
        log.warning("no animation writer available (install pillow); skipping %s", path)
        return None
    fig, ax = plt.subplots(figsize=(4.5, 4))
    lim = float(max(np.abs(f).max() for f in frames)) or 1.0
    im = ax.imshow(frames[0].T, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_xticks([])
    ax.set_yticks([])

    def update(k):
        im.set_data(frames[k].T)
        ax.set_title(f"{title} t = {times[k]:.3g}")
        return (im,)

    anim = animation.FuncAnimation(fig, update, frames=len(frames), blit=False)
    anim.save(str(path), writer=animation.PillowWriter(fps=8))
    plt.close(fig)
    return path
