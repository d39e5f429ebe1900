"""Grid solvers for PDEs: each folder is one equation, with its schemes and its ``sciml run`` experiment.

``burgers`` (spectral, finite difference), ``cavity`` (projection on a staggered grid), ``darcy``
(finite volume), ``diffusion`` (explicit, implicit, Fourier), ``euler`` (WENO5 + HLLC/Roe/HLLE) and
``navier_stokes`` (pseudo-spectral vorticity, penalised cylinder wake).
"""
