"""Finite-difference time-domain Maxwell solver (Yee scheme, CPML), differentiable end to end."""

from solvers.fdtd.adjoint import dft_with_adjoint
from solvers.fdtd.cpml import CPMLParameters, reflection_db
from solvers.fdtd.cross_section_modes import VectorMode, vector_modes
from solvers.fdtd.dipole_power import dipole_power, source_current, source_monitor
from solvers.fdtd.grid import YeeGrid
from solvers.fdtd.harmonic_inversion import Resonance, harmonic_inversion
from solvers.fdtd.layered_stack import oblique_stack_response
from solvers.fdtd.mode_ports import ModePort, check_ports
from solvers.fdtd.mode_ports_3d import ModePort3D
from solvers.fdtd.modes import WaveguideMode, waveguide_modes
from solvers.fdtd.monitors import DFTMonitor, Probe, Snapshots, poynting_flux, resonances, s_parameters
from solvers.fdtd.native_step import NativeStepper, native_step_unsupported
from solvers.fdtd.near_to_far import NearToFarBox
from solvers.fdtd.near_to_far_3d import NearToFarBox3D, sphere_quadrature, spherical_components
from solvers.fdtd.periodic_response import bloch_line_source, periodic_response
from solvers.fdtd.rasterize import rasterize
from solvers.fdtd.simulation import RunResult, run
from solvers.fdtd.yee import Coefficients, FDTDState, coefficients, divergence_b, energy, init_state, step

__all__ = [
    "YeeGrid",
    "CPMLParameters",
    "Coefficients",
    "FDTDState",
    "coefficients",
    "init_state",
    "step",
    "NativeStepper",
    "native_step_unsupported",
    "energy",
    "divergence_b",
    "run",
    "RunResult",
    "dft_with_adjoint",
    "Probe",
    "DFTMonitor",
    "Snapshots",
    "poynting_flux",
    "resonances",
    "s_parameters",
    "reflection_db",
    "rasterize",
    "harmonic_inversion",
    "Resonance",
    "waveguide_modes",
    "WaveguideMode",
    "vector_modes",
    "VectorMode",
    "ModePort",
    "ModePort3D",
    "check_ports",
    "NearToFarBox",
    "NearToFarBox3D",
    "sphere_quadrature",
    "spherical_components",
    "dipole_power",
    "source_current",
    "source_monitor",
    "oblique_stack_response",
    "periodic_response",
    "bloch_line_source",
]
