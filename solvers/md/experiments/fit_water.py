"""``sciml run experiment=md_fit_water``: fit a water-model parameter to a target O–O g(r) by differentiating
through the simulation itself, which OpenMM cannot do.

1. Target: rigid TIP3P (``amber14/tip3p.xml``, OpenMM's Modeller fills a ``edge_nm`` box; reaction-field
   cutoff ``cutoff_nm``) is minimised and run with constrained Langevin at the force field's own value of
   the parameter (or ``target_value``); the O–O g(r) averaged over ``target_steps`` is the target.
2. Fit: from ``init_value``, each iteration decorrelates the current configuration for ``decorrelate_steps``
   at the current value, then runs ``segment_steps`` steps with the graph kept (forces by autograd with
   ``create_graph``, SETTLE, RATTLE and the seeded Langevin noise all differentiable). The loss
   ``mean_r (g(r) − g_target(r))²`` uses the differentiable :func:`~solvers.md.observables.soft_rdf`
   averaged over the segment; its gradient with respect to the parameter flows back through every step
   (DiffTRe's short-trajectory regime; Thaler & Zavadlav, Nat. Commun. 12, 6884, 2021, reweight instead).
   Adam steps the parameter; the answer is the mean of the second half of the iterates (Polyak–Ruppert),
   which averages out the sampling noise of single segments.

Parameters: ``sigma_O`` (nm) or ``epsilon_O`` (kJ/mol), the oxygen's LJ terms. Writes ``fit.png``
(parameter per iteration, target dashed), ``rdf.png`` (target, initial and fitted g(r)), ``history.json`` and
``metrics.json`` (fitted value, target, relative error).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from physics.forcefields import MD
from sciml.checkpoint import atomic_write_text
from sciml.config import check_range, settings
from sciml.plugins import Experiment
from sciml.runs import finish_run, plot_lines, start_run
from solvers.md.biomolecular import BiomolecularSettings, MolecularDynamics, PairList
from solvers.md.integrators import langevin
from solvers.md.minimize_lbfgs import minimize_lbfgs
from solvers.md.observables import soft_rdf
from solvers.md.skin import update_or_reallocate

PARAMETERS = {"sigma_O": "sigma", "epsilon_O": "epsilon"}


@dataclass(frozen=True)
class WaterFitSettings:
    """Box, model and schedule (see the module docstring); lengths nm, times fs, energies kJ/mol."""

    edge_nm: float = 1.9
    cutoff_nm: float = 0.6
    temperature_K: float = 300.0
    dt_fs: float = 2.0
    friction_per_ps: float = 5.0
    parameter: str = "sigma_O"
    target_value: float | None = None
    init_value: float = 0.33
    equilibrate_steps: int = 2000
    target_steps: int = 4000
    sample_every: int = 10
    iterations: int = 40
    decorrelate_steps: int = 100
    segment_steps: int = 40
    learning_rate: float = 0.01
    r_min_nm: float = 0.22
    r_max_nm: float = 0.8
    bins: int = 60
    kernel_width_nm: float = 0.01

    def __post_init__(self):
        if self.parameter not in PARAMETERS:
            raise ValueError(f"water_fit.parameter = {self.parameter!r}; choose one of {list(PARAMETERS)}.")
        for key in ("edge_nm", "cutoff_nm", "temperature_K", "dt_fs", "friction_per_ps", "init_value"):
            check_range(key, getattr(self, key), low=0, low_open=True)
        for key in ("target_steps", "sample_every", "iterations", "segment_steps", "bins"):
            check_range(key, getattr(self, key), low=1, integer=True)
        for key in ("equilibrate_steps", "decorrelate_steps"):
            check_range(key, getattr(self, key), low=0, integer=True)
        check_range("learning_rate", self.learning_rate, low=0, high=0.5, low_open=True, meaning="relative step")
        if not 0 < self.r_min_nm < self.r_max_nm <= self.edge_nm / 2:
            raise ValueError(
                f"need 0 < r_min_nm < r_max_nm ≤ edge_nm/2; got {self.r_min_nm}, {self.r_max_nm}, {self.edge_nm}."
            )


def water_box(p: WaterFitSettings):
    """``(system, positions)``: rigid TIP3P in a cubic box of ``edge_nm`` with a reaction-field cutoff.

    The cut-off is made smooth so that trajectories are differentiable in the parameters everywhere: LJ is
    switched off over the last 0.1 nm, and the reaction field is conducting (ε_RF → ∞, here 1e10), whose
    Coulomb force vanishes at the cutoff. With OpenMM's default ε_RF = 78.3 the force jumps by 2 % at the
    cutoff, and a pair crossing it during a segment changes the trajectory in a way autograd cannot see."""
    import openmm as mm
    import openmm.app as app
    import openmm.unit as unit

    from physics.forcefields.biomolecular import from_openmm

    ff = app.ForceField("amber14/tip3p.xml")
    model = app.Modeller(app.Topology(), [])
    edge = mm.Vec3(p.edge_nm, p.edge_nm, p.edge_nm) * unit.nanometer
    model.addSolvent(ff, model="tip3p", boxSize=edge)
    omm = ff.createSystem(
        model.topology,
        nonbondedMethod=app.CutoffPeriodic,
        nonbondedCutoff=p.cutoff_nm * unit.nanometer,
        rigidWater=True,
        useDispersionCorrection=False,  # a constant at fixed volume: no effect on the dynamics or g(r)
        switchDistance=(p.cutoff_nm - 0.1) * unit.nanometer,
    )
    for force in omm.getForces():
        if isinstance(force, mm.NonbondedForce):
            force.setReactionFieldDielectric(1e10)
    R = torch.tensor(model.positions.value_in_unit(unit.nanometer), dtype=torch.float64)
    return from_openmm(omm, model.topology), R


def with_parameter(system, parameter: str, value):
    """``system`` with the oxygen's LJ ``σ`` or ``ε`` set to ``value`` (a tensor keeps the autograd link)."""
    oxygen = torch.tensor([a.element == "O" for a in system.atoms])
    field = PARAMETERS[parameter]
    column = torch.where(oxygen, value, getattr(system.particles, field))
    return dataclasses.replace(system, particles=dataclasses.replace(system.particles, **{field: column}))


def segment_rdf(system, parameter, value, state, p: WaterFitSettings, seed: int, r, oxygens, every: int = 5):
    """Mean soft g(r) ``[K]`` over a ``segment_steps`` Langevin segment from ``state`` with the graph kept, so
    it is differentiable in ``value`` (a 0-d tensor that requires grad)."""
    varied = with_parameter(system, parameter, value)
    md = MolecularDynamics.build(varied, _md_settings(p))
    built = md.neighbors.allocate(state.R)
    pairs = PairList.of(built).pairs
    init, step = langevin(
        lambda R, **kw: md.energy(R, **kw),
        p.dt_fs / 1000,
        MD.kT(p.temperature_K),
        p.friction_per_ps,
        box=varied.box,
        seed=seed,
        differentiable=True,
        constraints=md.constraints,
    )
    s = init(state.R.detach(), state.V.detach(), mass=state.mass, pairs=pairs)
    total, count = 0.0, 0
    for k in range(1, p.segment_steps + 1):
        # the Verlet list follows the atoms; which pairs are listed is not differentiated, and the smooth cutoff
        # makes the energy independent of pairs beyond it
        fresh = update_or_reallocate(md.neighbors, s.R.detach(), built)
        if fresh is not built:
            built, pairs = fresh, PairList.of(fresh).pairs
        s = step(s, pairs=pairs)
        if k % every == 0:
            total = total + soft_rdf(s.R, varied.box, oxygens, r, p.kernel_width_nm)
            count += 1
    return total / count


def _md_settings(p: WaterFitSettings) -> BiomolecularSettings:
    return BiomolecularSettings(
        dt_ps=p.dt_fs / 1000, temperature_K=p.temperature_K, friction_per_ps=p.friction_per_ps, skin_nm=0.2
    )


def sample_rdf(system, state, pairs, p: WaterFitSettings, steps: int, r, oxygens, seed: int):
    """``(mean soft g(r), state, pairs)`` over ``steps`` steps at the system's own parameters (no graph)."""
    md = MolecularDynamics.build(system, _md_settings(p), seed=seed)
    total, count = torch.zeros_like(r), 0
    while count * p.sample_every < steps:
        state, pairs = md.advance(state, pairs, p.sample_every)
        with torch.no_grad():
            total += soft_rdf(state.R, system.box, oxygens, r, p.kernel_width_nm)
        count += 1
    return total / count, state, pairs


def run(cfg, out_dir="."):
    """Target g(r), then Adam on the parameter with gradients through simulation segments."""
    p = settings(cfg.water_fit, WaterFitSettings)
    out, t0 = start_run(cfg, out_dir)
    seed = int(cfg.seed)
    system, R = water_box(p)
    field = PARAMETERS[p.parameter]
    oxygens = torch.tensor([k for k, a in enumerate(system.atoms) if a.element == "O"])
    own = float(getattr(system.particles, field)[oxygens[0]])
    target = own if p.target_value is None else p.target_value
    target_system = with_parameter(system, p.parameter, torch.tensor(target, dtype=torch.float64))
    r = torch.linspace(p.r_min_nm, p.r_max_nm, p.bins, dtype=torch.float64)

    md = MolecularDynamics.build(target_system, _md_settings(p), seed=seed)
    R = minimize_lbfgs(
        lambda X: md.energy(X),
        R,
        force_tolerance=50.0,
        max_iterations=200,
        constraints=md.constraints,
        mass=system.masses,
        box=system.box,
    ).R
    state, pairs = md.start(R, seed=seed)
    state, pairs = md.advance(state, pairs, p.equilibrate_steps)
    g_target, state, pairs = sample_rdf(target_system, state, pairs, p, p.target_steps, r, oxygens, seed)

    value = torch.tensor(p.init_value, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([value], lr=p.learning_rate * p.init_value)
    history = {"value": [], "loss": []}
    g_initial = None
    bar = tqdm(range(p.iterations), desc="fit through MD", disable=not cfg.trainer.progress_bar)
    for it in bar:
        current = with_parameter(system, p.parameter, value.detach())
        state, pairs = MolecularDynamics.build(current, _md_settings(p), seed=seed + it).advance(
            state, pairs, p.decorrelate_steps
        )
        g = segment_rdf(system, p.parameter, value, state, p, seed + 10_000 + it, r, oxygens)
        loss = ((g - g_target) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        if not torch.isfinite(value.grad):
            raise FloatingPointError(f"the gradient through the simulation is not finite at iteration {it}.")
        optimizer.step()
        g_initial = g.detach() if g_initial is None else g_initial
        history["value"].append(float(value.detach()))
        history["loss"].append(float(loss.detach()))
        bar.set_postfix(value=f"{history['value'][-1]:.5g}", loss=f"{history['loss'][-1]:.3g}", refresh=False)
    fitted = float(np.mean(history["value"][len(history["value"]) // 2 :]))
    fitted_system = with_parameter(system, p.parameter, torch.tensor(fitted, dtype=torch.float64))
    g_fitted, _, _ = sample_rdf(fitted_system, state, pairs, p, p.target_steps, r, oxygens, seed + 1)

    iters = np.arange(1, p.iterations + 1)
    plot_lines(
        out / "fit.png",
        iters,
        {p.parameter: history["value"], "target": [target] * len(iters)},
        "iteration",
        p.parameter,
    )
    plot_lines(
        out / "rdf.png",
        r.numpy(),
        {"target": g_target.numpy(), "initial": g_initial.numpy(), "fitted": g_fitted.numpy()},
        "r (nm)",
        "g_OO(r)",
    )
    atomic_write_text(out / "history.json", json.dumps(history, indent=1))
    metrics = {
        "parameter": p.parameter,
        "target_value": target,
        "initial_value": p.init_value,
        "fitted_value": fitted,
        "relative_error": abs(fitted - target) / abs(target),
        "initial_relative_error": abs(p.init_value - target) / abs(target),
        "rdf_rms_fitted": float(((g_fitted - g_target) ** 2).mean().sqrt()),
        "rdf_rms_initial": float(((g_initial - g_target) ** 2).mean().sqrt()),
        "waters": len(oxygens),
    }
    return finish_run(out, cfg, t0, metrics)


EXPERIMENT = Experiment(
    run=run,
    nodes={"water_fit": WaterFitSettings},
    description="fit TIP3P's oxygen sigma (or epsilon) to a target O-O g(r), gradients through the simulation",
)
