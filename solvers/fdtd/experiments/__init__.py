"""FDTD experiments: the radiating dipole and inverse scattering (``sciml run experiment=fdtd_*``)."""
