"""Fully connected field networks: the plain MLP and the modified MLP.

Both map points ``[N, in_features]`` to fields ``[N, out_features]``, optionally through
input normalisation and random Fourier features, and both accept :class:`~sciml.autodiff.Jet`
inputs (``supports_taylor = True``) so the Taylor derivative engine covers them.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor, nn

from sciml.autodiff.jet import Jet
from sciml.networks.layers import Activation, Dense, FourierFeatures, InputNormalization, PeriodicEmbedding, init_dense
from sciml.networks.tanh_jet_kernel import (
    runs_natively,
    tanh_jet_mlp,
    tanh_jet_mlp_applies,
    tanh_mlp_values,
    tanh_mlp_values_applies,
)


class _FieldNet(nn.Module):
    """Shared front end (normalisation, Fourier features) and the spec used by checkpoints."""

    supports_taylor = True
    registry_name = ""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        width: int,
        depth: int,
        activation: str,
        init: str,
        omega0: float,
        input_bounds: Sequence[Sequence[float]] | None,
        fourier_features: dict | None,
        periodic: dict | None = None,
    ):
        super().__init__()
        for name, val in (
            ("in_features", in_features),
            ("out_features", out_features),
            ("width", width),
            ("depth", depth),
        ):
            if not isinstance(val, int) or val < 1:
                raise ValueError(f"{name} must be a positive integer, got {val!r}.")
        if init == "siren" and activation != "sin":
            raise ValueError("init='siren' requires activation='sin' (SIREN is a sine network).")
        self._spec: dict[str, Any] = dict(
            in_features=in_features,
            out_features=out_features,
            width=width,
            depth=depth,
            activation=activation,
            init=init,
            omega0=omega0,
            input_bounds=[list(map(float, b)) for b in input_bounds] if input_bounds is not None else None,
            fourier_features=dict(fourier_features) if fourier_features else None,
            periodic=dict(periodic) if periodic else None,
        )
        self.in_features, self.out_features = in_features, out_features
        self.normalize = InputNormalization(*input_bounds) if input_bounds is not None else None
        feat = in_features
        self.periodic = None
        if periodic:
            p = dict(periodic)
            periods = {int(k): v for k, v in dict(p.get("periods", {})).items()}
            self.periodic = PeriodicEmbedding(
                in_features,
                periods,
                int(p.get("harmonics", 1)),
                scale=self.normalize.scale.tolist() if self.normalize is not None else None,
                shift=self.normalize.shift.tolist() if self.normalize is not None else None,
            )
            feat = self.periodic.out_features
        self.features = None
        if fourier_features:
            self.features = FourierFeatures(feat, **fourier_features)
            feat = self.features.out_features
        self.feature_dim = feat
        self.omega0 = omega0 if init == "siren" else 1.0

    def spec(self) -> dict[str, Any]:
        """Constructor arguments as JSON-able data: ``build_network(spec)`` rebuilds this network."""
        return {"name": self.registry_name, "kwargs": dict(self._spec)}

    def embed(self, x: Tensor | Jet) -> Tensor | Jet:
        if self.periodic is not None:
            x = self.periodic(x)  # normalises the non-periodic inputs itself
        elif self.normalize is not None:
            x = self.normalize(x)
        if self.features is not None:
            x = self.features(x)
        return x


class MLP(_FieldNet):
    """``depth`` hidden layers of ``width`` units: ``h_{k+1} = σ(W_k h_k + b_k)``, linear output."""

    registry_name = "mlp"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        width: int = 20,
        depth: int = 3,
        activation: str = "tanh",
        init: str = "xavier",
        omega0: float = 30.0,
        input_bounds: Sequence[Sequence[float]] | None = None,
        fourier_features: dict | None = None,
        periodic: dict | None = None,
    ):
        super().__init__(
            in_features, out_features, width, depth, activation, init, omega0, input_bounds, fourier_features, periodic
        )
        sizes = [self.feature_dim] + [width] * depth
        self.hidden = nn.ModuleList(Dense(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.act = Activation(activation, self.omega0)
        self.head = Dense(width, out_features)
        for i, layer in enumerate(self.hidden):
            init_dense(layer, init, first=(i == 0), omega0=omega0)
        init_dense(self.head, "xavier" if init == "xavier" else "siren", omega0=omega0)

    def jets_run_native(self, device: torch.device, dtype: torch.dtype) -> bool:
        """Whether jets through this network on ``device`` in ``dtype`` take the native operator
        (:mod:`sciml.networks.tanh_jet_kernel`): tanh, CPU, float32/float64, and the kernel built."""
        return self._tanh_jets and runs_natively(device, dtype)

    @property
    def _tanh_jets(self) -> bool:
        """A plain tanh network: what the native jet operator evaluates."""
        return self.act.name == "tanh" and self.act.omega0 == 1.0

    def forward(self, x: Tensor | Jet) -> Tensor | Jet:
        """``[N, in] → [N, out]`` on tensors and jets. On the CPU a tanh network runs as one native operator
        (:mod:`~sciml.networks.tanh_jet_kernel`) on jets, and on points with grad disabled (inference: 2.6–4.0x
        torch's layers on 65,536 points, ``benchmarks/pinn_inference.py``; in training the small boundary batches
        gain nothing, so points with grad enabled keep torch's layers)."""
        h = self.embed(x)
        if self._tanh_jets:
            layers = [*self.hidden, self.head]
            if isinstance(h, Jet):
                if tanh_jet_mlp_applies(h, layers):
                    return tanh_jet_mlp(h, layers)
            elif not torch.is_grad_enabled() and tanh_mlp_values_applies(h, layers):  # inference: no backward
                return tanh_mlp_values(h, layers)
        for layer in self.hidden:
            h = self.act(layer(h))
        return self.head(h)


class ModifiedMLP(_FieldNet):
    """Modified MLP of Wang, Teng & Perdikaris (2021), *Understanding and mitigating gradient
    flow pathologies in physics-informed neural networks*, SIAM J. Sci. Comput. 43(5).

    ``U = σ(W_u x + b_u)``, ``V = σ(W_v x + b_v)``, ``H_1 = σ(W_1 x + b_1)``,
    ``Z_k = σ(W_k H_k + b_k)``, ``H_{k+1} = (1 - Z_k) ⊙ U + Z_k ⊙ V``, output ``W H_L + b``.
    """

    registry_name = "modified_mlp"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        width: int = 50,
        depth: int = 4,
        activation: str = "tanh",
        init: str = "xavier",
        omega0: float = 30.0,
        input_bounds: Sequence[Sequence[float]] | None = None,
        fourier_features: dict | None = None,
        periodic: dict | None = None,
    ):
        super().__init__(
            in_features, out_features, width, depth, activation, init, omega0, input_bounds, fourier_features, periodic
        )
        f = self.feature_dim
        self.enc_u, self.enc_v = Dense(f, width), Dense(f, width)
        sizes = [f] + [width] * depth
        self.hidden = nn.ModuleList(Dense(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.act = Activation(activation, self.omega0)
        self.head = Dense(width, out_features)
        for i, layer in enumerate([self.enc_u, self.enc_v, *self.hidden]):
            init_dense(layer, init, first=(i < 3), omega0=omega0)
        init_dense(self.head, "xavier" if init == "xavier" else "siren", omega0=omega0)

    def forward(self, x: Tensor | Jet) -> Tensor | Jet:
        """``[N, in] → [N, out]`` with the two encoder gates of Wang, Teng & Perdikaris (2021)."""
        e = self.embed(x)
        u, v = self.act(self.enc_u(e)), self.act(self.enc_v(e))
        h = e
        for layer in self.hidden:
            z = self.act(layer(h))
            h = u + z * (v - u)
        return self.head(h)
