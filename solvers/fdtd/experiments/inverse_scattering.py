"""``sciml run experiment=fdtd_inverse_scattering``: permittivity imaging by differentiating through FDTD.

MindElec's AD-FDTD case (REFERENCES.md): TM mode, two dielectric circles of εr = 4 inside [0.3, 0.7]²
of a unit square, 4 sources and 8 receivers, nt = 350 steps. The "measured" data are Ez traces at the
receivers from our own forward run of the true map; the reconstruction starts from vacuum and runs
projected Adam on ``εr ∈ [1, εmax]`` inside the region of interest [0.25, 0.75]², minimising the
misfit of all traces (every source, every receiver, every step) by backpropagation through the Yee
scheme (checkpointed chunks). ``grid.frequency_stages`` runs the inversion low to high frequency
(frequency continuation, as in full-waveform inversion: a single high-frequency stage cycle-skips, the
circles delay the wave by more than half a period), and ``grid.tv_weight`` adds total-variation
regularisation. Reported: PSNR and SSIM of the εr image against the truth
(MindElec: 27.84 dB and 0.964), the misfit history (``loss.png``) and the images (``permittivity.png``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from physics.maxwell import Materials, ModulatedGaussian, PointSource
from sciml.config import check_range, settings
from sciml.fields import psnr, ssim
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_fields, plot_lines, start_run
from solvers.fdtd import Probe, YeeGrid, coefficients
from solvers.fdtd import run as fdtd_run
from solvers.fdtd.experiments.settings import FDTDDomainSettings


@dataclass(frozen=True)
class InverseScatteringSettings:
    """Projected Adam (learning rate ``lr``) on ``εr ∈ [1, eps_max]`` for ``iterations`` iterations, split over the
    ``frequency_stages`` (Hz, low to high; ``None``: ``frequency_hz`` alone); sources of relative ``bandwidth``;
    the truth has two circles of ``eps_circle``; ``tv_weight`` adds total variation; ``checkpoint_every > 0``
    recomputes chunks of that many steps in the backward pass (less memory, about 1.3× the time)."""

    frequency_hz: float = 1.0e9
    frequency_stages: tuple[float, ...] | None = None
    tv_weight: float = 0.0
    bandwidth: float = 0.8
    eps_circle: float = 4.0
    eps_max: float = 5.0
    lr: float = 0.05
    iterations: int = 120
    checkpoint_every: int = 0

    def __post_init__(self):
        check_range("frequency_hz", self.frequency_hz, low=0, low_open=True)
        for f in self.frequency_stages or ():
            check_range("frequency_stages[i]", f, low=0, low_open=True)
        check_range("tv_weight", self.tv_weight, low=0)
        check_range("bandwidth", self.bandwidth, low=0, high=2, low_open=True)
        check_range("eps_circle", self.eps_circle, low=1)
        check_range("eps_max", self.eps_max, low=self.eps_circle, meaning="must admit the truth's eps_circle")
        check_range("lr", self.lr, low=0, low_open=True)
        check_range("iterations", self.iterations, low=1, integer=True)
        check_range("checkpoint_every", self.checkpoint_every, low=0, integer=True)


def true_permittivity(n: int, eps_circle: float = 4.0) -> torch.Tensor:
    """Two circles of ``eps_circle`` in vacuum on an ``n × n`` unit square (cell centres): ``[n, n]`` float64."""
    c = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    x, y = torch.meshgrid(c, c, indexing="ij")
    eps = torch.ones(n, n, dtype=torch.float64)
    for cx, cy, r in ((0.42, 0.58, 0.09), (0.59, 0.41, 0.07)):
        eps = torch.where((x - cx) ** 2 + (y - cy) ** 2 <= r * r, torch.full_like(eps, eps_circle), eps)
    return eps


def transceivers(n: int, pml: int):
    """4 sources at the mid-sides and 8 receivers around the square, inside the physical region: cell indices."""
    lo, hi, mid = pml + 3, pml + n - 4, pml + n // 2
    sources = [(lo, mid), (hi, mid), (mid, lo), (mid, hi)]
    receivers = [
        (lo, lo),
        (lo, hi),
        (hi, lo),
        (hi, hi),
        (lo, mid + n // 4),
        (hi, mid - n // 4),
        (mid - n // 4, lo),
        (mid + n // 4, hi),
    ]
    return sources, receivers


def run(cfg, out_dir="."):
    """Reconstruct εr from receiver traces by differentiating through the FDTD; returns PSNR/SSIM and misfits."""
    dom = settings(cfg.fdtd, FDTDDomainSettings)
    p = settings(cfg.inverse_scattering, InverseScatteringSettings)
    out, t0 = start_run(cfg, out_dir)
    n, pml, steps = dom.n, dom.pml_cells, dom.steps
    dx = dom.cell_size
    grid = YeeGrid((dom.cells, dom.cells, 1), dx, ("pml", "pml", "periodic"), pml_cells=pml)
    f0 = p.frequency_hz
    stages = list(p.frequency_stages or [f0])  # frequency continuation, low to high
    srcs, recs = transceivers(n, pml)
    eps_true = true_permittivity(n, p.eps_circle)
    roi = torch.zeros(n, n, dtype=torch.bool)
    a, b = int(0.25 * n), int(0.75 * n)
    roi[a:b, a:b] = True
    eps_max = p.eps_max
    dtype = dom.torch_dtype

    def embed(eps_phys):
        full = torch.ones(grid.shape[:2], dtype=torch.float64)
        full = torch.nn.functional.pad(eps_phys - 1.0, (pml, pml, pml, pml)) + full
        return full[..., None]

    def traces(eps_phys, profile):
        co = coefficients(grid, Materials(eps_r=embed(eps_phys)), dtype=dtype)
        out_t = []
        for s in srcs:
            r = fdtd_run(
                co,
                steps,
                [PointSource((*s, 0), profile, "ez")],
                [Probe((*q, 0), "ez", f"r{k}") for k, q in enumerate(recs)],
                checkpoint_every=p.checkpoint_every,
            )
            out_t.append(torch.stack([r.probes[f"r{k}"] for k in range(len(recs))]))
        return torch.stack(out_t)  # [sources, receivers, steps]

    inner = torch.ones((b - a, b - a), dtype=torch.float64, requires_grad=True)  # start from vacuum
    tv = p.tv_weight

    def image():
        return torch.nn.functional.pad(inner - 1.0, (a, n - b, a, n - b)) + 1.0

    def total_variation(u):  # smoothed isotropic TV: favours piecewise-constant images
        dxu, dyu = u[1:, :-1] - u[:-1, :-1], u[:-1, 1:] - u[:-1, :-1]
        return torch.sqrt(dxu**2 + dyu**2 + 1e-4).mean()

    history = []
    iters = p.iterations
    per_stage = [iters // len(stages) + (1 if k < iters % len(stages) else 0) for k in range(len(stages))]
    bar = tqdm(total=iters, desc="AD-FDTD inversion", disable=not cfg.trainer.progress_bar)
    for f_stage, count in zip(stages, per_stage):
        profile = ModulatedGaussian(f_stage, p.bandwidth * f_stage)
        with torch.no_grad():
            data = traces(eps_true, profile)
        scale = float(data.pow(2).mean())
        opt = torch.optim.Adam([inner], lr=p.lr)
        for _ in range(count):
            opt.zero_grad()
            misfit = (traces(image(), profile) - data).pow(2).mean() / scale
            loss = misfit + tv * total_variation(inner) if tv > 0 else misfit
            loss.backward()
            opt.step()
            with torch.no_grad():  # projected gradient: keep εr in [1, eps_max]
                inner.clamp_(1.0, eps_max)
            history.append(float(misfit.detach()))
            bar.update(1)
    bar.close()
    with torch.no_grad():
        rec = image()
    r = eps_max - 1.0  # εr lies in [1, eps_max]
    metrics = {
        "psnr_db": psnr(rec, eps_true, data_range=r),
        "ssim": ssim(rec, eps_true, data_range=r),
        "mindelec_psnr_db": 27.84,
        "mindelec_ssim": 0.964,
        "iterations": iters,
        "initial_misfit": history[0],
        "final_misfit": history[-1],
        "grid": [n, n],
        "steps": steps,
        "sources": len(srcs),
        "receivers": len(recs),
        "frequency_stages_hz": stages,
    }
    plot_fields(
        out / "permittivity.png",
        {"true εr": eps_true.numpy(), "reconstructed εr": rec.numpy(), "|error|": (rec - eps_true).abs().numpy()},
        extent=[0, 1, 0, 1],
        cmap="viridis",
    )
    plot_lines(out / "loss.png", np.arange(1, iters + 1), {"misfit": np.log10(history)}, "iteration", "log10 misfit")
    np.save(out / "permittivity.npy", rec.numpy())
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"fdtd": FDTDDomainSettings, "inverse_scattering": InverseScatteringSettings},
    description="permittivity imaging by differentiating through FDTD (MindElec's AD-FDTD case)",
)

__all__ = ["run", "true_permittivity", "transceivers", "InverseScatteringSettings", "EXPERIMENT"]
