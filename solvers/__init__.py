"""solvers: how problems are solved. Imports ``sciml`` and ``physics``.

One folder per method: ``pinn`` (physics-informed networks), ``operators`` (neural operators and the
datasets they train on), ``grid`` (classical grid PDE solvers), ``fdtd`` (Maxwell), ``md`` (molecular
dynamics), ``time_integrators`` (Runge–Kutta tableaux, ETDRK4) and ``reference`` (exact and classical
reference solutions). Each method registers its ``sciml run`` experiments as plug-ins (pyproject.toml).
"""
