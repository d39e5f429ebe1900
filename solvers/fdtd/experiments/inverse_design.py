"""``sciml run experiment=fdtd_waveguide_bend | fdtd_mode_converter | fdtd_wavelength_demux``: topology optimisation
of planar devices through the differentiable FDTD, on ceviche-challenges' device specifications; and
``fdtd_waveguide_bend_3d``, a bend etched through a silicon slab in 3-D (:class:`~solvers.fdtd.slab_device.SlabDevice`).

The device (``photonic_device`` node) is ceviche-challenges' description in cells: waveguide boxes, the design region
(``x_min, y_min, x_max, y_max``), ports with mode order and direction, wavelengths; ``targets`` lists the
``(output, wavelength index)`` transmissions whose mean is maximised. The optimiser (``inverse_design`` node) runs
L-BFGS-B stages at increasing projection sharpness ``betas`` (:mod:`solvers.fdtd.inverse_design`), with gradients by
adjoint FDTD runs (or autograd through the checkpointed FDTD: ``inverse_design.gradient``). Reported: the
transmissions of the final design thresholded to 0/1 (what would be fabricated), from runs 8x as long as the
optimiser's (``dft_convergence``: their change from 4x; a truncated ring-down can read above 1 at gray stages, so
the history is not the score), the objective history, the design after each stage (``designs.png``), the field at
the centre wavelength (``field.png``) and the transmission spectra (``spectrum.png``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch
from tqdm.auto import tqdm

from sciml.config import check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_fields, plot_lines, start_run
from solvers.fdtd.design_region import DesignRegion, gray_indicator
from solvers.fdtd.inverse_design import optimize_design
from solvers.fdtd.planar_device import DevicePort, PlanarDevice
from solvers.fdtd.slab_device import SlabDevice

NM = 1e-9


@dataclass(frozen=True)
class DeviceSettings:
    """A planar device in cells (ceviche-challenges' layout; defaults: its 2 µm × 2 µm waveguide bend). With three
    entries in ``shape`` it is a 3-D slab device: the guides and the design are cut through the z cells ``slab`` and
    the ports' cross-sections span the z cells ``port_z``."""

    shape: tuple = (103, 103)
    cell_size_nm: float = 50.0
    pml_cells: int = 20
    slab_eps: float = 12.25
    cladding_eps: float = 1.0
    waveguides: tuple = ((53, 57, 0, 35), (0, 35, 53, 57))  # (i0, i1, j0, j1) boxes of slab
    design: tuple = (35, 35, 75, 75)  # x_min, y_min, x_max, y_max
    filter_radius: float = 2.0  # cells: the conic filter (minimum length scale)
    source: dict = field(
        default_factory=lambda: {
            "name": "in",
            "axis": 0,
            "index": 21,
            "centre": 55,
            "width": 34,
            "mode": 0,
            "direction": 1,
        }
    )
    outputs: tuple = ({"name": "out", "axis": 1, "index": 21, "centre": 55, "width": 34, "mode": 0, "direction": -1},)
    wavelengths_nm: tuple = (1550.0,)
    targets: tuple = (("out", 0),)  # (output name, wavelength index): their mean transmission is maximised
    slab: tuple = ()  # 3-D only: (k0, k1), the slab's z cells
    port_z: tuple = ()  # 3-D only: (k0, k1), the z cells of the ports' cross-sections

    def __post_init__(self):
        if len(self.shape) not in (2, 3) or (len(self.shape) == 3 and (len(self.slab) != 2 or len(self.port_z) != 2)):
            raise ValueError(
                f"photonic_device.shape must be [nx, ny] (a planar device) or [nx, ny, nz] with slab: [k0, k1] and "
                f"port_z: [k0, k1] (a 3-D slab device); got shape {self.shape}, slab {self.slab}, port_z "
                f"{self.port_z}."
            )
        check_range("cell_size_nm", self.cell_size_nm, low=0, low_open=True)
        check_range("filter_radius", self.filter_radius, low=0)
        if len(self.design) != 4:
            raise ValueError(
                f"photonic_device.design must be [x_min, y_min, x_max, y_max] in cells, got {self.design}."
            )
        if not self.outputs:
            raise ValueError(
                "photonic_device.outputs must name at least one port (see configs/experiment/fdtd_*.yaml)."
            )
        names = {o["name"] for o in self.outputs}
        for name, k in self.targets:
            if name not in names or not 0 <= int(k) < len(self.wavelengths_nm):
                raise ValueError(
                    f"photonic_device.targets entry ({name}, {k}) names no output among {sorted(names)} or no "
                    f"wavelength index in 0..{len(self.wavelengths_nm) - 1}."
                )

    def build(self) -> PlanarDevice | SlabDevice:
        """The :class:`PlanarDevice` (or, in 3-D, the :class:`SlabDevice`) this describes."""
        x0, y0, x1, y1 = (int(v) for v in self.design)
        z_span = tuple(int(v) for v in self.slab) if len(self.shape) == 3 else None
        region = DesignRegion(
            (x0, y0), (x1 - x0, y1 - y0), self.cladding_eps, self.slab_eps, self.filter_radius, z_span=z_span
        )
        common = {
            "shape": tuple(int(v) for v in self.shape),
            "cell_size": self.cell_size_nm * NM,
            "pml_cells": int(self.pml_cells),
            "slab_eps": self.slab_eps,
            "cladding_eps": self.cladding_eps,
            "waveguides": tuple(tuple(int(v) for v in w) for w in self.waveguides),
            "design": region,
            "source": DevicePort(**self.source),
            "outputs": tuple(DevicePort(**o) for o in self.outputs),
            "wavelengths": tuple(w * NM for w in self.wavelengths_nm),
        }
        if z_span is None:
            return PlanarDevice(**common)
        return SlabDevice(slab=z_span, port_z=tuple(int(v) for v in self.port_z), **common)


@dataclass(frozen=True)
class DesignOptimizationSettings:
    """L-BFGS-B stages at ``betas`` of ``iterations_per_stage`` iterations from the density ``initial`` (plus uniform
    noise of ``initial_noise`` drawn with ``seed``: a mirror-symmetric start cannot turn an even mode into an odd one).

    - FDTD ``steps`` per evaluation; 0 picks the pulse plus ``transits`` crossings of the device, long enough for
      the fields to ring down, so that the adjoint gradient (the rung-down DFT's) is also the evaluated objective's.
      The final design is scored by runs 4x and 8x as long as the pulse plus four transits.
    - ``gradient``: ``"adjoint"`` (one adjoint run for all wavelengths, :mod:`solvers.fdtd.adjoint`) or ``"autograd"``
      (reverse mode through the steps, ``checkpoint_every`` steps recomputed in the backward pass).
    - The final spectrum at ``spectrum_points`` wavelengths over ``spectrum_span`` (relative).
    - ``gray_penalty`` ``γ``: in the stages with ``β ≥ gray_penalty_from_beta`` the objective maximised is the mean
      transmission minus ``γ`` times the design's :func:`~solvers.fdtd.design_region.gray_indicator`, so that cells
      parked at the threshold are pushed to 0 or 1 before the final design is thresholded (0: off). The objective
      history then records the penalised value.
    """

    betas: tuple = (4.0, 8.0, 16.0, 32.0)
    iterations_per_stage: int = 10
    initial: float = 0.5
    initial_noise: float = 0.0  # uniform ± noise on the start: breaks mirror symmetry (needed for even → odd modes)
    seed: int = 0
    steps: int = 0
    transits: int = 4
    gradient: str = "adjoint"
    checkpoint_every: int = 100
    spectrum_points: int = 21
    spectrum_span: float = 0.1
    gray_penalty: float = 0.0  # γ: the gray indicator's weight in the sharp stages (Sigmund 2007); 0: off
    gray_penalty_from_beta: float = 64.0

    def __post_init__(self):
        for b in self.betas:
            check_range("betas[i]", b, low=0, low_open=True)
        check_range("iterations_per_stage", self.iterations_per_stage, low=1, integer=True)
        check_range("initial", self.initial, low=0, high=1)
        check_range("initial_noise", self.initial_noise, low=0, high=0.5)
        check_range("steps", self.steps, low=0, integer=True, meaning="0 picks the pulse plus `transits` transits")
        check_range("transits", self.transits, low=1, integer=True)
        check_range("checkpoint_every", self.checkpoint_every, low=0, integer=True)
        if self.gradient not in ("adjoint", "autograd"):
            raise ValueError(
                f"inverse_design.gradient must be 'adjoint' (one adjoint FDTD run for all wavelengths) or 'autograd' "
                f"(reverse mode through every step), got {self.gradient!r}."
            )
        check_range("spectrum_points", self.spectrum_points, low=2, integer=True)
        check_range("spectrum_span", self.spectrum_span, low=0, high=1, low_open=True)
        check_range("gray_penalty", self.gray_penalty, low=0, meaning="0 turns the penalty off")
        check_range("gray_penalty_from_beta", self.gray_penalty_from_beta, low=0, low_open=True)


def initial_design(shape, mean: float, noise: float, seed: int) -> np.ndarray:
    """The start of the optimisation: ``mean`` plus uniform noise in ``±noise`` (seeded), clipped to [0, 1]."""
    rng = np.random.default_rng(seed)
    return np.clip(mean + noise * rng.uniform(-1, 1, shape), 0.0, 1.0)


def run(cfg, out_dir="."):
    """Optimise the device; returns the thresholded design's transmissions, the history and the wall time."""
    spec = settings(cfg.photonic_device, DeviceSettings)
    opt = settings(cfg.inverse_design, DesignOptimizationSettings)
    out, t0 = start_run(cfg, out_dir)
    device = spec.build()
    device.check()
    steps = opt.steps or device.default_steps(opt.transits)
    targets = [(name, int(k)) for name, k in spec.targets]

    def objective(x, beta):
        t = device.transmissions(device.permittivity(x, beta), steps, opt.checkpoint_every, gradient=opt.gradient)
        value = torch.stack([t[name][k] for name, k in targets]).mean()
        if opt.gray_penalty and beta >= opt.gray_penalty_from_beta:
            value = value - opt.gray_penalty * gray_indicator(device.design.density(x, beta))
        return value

    shape = device.design.shape
    bar = tqdm(
        desc="inverse design", unit="evaluation", disable=not cfg.trainer.progress_bar
    )  # no total: L-BFGS-B's line searches decide how many evaluations a stage takes
    hist = optimize_design(
        objective,
        initial_design(shape, opt.initial, opt.initial_noise, opt.seed),
        opt.betas,
        opt.iterations_per_stage,
        callback=lambda n, beta, v: (bar.update(1), bar.set_postfix(beta=beta, objective=f"{v:.4f}")),
    )
    bar.close()
    x = torch.tensor(hist.x)
    with torch.no_grad():  # the final design scored with runs 4x and 8x as long as the optimiser's
        base = opt.steps or device.default_steps()
        final = device.transmissions(device.permittivity(x, float("inf")), 8 * base, 0)
        check = device.transmissions(device.permittivity(x, float("inf")), 4 * base, 0)
        lam0 = np.mean(spec.wavelengths_nm)
        span = np.linspace(1 - opt.spectrum_span / 2, 1 + opt.spectrum_span / 2, opt.spectrum_points) * lam0
        wide = replace(device, wavelengths=tuple(span * NM))
        spectrum = wide.transmissions(
            wide.permittivity(x, float("inf")), 4 * base, 0, bandwidth=1.5 * opt.spectrum_span
        )
    efficiency = {f"T_{name}_{spec.wavelengths_nm[k]:g}nm": float(final[name][k]) for name, k in targets}
    metrics = {
        "objective_thresholded": float(np.mean(list(efficiency.values()))),
        **efficiency,
        "reflection": [float(v) for v in final["reflection"]],
        "dft_convergence": max(float((final[n] - check[n]).abs().max()) for n, _ in targets),
        "objective_last_stage": hist.objective[-1],
        "steps_per_evaluation": steps,
        "objective_history": hist.objective,
        "evaluations": len(hist.objective),
        "recoveries": hist.recoveries,
        "optimization_seconds": hist.seconds,
        "gradient": {
            "adjoint": "one adjoint FDTD run for all wavelengths (solvers.fdtd.adjoint)",
            "autograd": "autograd through the FDTD steps, checkpointed",
        }[opt.gradient],
    }
    (x0, y0, x1, y1) = spec.design
    plot_fields(
        out / "designs.png",
        {f"β = {b:g}": device.design.density(torch.tensor(xs), b).numpy() for b, xs in hist.stage_designs},
        cmap="Greys",
        suptitle="design density after each stage (projected)",
    )
    plot_lines(
        out / "objective.png",
        np.arange(1, len(hist.objective) + 1),
        {"objective": np.array(hist.objective)},
        "evaluation",
        "mean target transmission",
    )
    plot_lines(
        out / "spectrum.png", span, {k: v.numpy() for k, v in spectrum.items()}, "wavelength (nm)", "transmission"
    )
    with torch.no_grad():
        eps_final = device.permittivity(x, float("inf"))
        field_map = device.field(eps_final, device.frequencies[0], 4 * base)
    plane, what = (device.mid_slab, "|E| in the slab") if isinstance(device, SlabDevice) else (0, "|Ez|")
    plot_fields(
        out / "field.png",
        {
            "εr (thresholded design)": eps_final["ez"][..., plane].numpy(),
            f"{what} at {spec.wavelengths_nm[0]:g} nm": field_map,
        },
        cmap="magma",
    )
    np.save(out / "design.npy", hist.x)
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"photonic_device": DeviceSettings, "inverse_design": DesignOptimizationSettings},
    description="topology optimisation of a planar device (ceviche-challenges' specs) through the FDTD",
)

__all__ = ["run", "initial_design", "DeviceSettings", "DesignOptimizationSettings", "EXPERIMENT"]
