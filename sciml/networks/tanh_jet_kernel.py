"""A tanh MLP on Taylor jets as one native operator: forward and backward each in a single fused pass.

:class:`~sciml.networks.mlp.MLP` with ``activation="tanh"`` calls :func:`tanh_jet_mlp` when it receives a
:class:`~sciml.autodiff.jet.Jet` on the CPU. The jet ``[N, C, F]`` (value, ``D`` first derivatives, ``S``
second-order channels) goes through every hidden layer ``z = W a + b``, ``a' = tanh(z)`` by the Taylor rules

    a'_0 = t,   a'_d = g z_d,   a'_s = g z_s + t'' Σ_d M_sd z_d²,   t = tanh z_0,  g = 1 − t²,  t'' = −2 t g,

and the linear head, in ``native/tanh_jet_mlp.cpp``. The points are the SIMD lanes, so every rule is a full
vector operation whatever the width (inductor's kernels run width 20 as 16 + a masked 4), and the backward pass
recomputes its block's activations in cache instead of saving them. It is exposed as the torch operator
``sciml::tanh_jet_mlp`` with its own backward, so ``torch.compile`` keeps it as one opaque node: the compiled
PINN loss is then only the residual and the reductions, which compile in a fraction of the time.

Results equal the pure-torch jet path to rounding (``tests/sciml/test_tanh_jet_kernel.py``: values and
parameter gradients against the :class:`Jet` path in float64, and ``torch.autograd.gradcheck``). Without a
compiler, or with ``SCIML_NO_NATIVE=1``, :func:`tanh_jet_mlp_applies` is false and networks keep the pure-torch
jet path. Only first-order gradients flow through the operator (no double backward).
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Sequence

import torch
from torch import Tensor

from sciml.autodiff.jet import Jet
from sciml.runtime.native import NativeLibrary

_P, _I64, _INT = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
_SHAPE = [_I64, _I64, _P, _P, _P, _I64, _I64, _I64, _P, _INT]
TANH_JET_KERNEL = NativeLibrary(
    Path(__file__).parent / "native" / "tanh_jet_mlp.cpp",
    {
        "tanh_jet_mlp_forward_f32": [_P, _P, *_SHAPE],
        "tanh_jet_mlp_forward_f64": [_P, _P, *_SHAPE],
        "tanh_jet_mlp_backward_f32": [_P, _P, _P, _P, *_SHAPE],
        "tanh_jet_mlp_backward_f64": [_P, _P, _P, _P, *_SHAPE],
    },
    returns={f"tanh_jet_mlp_{k}": ctypes.c_int for k in ("forward_f32", "forward_f64", "backward_f32", "backward_f64")},
    tuned=True,
)
MAX_CHANNELS = 8  # the kernel is compiled for 1..8 jet channels (value + first + second derivatives)
_ENABLED = os.environ.get("SCIML_NO_NATIVE") != "1"


def second_order_mask(jet: Jet) -> list[int]:
    """Row ``s`` of ``M`` ``[S, D]`` (flattened) marks the inputs whose second derivatives channel ``s`` sums."""
    d = jet.n_inputs
    if jet.summed:
        return [int(k in jet.second_dims) for k in range(d)]
    return [int(k == j) for j in jet.second_dims for k in range(d)]


def native_ready() -> bool:
    """Whether the kernel is switched on (not ``SCIML_NO_NATIVE=1``) and built (compiled on the first call)."""
    return _ENABLED and TANH_JET_KERNEL.load() is not None


# what torch.compiler.assume_constant_result sets, without importing the compiler into eager runs: dynamo takes
# the result as a constant instead of tracing the build (tests/sciml/test_tanh_jet_kernel.py checks no graph break)
native_ready._dynamo_marked_constant = True  # type: ignore[attr-defined]


def _library():
    lib = TANH_JET_KERNEL.load() if _ENABLED else None
    if lib is None:
        raise RuntimeError(
            "sciml::tanh_jet_mlp needs its native kernel, which is unavailable "
            f"({TANH_JET_KERNEL.error or 'SCIML_NO_NATIVE=1'}); networks check tanh_jet_mlp_applies() first and "
            "use the pure-torch jet path instead."
        )
    return lib


def _check_layout(x: Tensor, params: Sequence[Tensor], inputs: int, mask: Sequence[int]) -> None:
    """Refuse shapes the kernel would read past: ``x`` ``[N, 1 + inputs + S, F]``, ``mask`` ``S × inputs``
    zeros and ones, and ``params`` ``[W_0, b_0, W_1, b_1, ...]`` chained ``W_l`` ``[F_{l+1}, F_l]``, ``b_l``
    ``[F_{l+1}]``."""
    plain = inputs == 0 and not mask  # values only: [N, 1, F]
    if (
        x.ndim != 3
        or inputs < 0
        or (not plain and (inputs < 1 or len(mask) % inputs))
        or any(m not in (0, 1) for m in mask)
    ):
        raise ValueError(
            f"tanh_jet_mlp: expected a jet [N, C, F], inputs >= 1 and a 0/1 mask of S x inputs entries (or "
            f"inputs 0 and no mask for values only); got x {tuple(x.shape)}, inputs {inputs}, mask of {len(mask)}. "
            "Pass Jet.data, jet.n_inputs and second_order_mask(jet)."
        )
    seconds = len(mask) // inputs if inputs else 0
    if x.shape[1] != 1 + inputs + seconds:
        raise ValueError(
            f"tanh_jet_mlp: a jet with {inputs} inputs and {seconds} second-order channels has "
            f"{1 + inputs + seconds} channels, but x has {x.shape[1]}."
        )
    if len(params) < 2 or len(params) % 2:
        raise ValueError(f"tanh_jet_mlp: params must be [W_0, b_0, ..., W_head, b_head]; got {len(params)} tensors.")
    features = x.shape[2]
    for k in range(0, len(params), 2):
        w, b = params[k], params[k + 1]
        if w.ndim != 2 or w.shape[1] != features or tuple(b.shape) != (w.shape[0],):
            raise ValueError(
                f"tanh_jet_mlp: layer {k // 2} has weight {tuple(w.shape)} and bias {tuple(b.shape)}; it takes "
                f"{features} features, so it needs weight [F_out, {features}] and bias [F_out]."
            )
        features = w.shape[0]


_LAYOUTS: dict[tuple, tuple[Tensor, ...]] = {}  # parameter addresses and layout -> the kernel's shape arrays


def _native_args(x: Tensor, params: Sequence[Tensor], inputs: int, mask: Sequence[int]) -> tuple:
    """The kernel's arguments after its data pointers. The arrays of sizes and parameter addresses are kept per
    (addresses, layout): an optimiser updates parameters in place, so a training run builds them once."""
    key = (tuple(x.shape[1:]), inputs, tuple(mask), *[(p.data_ptr(), *p.shape) for p in params])
    arrays = _LAYOUTS.get(key)
    if arrays is None:
        _check_layout(x, params, inputs, mask)  # the kernel trusts these shapes: checked once per layout
        layers = len(params) // 2
        sizes = [x.shape[2]] + [int(params[2 * k].shape[0]) for k in range(layers)]
        arrays = (
            torch.tensor(sizes, dtype=torch.int64),
            torch.tensor([p.data_ptr() for p in params[0::2]], dtype=torch.int64),
            torch.tensor([p.data_ptr() for p in params[1::2]], dtype=torch.int64),
            torch.tensor(list(mask) or [0], dtype=torch.int64),
        )
        if len(_LAYOUTS) > 64:  # many networks or moved parameters: start over rather than grow
            _LAYOUTS.clear()
        _LAYOUTS[key] = arrays
    sizes, weights, biases, m = arrays
    layout = (len(params) // 2, sizes.data_ptr(), weights.data_ptr(), biases.data_ptr(), x.shape[1], inputs)
    return (x.shape[0], *layout, len(mask) // inputs if inputs else 0, m.data_ptr(), torch.get_num_threads())


def _prepared(x: Tensor, params: Sequence[Tensor]) -> tuple[Tensor, list[Tensor]]:
    """Detached, contiguous, in ``x``'s dtype (no copies when they already are)."""
    fit = [p.detach() if p.dtype == x.dtype and p.is_contiguous() else p.detach().to(x.dtype) for p in params]
    return x.detach().contiguous(), [p.contiguous() for p in fit]


# defined with torch.library.Library rather than torch.library.custom_op: custom_op wraps each call in
# torch._disable_dynamo, whose first call imports the whole compiler (about 1 s) into eager runs
_LIB = torch.library.Library("sciml", "FRAGMENT")
_LIB.define("tanh_jet_mlp(Tensor x, Tensor[] params, int inputs, int[] mask) -> Tensor")
_LIB.define("tanh_jet_mlp_backward(Tensor grad, Tensor x, Tensor[] params, int inputs, int[] mask) -> (Tensor, Tensor)")


def _tanh_jet_mlp(x: Tensor, params: list[Tensor], inputs: int, mask: list[int]) -> Tensor:
    lib = _library()
    x, params = _prepared(x, params)
    out = x.new_empty(x.shape[0], x.shape[1], params[-2].shape[0])
    fn = lib.tanh_jet_mlp_forward_f32 if x.dtype == torch.float32 else lib.tanh_jet_mlp_forward_f64
    if fn(x.data_ptr(), out.data_ptr(), *_native_args(x, params, inputs, mask)) != 0:
        raise RuntimeError(f"tanh_jet_mlp: {x.shape[1]} jet channels; the kernel supports 1..{MAX_CHANNELS}.")
    return out


def _tanh_jet_mlp_backward(
    grad: Tensor, x: Tensor, params: list[Tensor], inputs: int, mask: list[int]
) -> tuple[Tensor, Tensor]:
    lib = _library()
    x, params = _prepared(x, params)
    grad = grad.detach().to(x.dtype).contiguous()
    if tuple(grad.shape) != (x.shape[0], x.shape[1], params[-2].shape[0]):
        raise ValueError(f"tanh_jet_mlp backward: gradient {tuple(grad.shape)} does not match the output's shape.")
    grad_x = torch.empty_like(x)
    flat = x.new_empty(sum(p.numel() for p in params))
    fn = lib.tanh_jet_mlp_backward_f32 if x.dtype == torch.float32 else lib.tanh_jet_mlp_backward_f64
    args = _native_args(x, params, inputs, mask)
    if fn(x.data_ptr(), grad.data_ptr(), grad_x.data_ptr(), flat.data_ptr(), *args) != 0:
        raise RuntimeError(f"tanh_jet_mlp: {x.shape[1]} jet channels; the kernel supports 1..{MAX_CHANNELS}.")
    return grad_x, flat


_LIB.impl("tanh_jet_mlp", _tanh_jet_mlp, "CPU")
_LIB.impl("tanh_jet_mlp_backward", _tanh_jet_mlp_backward, "CPU")


@torch.library.register_fake("sciml::tanh_jet_mlp", lib=_LIB)
def _(x, params, inputs, mask):
    return x.new_empty(x.shape[0], x.shape[1], params[-2].shape[0])


@torch.library.register_fake("sciml::tanh_jet_mlp_backward", lib=_LIB)
def _(grad, x, params, inputs, mask):
    return torch.empty_like(x), x.new_empty(sum(p.numel() for p in params))


def _setup_context(ctx, inputs, output):
    x, params, n_inputs, mask = inputs
    ctx.save_for_backward(x, *params)
    ctx.n_inputs, ctx.mask = n_inputs, mask


def _backward(ctx, grad):
    x, *params = ctx.saved_tensors
    grad_x, flat = torch.ops.sciml.tanh_jet_mlp_backward(grad, x, params, ctx.n_inputs, ctx.mask)
    grads = [g.view_as(p) for g, p in zip(flat.split([p.numel() for p in params]), params)]
    return grad_x, grads, None, (None if ctx.mask else [])  # an empty list must come back as one


torch.library.register_autograd("sciml::tanh_jet_mlp", _backward, setup_context=_setup_context, lib=_LIB)


def runs_natively(device: torch.device, dtype: torch.dtype) -> bool:
    """Whether jets on ``device`` in ``dtype`` can take the operator: CPU, float32/float64, and the kernel built
    (and not switched off by ``SCIML_NO_NATIVE=1``)."""
    return device.type == "cpu" and dtype in (torch.float32, torch.float64) and native_ready()


def _layers_run_natively(layers: Sequence[torch.nn.Linear], data: Tensor) -> bool:
    """:func:`runs_natively` for ``data``'s device and dtype, and every layer biased and of that dtype."""
    return all(layer.bias is not None and layer.weight.dtype == data.dtype for layer in layers) and runs_natively(
        data.device, data.dtype
    )


def _parameters(layers: Sequence[torch.nn.Linear]) -> list[Tensor]:
    """``[W_0, b_0, W_1, b_1, ...]``: the operator's parameter list."""
    return [t for layer in layers for t in (layer.weight, layer.bias)]


def tanh_jet_mlp_applies(jet: Jet, layers: Sequence[torch.nn.Linear]) -> bool:
    """Whether :func:`tanh_jet_mlp` serves this jet: :func:`runs_natively` for its device and dtype, 2..8
    channels, and every layer biased and of the jet's dtype."""
    return 2 <= jet.data.shape[1] <= MAX_CHANNELS and _layers_run_natively(layers, jet.data)


def tanh_mlp_values_applies(x: Tensor, layers: Sequence[torch.nn.Linear]) -> bool:
    """Whether :func:`tanh_mlp_values` can serve plain points ``x`` ``[N, F]``: :func:`runs_natively` and every
    layer biased and of ``x``'s dtype; not while tracing for ONNX or ``torch.export`` (exported graphs keep standard
    operators). A caller that records gradients makes sure that no double backward goes through it (derivatives
    in the network's input by autograd take one); :class:`~sciml.networks.mlp.MLP` uses it with grad disabled only.
    """
    return (
        x.ndim == 2
        and _layers_run_natively(layers, x)
        and not torch.jit.is_tracing()
        and not torch.compiler.is_exporting()
    )


def tanh_mlp_values(x: Tensor, layers: Sequence[torch.nn.Linear]) -> Tensor:
    """The same network on plain points ``x`` ``[N, F_in]`` → ``[N, F_out]``: the operator on one-channel jets
    (values only), one native call instead of a GEMM and an activation per layer. Gradients reach ``x`` and every
    weight and bias (first order)."""
    return torch.ops.sciml.tanh_jet_mlp(x.unsqueeze(1), _parameters(layers), 0, []).squeeze(1)


def tanh_jet_mlp(jet: Jet, layers: Sequence[torch.nn.Linear]) -> Jet:
    """``layers[-1](tanh(layers[-2](... tanh(layers[0](jet)))))`` on a jet ``[N, C, F_in]`` → ``[N, C, F_out]``,
    in one native operator (see the module docstring); gradients reach the jet and every weight and bias."""
    out = torch.ops.sciml.tanh_jet_mlp(jet.data, _parameters(layers), jet.n_inputs, second_order_mask(jet))
    return Jet(out, jet.n_inputs, jet.second_dims, jet.summed)


__all__ = [
    "MAX_CHANNELS",
    "TANH_JET_KERNEL",
    "native_ready",
    "runs_natively",
    "second_order_mask",
    "tanh_jet_mlp",
    "tanh_jet_mlp_applies",
    "tanh_mlp_values",
    "tanh_mlp_values_applies",
]
