"""Trajectory files that ASE, OVITO and MDAnalysis open: extended XYZ and H5MD; ASE interop.

- :class:`ExtXYZWriter` appends frames (``Lattice``, ``Properties=species:S:1:pos:R:3:vel:R:3``,
  ``energy``, ``step``, ``time``) to a ``.xyz`` file; each frame is written whole and flushed.
- :class:`H5MDWriter` writes the H5MD 1.1 layout (de Buyl et al. 2014, *Comput. Phys. Commun.*
  185:1546): ``/h5md`` (version, creator), ``/particles/all/{position,velocity,species}`` with
  ``step``/``time``/``value`` datasets and ``/particles/all/box`` (``dimension``, ``boundary``,
  ``edges``), and ``/observables/potential_energy``. It writes to ``<name>.partial`` and renames on
  :meth:`close`, so a crashed run never leaves a file that looks complete.
- :func:`from_ase` turns an ``ase.Atoms`` into ``(R, box, masses, symbols)``; :class:`SciMLCalculator`
  wraps one of our energy functions as an ASE calculator (energy, forces, stress).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch


class ExtXYZWriter:
    """Extended-XYZ trajectory writer (readable by ASE and OVITO): one frame per :meth:`append`."""

    def __init__(self, path, symbols, box=None):
        self.path, self.symbols = Path(path), list(symbols)
        self.box = None if box is None else np.asarray(torch.as_tensor(box).detach().cpu(), float)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "w")

    def append(self, R, V=None, energy=None, step: int = 0, time: float = 0.0) -> None:
        """Write one frame of positions ``[N, 3]`` (velocities and energy optional)."""
        R = np.asarray(torch.as_tensor(R).detach().cpu(), float)
        V = None if V is None else np.asarray(torch.as_tensor(V).detach().cpu(), float)
        props = "species:S:1:pos:R:3" + (":vel:R:3" if V is not None else "")
        head = [f"Properties={props}", f"step={step}", f"time={time:.10g}"]
        if self.box is not None:
            L = self.box
            head.insert(0, f'Lattice="{L[0]:.10g} 0 0 0 {L[1]:.10g} 0 0 0 {L[2]:.10g}" pbc="T T T"')
        if energy is not None:
            head.append(f"energy={float(energy):.12g}")
        lines = [str(len(R)), " ".join(head)]
        for k, (s, r) in enumerate(zip(self.symbols, R)):
            row = f"{s} {r[0]:.10f} {r[1]:.10f} {r[2]:.10f}"
            if V is not None:
                row += f" {V[k, 0]:.10f} {V[k, 1]:.10f} {V[k, 2]:.10f}"
            lines.append(row)
        self._f.write("\n".join(lines) + "\n")
        self._f.flush()

    def close(self) -> None:
        """Close the file."""
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class H5MDWriter:
    """H5MD trajectory writer (MDAnalysis, VMD): positions, velocities, energies; ``.partial`` until closed."""

    def __init__(self, path, symbols, box=None, creator: str = "sciml"):
        import h5py

        import sciml

        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.f = h5py.File(self.partial, "w")
        h = self.f.create_group("h5md")
        h.attrs["version"] = np.array([1, 1])
        c = h.create_group("creator")
        c.attrs["name"], c.attrs["version"] = creator, sciml.__version__
        self.n = len(symbols)
        part = self.f.create_group("particles/all")
        b = part.create_group("box")
        b.attrs["dimension"] = 3
        if box is None:
            b.attrs["boundary"] = np.array([b"none"] * 3)
        else:
            b.attrs["boundary"] = np.array([b"periodic"] * 3)
            b.create_dataset("edges", data=np.asarray(torch.as_tensor(box).detach().cpu(), float))
        names = sorted(set(symbols))
        part.create_dataset("species", data=np.array([names.index(s) for s in symbols], dtype=np.int32))
        part["species"].attrs["names"] = np.array([s.encode() for s in names])
        self.groups = {}
        for name, shape, where in (
            ("position", (self.n, 3), part),
            ("velocity", (self.n, 3), part),
            ("potential_energy", (), self.f.require_group("observables")),
        ):
            g = where.create_group(name)
            g.create_dataset("step", shape=(0,), maxshape=(None,), dtype=np.int64)
            g.create_dataset("time", shape=(0,), maxshape=(None,), dtype=np.float64)
            g.create_dataset(
                "value",
                shape=(0, *shape),
                maxshape=(None, *shape),
                dtype=np.float64,
                chunks=(1, *shape) if shape else (256,),
            )
            self.groups[name] = g

    def append(self, R, V=None, energy=None, step: int = 0, time: float = 0.0) -> None:
        """Write one frame of positions ``[N, 3]`` (velocities and energy optional)."""
        for name, val in (("position", R), ("velocity", V), ("potential_energy", energy)):
            if val is None:
                continue
            g = self.groups[name]
            k = g["step"].shape[0]
            for ds, x in (
                ("step", step),
                ("time", time),
                ("value", np.asarray(torch.as_tensor(val).detach().cpu(), float)),
            ):
                g[ds].resize(k + 1, axis=0)
                g[ds][k] = x

    def close(self) -> None:
        """Close the file and rename it from ``.partial`` to its name."""
        if self.f:
            self.f.close()
            self.f = None
            os.replace(self.partial, self.path)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.close()
        elif self.f:
            self.f.close()
            self.f = None  # leave the .partial file: incomplete by name


def from_ase(atoms, dtype=torch.float64):
    """``ase.Atoms`` → ``(R [N, 3], box [3] or None, masses [N], symbols)`` (orthorhombic cells only)."""
    cell = np.asarray(atoms.cell.array, float)
    box = None
    if atoms.pbc.any():
        if not atoms.pbc.all() or np.abs(cell - np.diag(np.diag(cell))).max() > 1e-12:
            raise ValueError(
                "only fully periodic orthorhombic cells (or no periodicity) are supported; "
                f"got pbc={atoms.pbc.tolist()} and cell {cell.tolist()}."
            )
        box = torch.tensor(np.diag(cell), dtype=dtype)
    return (
        torch.tensor(atoms.get_positions(), dtype=dtype),
        box,
        torch.tensor(atoms.get_masses(), dtype=dtype),
        atoms.get_chemical_symbols(),
    )


def ase_calculator(energy_fn, box=None):
    """An ASE calculator (energy, forces, stress) from one of our energy functions ``U(R, box=..., strain=...)``."""
    from ase.calculators.calculator import Calculator, all_changes

    from physics.forcefields.quantities import energy_and_forces, virial_stress

    class SciMLCalculator(Calculator):
        implemented_properties = ["energy", "forces", "stress"]

        def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
            super().calculate(atoms, properties, system_changes)
            R, b, _, _ = from_ase(self.atoms)
            b = b if b is not None else box
            e, f = energy_and_forces(energy_fn, R, box=b)
            self.results = {"energy": float(e), "forces": f.numpy()}
            if b is not None:
                s = virial_stress(energy_fn, R, b).numpy()
                self.results["stress"] = np.array([s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]])

    return SciMLCalculator()
