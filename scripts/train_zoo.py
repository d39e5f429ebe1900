"""Train (or package) every ModelZoo entry from its shipped config and write its card.

    python scripts/train_zoo.py                      # package existing runs under benchmarks/runs, train the missing
    python scripts/train_zoo.py --retrain            # retrain every entry from scratch, then package
    python scripts/train_zoo.py --only darcy_fno     # one entry

Each entry is ``sciml run experiment=<experiment>`` with the shipped config; the run folder is
``benchmarks/runs/<group>/<experiment>``. Packaging (``solvers/zoo_packaging.py``) copies the resolved
config and the final weights into ``sciml/zoo/entries/<name>/``, stores the evaluation reference, and
re-evaluates the packaged files to write the card's metrics. This is how the shipped weights were made.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIT = "MIT (weights and card); trained by the sciml authors on data from sciml's own solvers"
MAXWELL = dict(  # what the two Maxwell PINN entries share
    kind="pinn",
    group="pinn_suite",
    equations="∂Ex/∂t = ∂Hz/∂y, ∂Ey/∂t = −∂Hz/∂x, ∂Hz/∂t = −(∂Ey/∂x − ∂Ex/∂y) − M; zero initial fields; Mur",
    domain="trained on [−0.3, 1.3]² × t ∈ [0, 1] (c = 1; Mur on the outer edge), valid on [0, 1]² (open domain)",
    architecture="MLP 3→48×4 (sin)→(Ex, Ey, Hz), u = t·N",
    metric_reference="FDTD (relative L2 per component)",
    citation="MindElec point-source Maxwell example (REFERENCES.md)",
)
ENTRIES = [
    dict(
        name="burgers_pinn",
        kind="pinn",
        experiment="burgers_pinn",
        group="pinn_suite",
        problem="Viscous Burgers' equation, the standard PINN benchmark.",
        equations="u_t + u u_x = ν u_xx, ν = 0.01/π, u(x,0) = −sin(πx), u(±1,t) = 0 (hard constraints)",
        domain="x ∈ [−1, 1], t ∈ [0, 1]",
        data="collocation only; reference: exact Cole–Hopf solution on 256 × 100",
        architecture="MLP 2→32×4 (tanh)→1, Taylor-mode derivatives",
        metric_reference="Cole–Hopf exact solution",
        citation="Raissi, Perdikaris & Karniadakis, J. Comput. Phys. 378:686 (2019)",
    ),
    dict(
        name="poisson_disk_pinn",
        kind="pinn",
        experiment="poisson_disk",
        group="pinn_suite",
        problem="Poisson's equation on the unit disk with a manufactured solution (MindFlow's disk geometry).",
        equations="−Δu = f, u = sin πx sin πy + x² − y, Dirichlet data on the circle",
        domain="disk of radius 1 centred at the origin",
        data="collocation only; reference: exact solution (Sobol points)",
        architecture="MLP 2→32×3 (tanh)→1",
        metric_reference="exact solution",
        citation="MindFlow Poisson example; sciml manufactured solution",
    ),
    dict(
        name="darcy_pinn",
        kind="pinn",
        experiment="darcy_pinn",
        group="pinn_suite",
        problem="Darcy flow in mixed form (MindFlow's Darcy case).",
        equations="u + ∇p = 0, ∇·u = 8π² sin(2πx) cos(2πy); p = sin(2πx) cos(2πy)",
        domain="[0, 1]²",
        data="collocation only; reference: exact (u, p)",
        architecture="MLP 2→(u, v, p)",
        metric_reference="exact solution",
        citation="MindFlow Darcy example (REFERENCES.md)",
    ),
    dict(
        name="cavity_re100_pinn",
        kind="pinn",
        experiment="cavity_re100_pinn",
        group="pinn_suite",
        problem="Lid-driven cavity at Re = 100 (steady incompressible Navier–Stokes).",
        equations="(u·∇)u + ∇p − Δu/Re = 0, ∇·u = 0; lid u = 1 at y = 1, no slip elsewhere (soft)",
        domain="[0, 1]²",
        data="collocation only; reference: sciml's MAC projection solver at 64² (u, v), Ghia's table",
        architecture="MLP 2→50×5 (tanh)→(u, v, p)",
        metric_reference="MAC solver (rel. L2 of u, v); Ghia et al. 1982 centreline",
        citation="Ghia, Ghia & Shin, J. Comput. Phys. 48:387 (1982)",
    ),
    dict(
        name="maxwell2d_pinn",
        experiment="maxwell2d_pinn",
        problem="Time-domain 2-D Maxwell (TE) with a smoothed point source (MindElec's case, normalised units).",
        data="collocation only; reference: sciml's FDTD (CPML, 200 cells/unit; 0.12 % from the exact solution)",
        **MAXWELL,
    ),
    dict(
        name="maxwell2d_pinn_sharp",
        experiment="maxwell2d_pinn_sharp",
        problem="Time-domain 2-D Maxwell (TE) with a sharp point source (width 0.03, f = 3; closer to MindElec's "
        "case).",
        data="collocation only (4000 of them around the source); reference: sciml's FDTD (CPML, 200 cells/unit)",
        **MAXWELL,
    ),
    dict(
        name="darcy_fno",
        kind="operator",
        experiment="fno_darcy",
        group="operators",
        problem="Darcy flow: permeability field → pressure (FNO).",
        equations="−∇·(a ∇u) = 1 on [0,1]², u = 0 on the boundary",
        domain="85² grid",
        data="1000 train / 200 test samples from sciml's finite-volume solver (thresholded GRF a)",
        architecture="FNO-2D, modes 12, width 32, 4 layers",
        metric_reference="held-out test set (relative L2)",
        citation="Li et al., Fourier Neural Operator, ICLR 2021",
    ),
    dict(
        name="burgers_fno",
        kind="operator",
        experiment="fno_burgers",
        group="operators",
        problem="Burgers' equation ν = 0.1: u(·,0) → u(·,1) (FNO).",
        equations="u_t + (u²/2)_x = 0.1 u_xx, periodic on [0, 1)",
        domain="1024 points",
        data="1000 train / 200 test samples from sciml's ETDRK4 spectral solver (GRF initial data)",
        architecture="FNO-1D, modes 16, width 64",
        metric_reference="held-out test set (relative L2)",
        citation="Li et al., Fourier Neural Operator, ICLR 2021",
    ),
    dict(
        name="ns2d_fno",
        kind="operator",
        experiment="fno_ns2d",
        group="operators",
        problem="2-D Navier–Stokes vorticity, ν = 1e-3: 10 frames → next frame (FNO), rolled out autoregressively.",
        equations="ω_t + u·∇ω = ν Δω + f, ∇·u = 0, periodic",
        domain="64² grid, T = 50",
        data="160 train / 40 test trajectories from sciml's pseudo-spectral solver",
        architecture="FNO-2D on a 10-frame window",
        metric_reference="held-out trajectories (one-step and rollout relative L2)",
        citation="Li et al., Fourier Neural Operator, ICLR 2021",
    ),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--retrain", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--runs", default="benchmarks/runs")
    args = ap.parse_args()
    from sciml.zoo.packaging import package

    for spec in ENTRIES:
        if args.only and spec["name"] not in args.only.split(","):
            continue
        run_dir = ROOT / args.runs / spec["group"] / spec["experiment"]
        command = f"sciml run experiment={spec['experiment']}"
        if args.retrain or not (run_dir / "metrics.json").exists():
            print("+", command, flush=True)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sciml.cli.main",
                    "run",
                    f"experiment={spec['experiment']}",
                    f"hydra.run.dir={run_dir}",
                    "trainer.progress_bar=false",
                    "trainer.tensorboard=false",
                ],
                cwd=ROOT,
                check=True,
            )
        card = package({**spec, "command": command, "licence": MIT}, run_dir)
        print(f"{spec['name']}: {card['metrics']}", flush=True)


if __name__ == "__main__":
    main()
