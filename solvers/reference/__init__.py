"""Classical reference solutions that PINNs and operators are judged against.

The names below load their module on first use (PEP 562), so a run that needs one reference (the default
Burgers run: Cole–Hopf, numpy only) does not import scipy's sparse solvers and the FDTD solver for the others
before its first training step.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Two functions share their module's name. Importing a submodule binds it on this package, which would hide
# such a function from the lazy lookup below, so these two light modules (numpy and torch only) load now.
from solvers.reference.allen_cahn_spectral import AllenCahnSpectral, allen_cahn_spectral
from solvers.reference.burgers_cole_hopf import BurgersColeHopf, burgers_cole_hopf, burgers_observations

_WHERE = {
    "CavityReference": "cavity_reference",
    "CylinderWakeReference": "cylinder_wake_reference",
    "ExactSolution": "exact",
    "boundary_nodes": "fem_poisson_p1",
    "lshape_mesh": "fem_poisson_p1",
    "solve_poisson_p1": "fem_poisson_p1",
    "LShapeFEMReference": "lshape_fem",
    "lamellar_grating_orders": "lamellar_grating_rcwa",
    "MaxwellFDTDReference": "maxwell_fdtd_reference",
    "point_source_fields": "maxwell_point_source_exact",
    "StarState": "riemann_exact",
    "star_state": "riemann_exact",
    "riemann_sample": "riemann_exact",
}
_RENAMED = {"riemann_sample": "sample"}

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from solvers.reference.cavity_reference import CavityReference
    from solvers.reference.cylinder_wake_reference import CylinderWakeReference
    from solvers.reference.exact import ExactSolution
    from solvers.reference.fem_poisson_p1 import boundary_nodes, lshape_mesh, solve_poisson_p1
    from solvers.reference.lamellar_grating_rcwa import lamellar_grating_orders
    from solvers.reference.lshape_fem import LShapeFEMReference
    from solvers.reference.maxwell_fdtd_reference import MaxwellFDTDReference
    from solvers.reference.maxwell_point_source_exact import point_source_fields
    from solvers.reference.riemann_exact import StarState, star_state
    from solvers.reference.riemann_exact import sample as riemann_sample


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'solvers.reference' has no attribute {name!r}; it exports {sorted(__all__)}.")
    value = getattr(importlib.import_module(f"solvers.reference.{module}"), _RENAMED.get(name, name))
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = [
    "MaxwellFDTDReference",
    "point_source_fields",
    "CylinderWakeReference",
    "CavityReference",
    "AllenCahnSpectral",
    "allen_cahn_spectral",
    "ExactSolution",
    "BurgersColeHopf",
    "burgers_cole_hopf",
    "burgers_observations",
    "StarState",
    "star_state",
    "riemann_sample",
    "LShapeFEMReference",
    "lshape_mesh",
    "solve_poisson_p1",
    "boundary_nodes",
    "lamellar_grating_orders",
]
