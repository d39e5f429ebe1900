"""PNG plots for PINN runs: loss curves per term; prediction, reference and error fields."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_loss(result, path: str | Path) -> None:
    """Total loss and each term on a log scale against the step."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(np.arange(1, len(result.history) + 1), result.history, label="total", lw=1.2)
    for k, v in result.term_history.items():
        if len(result.term_history) > 1:
            ax.semilogy(np.arange(1, len(v) + 1), v, label=k, lw=0.8, alpha=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_solution(solver, reference, path: str | Path) -> None:
    """Three panels over (t, x): prediction, reference and absolute error."""
    plt = _plt()
    x, t = reference.grid()
    pts = reference.points()
    shape = reference.field_shape()
    pred = solver.predict(pts)[:, 0].reshape(shape)
    ref = reference.solution(pts)[:, 0].reshape(shape)
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharey=True)
    ext = [t[0], t[-1], x[0], x[-1]]
    vmin, vmax = ref.min(), ref.max()
    for ax, field, title, kw in (
        (axes[0], pred, "PINN prediction", dict(vmin=vmin, vmax=vmax, cmap="RdBu_r")),
        (axes[1], ref, "reference", dict(vmin=vmin, vmax=vmax, cmap="RdBu_r")),
        (axes[2], np.abs(pred - ref), "|error|", dict(cmap="magma")),
    ):
        im = ax.imshow(field.T, origin="lower", aspect="auto", extent=ext, **kw)
        ax.set_title(title)
        ax.set_xlabel("t")
        fig.colorbar(im, ax=ax)
    axes[0].set_ylabel("x")
    rel = np.linalg.norm(pred - ref) / np.linalg.norm(ref)
    fig.suptitle(f"relative L2 error {rel:.2e}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_scattered(solver, reference, path: str | Path) -> None:
    """Prediction, reference and |error| as coloured scatter plots over the first two inputs (any geometry)."""
    plt = _plt()
    pts = reference.points()
    pred = solver.predict(pts)[:, 0]
    ref = reference.solution(pts)[:, 0]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    names = solver.problem.input_names
    for ax, field, title, cmap in (
        (axes[0], pred, "PINN prediction", "RdBu_r"),
        (axes[1], ref, "reference", "RdBu_r"),
        (axes[2], np.abs(pred - ref), "|error|", "magma"),
    ):
        sc = ax.scatter(pts[:, 0], pts[:, 1], c=field, s=2, cmap=cmap)
        ax.set_title(title)
        ax.set_xlabel(names[0])
        ax.set_aspect("equal" if "t" not in names else "auto")
        fig.colorbar(sc, ax=ax)
    axes[0].set_ylabel(names[1])
    fig.suptitle(
        f"{solver.problem.output_names[0]}: relative L2 error {np.linalg.norm(pred - ref) / np.linalg.norm(ref):.2e}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_point_cloud(solver, reference, path: str | Path) -> Path:
    """Prediction, reference and error at the reference points as a VTU point cloud (ParaView, via meshio)."""
    import meshio

    pts = reference.points()
    pred, ref = solver.predict(pts), reference.solution(pts)
    xyz = np.zeros((len(pts), 3))
    xyz[:, : min(3, pts.shape[1])] = pts[:, :3]
    data = {}
    cols = list(getattr(reference, "output_columns", None) or range(pred.shape[1]))
    for k, name in enumerate(solver.problem.output_names):
        data[name] = pred[:, k]
        if k in cols:  # outputs the reference does not give (a gauge pressure, say) are written alone
            data[f"{name}_reference"] = ref[:, cols.index(k)]
            data[f"{name}_error"] = pred[:, k] - ref[:, cols.index(k)]
    cells = [("vertex", np.arange(len(pts))[:, None])]
    meshio.write(path, meshio.Mesh(xyz, cells, point_data=data))
    return Path(path)
