"""Inverse problems: unknown PDE coefficients as trainable parameters, fitted to observations.

Observations come from a CSV file (a header row naming the columns) or an HDF5 file (one
1-D dataset per column); the columns are the problem's inputs and some of its outputs. The
data term ``mean((u(x_obs) − u_obs)²)`` joins the PDE residual, and each unknown coefficient
(``positive`` ones parametrised as ``exp(θ)``) is optimised with the network. Errors in the
file (missing columns, NaNs, no rows) are reported with the file, column and row before
training starts.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class Observations:
    """Points ``x [N, D]`` and observed outputs ``y [N, K]`` for the named ``outputs``."""

    x: Tensor
    y: Tensor
    outputs: tuple[str, ...]
    source: str = ""

    def to(self, problem, device, dtype) -> Observations:
        """These observations on ``device``/``dtype``, checked against ``problem``'s output names."""
        bad = [o for o in self.outputs if o not in problem.output_names]
        if bad:
            raise ValueError(f"observed outputs {bad} are not outputs of {problem!r} {problem.output_names}.")
        return Observations(self.x.to(device, dtype), self.y.to(device, dtype), self.outputs, self.source)


def load_observations(
    path: str | os.PathLike, inputs: Sequence[str], outputs: Sequence[str], device=None, dtype=torch.float32
) -> Observations:
    """Read ``inputs`` + ``outputs`` columns from a ``.csv`` or ``.h5``/``.hdf5`` file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"observation file {path} does not exist.")
    cols: dict[str, np.ndarray] = {}
    if path.suffix.lower() == ".csv":
        try:
            table = np.genfromtxt(path, delimiter=",", names=True, dtype=float, encoding="utf-8")
        except ValueError as err:
            raise ValueError(f"observation file {path} is not a numeric CSV with a header row: {err}") from err
        if table.dtype.names is None:
            raise ValueError(f"observation file {path} has no header row naming its columns.")
        cols = {n: np.atleast_1d(table[n]) for n in table.dtype.names}
    elif path.suffix.lower() in (".h5", ".hdf5"):
        import h5py

        with h5py.File(path, "r") as f:
            cols = {
                k: np.asarray(f[k][()], dtype=float).reshape(-1) for k in f.keys() if isinstance(f[k], h5py.Dataset)
            }
    else:
        raise ValueError(f"observation file {path}: unsupported type {path.suffix!r}; use .csv or .h5.")
    need = list(inputs) + list(outputs)
    missing = [c for c in need if c not in cols]
    if missing:
        raise ValueError(
            f"observation file {path} lacks columns {missing}; it has {sorted(cols)}, and this problem "
            f"needs inputs {list(inputs)} and outputs {list(outputs)}."
        )
    n = {len(cols[c]) for c in need}
    if len(n) != 1:
        raise ValueError(f"observation file {path}: columns have different lengths {sorted(n)}.")
    if n.pop() == 0:
        raise ValueError(f"observation file {path} has no rows.")
    for c in need:
        bad = np.nonzero(~np.isfinite(cols[c]))[0]
        if len(bad):
            raise ValueError(
                f"observation file {path}: column {c!r} has NaN/Inf at row {int(bad[0]) + 1} "
                f"({len(bad)} bad values). Remove or fill those rows."
            )
    as_t = lambda names: torch.as_tensor(np.stack([cols[c] for c in names], 1), dtype=dtype, device=device)
    return Observations(as_t(inputs), as_t(outputs), tuple(outputs), str(path))


class Unknowns(nn.Module):
    """Trainable scalar coefficients; ``positive`` ones are ``exp(θ)`` (never change sign)."""

    def __init__(self, spec: dict[str, dict]):
        super().__init__()
        self.positive = {k: bool(v.get("positive", True)) for k, v in spec.items()}
        self.raw = nn.ParameterDict()
        for name, v in spec.items():
            init = float(v["initial"])
            if self.positive[name] and not init > 0:
                raise ValueError(f"unknown {name!r} is positive but its initial value is {init}.")
            self.raw[name] = nn.Parameter(torch.tensor(math.log(init) if self.positive[name] else init))

    def values(self) -> dict[str, Tensor]:
        """Current coefficient values by name (``exp(θ)`` for positive ones)."""
        return {k: (p.exp() if self.positive[k] else p) for k, p in self.raw.items()}


class TrainableSet(nn.Module):
    """What the optimiser sees in an inverse run: the network and the unknown coefficients."""

    def __init__(self, network: nn.Module, unknowns: Unknowns):
        super().__init__()
        self.network, self.unknowns = network, unknowns


@dataclass(frozen=True)
class InverseSettings:
    """The ``inverse`` config node: observations and the unknown coefficients.

    ``unknowns`` maps a coefficient of the problem to ``{initial, positive (default true), true_value (optional,
    for the reported error)}``; ``outputs`` names the observed outputs (default: all of the problem's).
    Observations come from ``observations`` (a CSV or HDF5 file, which must exist unless
    ``generate_if_missing``) or, when it is null, from ``default_observations``, which ``generator`` (a
    ``_target_`` node called with ``path=``) writes if it is missing. A misspelt path therefore fails, naming
    the path, instead of inventing data.
    """

    unknowns: dict = field(default_factory=dict)
    observations: str | None = None
    default_observations: str | None = None
    generate_if_missing: bool = False
    generator: dict | None = None
    outputs: tuple[str, ...] | None = None

    def __post_init__(self):
        for name, spec in self.unknowns.items():
            if not isinstance(spec, dict) or "initial" not in spec:
                raise ValueError(
                    f"unknowns.{name} must be {{initial: value, positive: true|false, true_value: ...}}, got {spec!r}."
                )
            extra = set(spec) - {"initial", "positive", "true_value"}
            if extra:
                raise ValueError(
                    f"unknowns.{name} has unknown keys {sorted(extra)}; valid: initial, positive, true_value."
                )
        if self.observations is None and self.default_observations is None:
            raise ValueError(
                "inverse.observations names no file (and there is no default_observations); set "
                "inverse.observations=PATH to a CSV or HDF5 file of the observed columns."
            )
        if self.generator is not None and "_target_" not in self.generator:
            raise ValueError(
                f"inverse.generator needs a _target_ naming a registered observation generator, got {self.generator!r}."
            )


def ensure_observations(spec: InverseSettings) -> Path:
    """The observation file of an ``inverse`` node; generated only where the settings allow (see the class doc)."""
    from sciml.config import instantiate, launch_path

    chosen = spec.observations if spec.observations is not None else spec.default_observations
    path = launch_path(chosen)
    if path.exists():
        return path
    allowed = spec.observations is None or spec.generate_if_missing
    if not allowed:
        raise FileNotFoundError(
            f"observation file {path} (inverse.observations) does not exist. Check the path, or "
            "pass inverse.generate_if_missing=true to generate synthetic observations there."
        )
    if spec.generator is None:
        raise FileNotFoundError(f"observation file {path} does not exist and inverse.generator is not set.")
    instantiate(spec.generator, "inverse.generator", path=str(path))
    if not path.exists():
        raise FileNotFoundError(f"inverse.generator ran but wrote no {path}.")
    return path
