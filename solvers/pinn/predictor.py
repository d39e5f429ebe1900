"""A trained PINN as a function: ``predict`` fields at points and ``evaluate`` them against a reference.

:class:`FieldPredictor` holds the problem (for its input and output names), the network wrapped in
the problem's hard-constraint transform, and the device and dtype. It needs no collocation points,
so a zoo entry or a finished run is rebuilt as one without drawing a training set
(:func:`predictor_from_spec`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from physics.pdes.base import PDE
from sciml.networks import OutputTransform, build_network
from sciml.runtime import resolve_device, resolve_dtype


def field_model(network: nn.Module, problem: PDE, geometry, hard_constraints: bool) -> nn.Module:
    """``network`` wrapped in the problem's hard-constraint transform (or itself without one)."""
    n_out, n_in = len(problem.output_names), len(problem.input_names)
    if getattr(network, "out_features", n_out) != n_out or getattr(network, "in_features", n_in) != n_in:
        raise ValueError(
            f"{problem!r} has inputs {problem.input_names} and outputs {problem.output_names}, "
            f"but the network maps {network.in_features} → {network.out_features} features."
        )
    if not hard_constraints:
        return network
    transform = problem.hard_constraint(geometry)
    if transform is None:
        raise ValueError(f"{problem!r} defines no hard constraint; set hard_constraints=false.")
    return OutputTransform(network, transform)


@dataclass
class FieldPredictor:
    """``predict(points [N, D]) -> [N, F]`` (numpy, float64) and ``evaluate(reference)`` of a field model."""

    problem: PDE
    network: nn.Module  # the trainable network (what checkpoints hold)
    model: nn.Module  # the network inside the hard-constraint transform (what is evaluated)
    device: torch.device
    dtype: torch.dtype
    domain: tuple | None = None  # (lower [D], upper [D]) the model was trained on: predictions outside warn

    def predict(self, points: np.ndarray | Tensor, batch_size: int = 65536) -> np.ndarray:
        """``u`` at ``points [N, D]`` (numpy or tensor): ``[N, F]`` numpy array."""
        x = torch.as_tensor(
            np.asarray(points) if not isinstance(points, Tensor) else points, dtype=self.dtype, device=self.device
        )
        if x.ndim != 2 or x.shape[1] != len(self.problem.input_names):
            raise ValueError(
                f"points must be [N, {len(self.problem.input_names)}] ({self.problem.input_names}), "
                f"got {tuple(x.shape)}."
            )
        if not bool(torch.isfinite(x).all()):
            row = int(torch.nonzero(~torch.isfinite(x).all(1))[0])
            given = np.asarray(points[row] if not isinstance(points, Tensor) else points[row].tolist(), dtype=float)
            why = (
                f" ({given.tolist()} overflows {self.dtype}, whose largest value is {torch.finfo(self.dtype).max:.3g})"
                if np.isfinite(given).all()
                else ""
            )
            raise ValueError(f"points must be finite; row {row} is {x[row].tolist()}{why}.")
        if self.domain is not None:
            lo, hi = (torch.as_tensor(b, dtype=self.dtype, device=self.device) for b in self.domain)
            span = (hi - lo).clamp_min(1e-12)
            tol = 1e-3 * span  # a reference sampled 0.06 % past t_end (an FDTD step's rounding) is not extrapolation
            outside = ((x < lo - tol) | (x > hi + tol)).any(1)
            if bool(outside.any()):
                warnings.warn(
                    f"{int(outside.sum())} of {len(x)} points lie outside the domain the model was trained "
                    f"on ({dict(zip(self.problem.input_names, zip(self.domain[0], self.domain[1])))}); "
                    "predictions there are extrapolations and not reliable.",
                    stacklevel=2,
                )
        outs = []
        with torch.no_grad():
            for s in range(0, len(x), batch_size):
                outs.append(self.model(x[s : s + batch_size]).cpu().numpy())
        return np.concatenate(outs).astype(np.float64)

    def evaluate(self, reference) -> dict[str, float]:
        """Relative L2 error ``‖u − u_ref‖₂ / ‖u_ref‖₂`` on the reference's points (plus max abs error).

        A reference may name ``output_columns`` to compare and add figures through ``metrics(predict)``.
        """
        pts = reference.points()
        ref = reference.solution(pts)
        pred = self.predict(pts)
        cols = getattr(reference, "output_columns", None)  # compare only these outputs (e.g. not a gauge pressure)
        if cols is not None:
            pred = pred[:, list(cols)]
        err = pred - ref
        rel = float(np.linalg.norm(err) / np.linalg.norm(ref))
        if not math.isfinite(rel):
            raise FloatingPointError("Prediction contains NaN/Inf; the model is not usable.")
        out = {"rel_l2": rel, "max_abs_error": float(np.abs(err).max())}
        if hasattr(reference, "metrics"):  # reference-specific figures (e.g. Ghia's centreline table)
            out.update(reference.metrics(self.predict))
        return out


def predictor_from_spec(
    network_spec: dict, problem: PDE, geometry, hard_constraints: bool, device: str = "cpu", dtype: str = "float32"
) -> FieldPredictor:
    """A predictor rebuilt from a saved network spec (``network.spec()``); load the weights into ``.network``."""
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    network = build_network(network_spec).to(device=dev, dtype=dt)
    model = field_model(network, problem, geometry, hard_constraints)
    return FieldPredictor(problem, network, model, dev, dt, domain=getattr(geometry, "bounds", None))


__all__ = ["FieldPredictor", "field_model", "predictor_from_spec"]
