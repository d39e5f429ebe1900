"""MD experiments: Lennard-Jones fluid (NVE/NVT), NaCl crystal, and the relative-entropy LJ fit."""
