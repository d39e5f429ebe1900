"""Derivatives of a network field ``u(x)`` at points ``x``: two interchangeable engines.

``u`` maps points ``[N, D]`` (space then time, by convention) to outputs ``[N, F]``.

* ``autograd``: nested reverse-mode autograd, lazily, per requested derivative. Works for
  any ``torch.nn.Module``; ``torch.compile`` cannot compile its double backward.
* ``taylor``: one forward pass of :class:`~sciml.autodiff.jet.Jet` through a network whose
  ``forward`` accepts jets (every sciml network sets ``supports_taylor = True``).
  Compiles cleanly, and is the engine of ``mode=graph``.
* ``auto``: ``taylor`` when the model supports it, else ``autograd``.

Both return a :class:`Derivatives` with the same interface, so residuals are written once.
Coordinates and outputs may be addressed by index or by name (``input_names``/``output_names``).
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import Tensor

from sciml.autodiff.jet import Jet

ENGINES = ("auto", "autograd", "taylor")


def supports_taylor(model: Callable) -> bool:
    """True if ``model``'s forward accepts a :class:`Jet` (it declares ``supports_taylor = True``)."""
    return bool(getattr(model, "supports_taylor", False))


def resolve_engine(engine: str, model: Callable, mode: str | None = None, native_jets: bool = False) -> str:
    """Turn ``auto`` into a concrete engine; raise a teaching error for unknown names.

    ``auto`` picks ``taylor`` for Taylor-capable models, except in ``mode="pynative"`` where eager nested
    autograd is faster than eager jets (fewer, larger kernels), unless the network runs its jets natively
    (``native_jets``: a tanh MLP on the CPU, :mod:`sciml.networks.tanh_jet_kernel`), which is faster still.
    """
    if engine not in ENGINES:
        raise ValueError(f"derivatives={engine!r} is not an engine. Expected one of {list(ENGINES)}.")
    if engine == "auto":
        if mode == "pynative" and not native_jets:
            return "autograd"
        return "taylor" if supports_taylor(model) else "autograd"
    if engine == "taylor" and not supports_taylor(model):
        raise ValueError(
            f"derivatives='taylor' needs a network whose forward accepts a Jet, but "
            f"{type(model).__name__} does not declare supports_taylor=True. "
            "Use derivatives=auto (falls back to autograd) or a sciml network."
        )
    return engine


class Derivatives:
    """Common interface: ``value``, ``d(out, dim)``, ``d2(out, dim)`` and vector-calculus helpers.

    Shapes: ``value`` is ``[N, F]``; every scalar derivative is ``[N]``.
    """

    def __init__(self, value: Tensor, input_names: Sequence[str] | None, output_names: Sequence[str] | None):
        self.value = value
        self.input_names = tuple(input_names) if input_names is not None else None
        self.output_names = tuple(output_names) if output_names is not None else None

    # -- name resolution --------------------------------------------------
    def _index(self, key: int | str, names: tuple[str, ...] | None, size: int, what: str) -> int:
        if isinstance(key, str):
            if names is None or key not in names:
                raise KeyError(f"Unknown {what} {key!r}; known {what}s: {list(names or [])}.")
            return names.index(key)
        k = int(key)
        if k < 0:
            k += size
        if not 0 <= k < size:
            raise IndexError(f"{what} index {key} out of range for {size} {what}s.")
        return k

    def _out(self, key: int | str) -> int:
        return self._index(key, self.output_names, self.value.shape[-1], "output")

    def _dim(self, key: int | str) -> int:
        return self._index(key, self.input_names, self.n_inputs, "input")

    @property
    def n_inputs(self) -> int:  # pragma: no cover - overridden
        """Number of input coordinates ``D``."""
        raise NotImplementedError

    # -- primitives -------------------------------------------------------
    def u(self, out: int | str = 0) -> Tensor:
        """Output component ``out``: ``[N]``."""
        return self.value[:, self._out(out)]

    def d(self, out: int | str, dim: int | str) -> Tensor:
        """First derivative ``∂u_out/∂x_dim``: ``[N]``."""
        raise NotImplementedError

    def d2(self, out: int | str, dim: int | str) -> Tensor:
        """Pure second derivative ``∂²u_out/∂x_dim²``: ``[N]``."""
        raise NotImplementedError

    # -- vector calculus --------------------------------------------------
    def grad(self, out: int | str = 0, dims: Sequence[int | str] | None = None) -> Tensor:
        """Gradient of one output over ``dims`` (default: all inputs): ``[N, len(dims)]``."""
        dims = range(self.n_inputs) if dims is None else dims
        return torch.stack([self.d(out, k) for k in dims], dim=-1)

    def jacobian(self, dims: Sequence[int | str] | None = None) -> Tensor:
        """``∂u_i/∂x_j``: ``[N, F, len(dims)]``."""
        return torch.stack([self.grad(i, dims) for i in range(self.value.shape[-1])], dim=1)

    def divergence(self, outs: Sequence[int | str], dims: Sequence[int | str]) -> Tensor:
        """``Σ_k ∂u_{outs[k]}/∂x_{dims[k]}``: ``[N]``."""
        if len(outs) != len(dims):
            raise ValueError(f"divergence needs as many outputs as dimensions, got {len(outs)} and {len(dims)}.")
        return sum(self.d(o, k) for o, k in zip(outs, dims))  # type: ignore[return-value]

    def hessian_diag(self, out: int | str = 0, dims: Sequence[int | str] | None = None) -> Tensor:
        """``∂²u/∂x_k²`` for each ``k`` in ``dims``: ``[N, len(dims)]``."""
        dims = range(self.n_inputs) if dims is None else dims
        return torch.stack([self.d2(out, k) for k in dims], dim=-1)

    def laplacian(self, out: int | str = 0, dims: Sequence[int | str] | None = None) -> Tensor:
        """``Σ_k ∂²u/∂x_k²`` over ``dims`` (default: all inputs; pass the spatial ones for PDEs in time)."""
        return self.hessian_diag(out, dims).sum(-1)

    def dt(self, out: int | str = 0, time_dim: int | str = -1) -> Tensor:
        """Time derivative; time is the last input column unless ``time_dim`` says otherwise."""
        return self.d(out, time_dim)


class TaylorDerivatives(Derivatives):
    """Derivatives read off a propagated :class:`Jet`."""

    def __init__(self, jet: Jet, input_names=None, output_names=None):
        super().__init__(jet.value, input_names, output_names)
        self.jet = jet
        self._n_inputs = jet.n_inputs

    @property
    def n_inputs(self) -> int:
        """Number of input coordinates ``D``."""
        return self._n_inputs

    def d(self, out, dim):
        """``∂u_out/∂x_dim`` ``[N]`` from the propagated jet."""
        return self.jet.data[:, 1 + self._dim(dim), self._out(out)]

    def d2(self, out, dim):
        """``∂²u_out/∂x_dim²`` ``[N]`` from the propagated jet (a declared ``second_dims`` entry)."""
        k = self._dim(dim)
        if self.jet.summed:
            raise ValueError(
                "Only the Laplacian was propagated (laplacian_only=True); use .laplacian(), "
                "or propagate per-dimension second derivatives."
            )
        if k not in self.jet.second_dims:
            raise ValueError(
                f"Second derivative along input {dim!r} was not propagated (second_dims={self.jet.second_dims}). "
                "Add it to second_dims, or pass second_dims=None for all."
            )
        return self.jet.data[:, 1 + self.jet.n_inputs + self.jet.second_dims.index(k), self._out(out)]

    def laplacian(self, out=0, dims=None):
        """``Σ_k ∂²u_out/∂x_k²`` ``[N]`` over ``dims`` (default all); the summed jet when only Δ was propagated."""
        if not self.jet.summed:
            return super().laplacian(out, dims)
        want = set(range(self.n_inputs)) if dims is None else {self._dim(k) for k in dims}
        if want != set(self.jet.second_dims):
            raise ValueError(f"The propagated Laplacian covers inputs {self.jet.second_dims}, not {sorted(want)}.")
        return self.jet.data[:, 1 + self.jet.n_inputs, self._out(out)]


class ValueOnly(Derivatives):
    """Just the field values (for conditions that need no derivatives): ``d``/``d2`` raise."""

    def __init__(self, value: Tensor, n_inputs: int, input_names=None, output_names=None):
        super().__init__(value, input_names, output_names)
        self._n_inputs = n_inputs

    @property
    def n_inputs(self) -> int:
        """Number of input coordinates ``D``."""
        return self._n_inputs

    def d(self, out, dim):
        """Unavailable: this term was evaluated without derivatives (raises naming the fix)."""
        raise ValueError("This term was evaluated without derivatives; declare it with derivatives=True.")

    d2 = d


class AutogradDerivatives(Derivatives):
    """Nested reverse-mode derivatives, computed on demand and cached."""

    def __init__(self, x: Tensor, value: Tensor, input_names=None, output_names=None):
        super().__init__(value, input_names, output_names)
        self.x = x
        self._first: dict[int, Tensor] = {}
        self._second: dict[tuple[int, int], Tensor] = {}

    @property
    def n_inputs(self) -> int:
        """Number of input coordinates ``D``."""
        return self.x.shape[-1]

    def _grad_of(self, y: Tensor) -> Tensor:
        if not y.requires_grad:  # y does not depend on x (e.g. the derivative of a linear field)
            return torch.zeros_like(self.x)
        (g,) = torch.autograd.grad(y.sum(), self.x, create_graph=True, allow_unused=True)
        return torch.zeros_like(self.x) if g is None else g

    def _first_all(self, o: int) -> Tensor:
        if o not in self._first:
            self._first[o] = self._grad_of(self.value[:, o])
        return self._first[o]

    def d(self, out, dim):
        """``∂u_out/∂x_dim`` ``[N]`` by reverse-mode autograd (cached per output)."""
        return self._first_all(self._out(out))[:, self._dim(dim)]

    def d2(self, out, dim):
        """``∂²u_out/∂x_dim²`` ``[N]`` by a second autograd pass (cached)."""
        o, k = self._out(out), self._dim(dim)
        if (o, k) not in self._second:
            self._second[(o, k)] = self._grad_of(self._first_all(o)[:, k])[:, k]
        return self._second[(o, k)]


def derivatives(
    model: Callable[[Tensor], Tensor],
    x: Tensor,
    engine: str = "auto",
    *,
    second_dims: Sequence[int] | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    transform: Callable | None = None,
    laplacian_only: bool = False,
) -> Derivatives:
    """Evaluate ``u = transform(x, model(x))`` (or ``model(x)``) with derivatives at ``x`` ``[N, D]``.

    ``second_dims`` limits which pure second derivatives the Taylor engine propagates
    (``None``: all); the autograd engine computes only what is asked for anyway.
    ``transform(x, out)`` is an output transform (e.g. a hard boundary constraint); it must use
    operations that both tensors and :class:`Jet` support (``+ - * /``, ``.sin()``, ``.exp()``...).
    ``laplacian_only`` (Taylor engine) carries only ``Σ_k ∂²u/∂x_k²`` over ``second_dims`` in one channel.
    """
    if x.ndim != 2:
        raise ValueError(f"points must have shape [N, D], got {tuple(x.shape)}.")
    eng = resolve_engine(engine, model)
    if eng == "taylor":
        xj = Jet.variable(x, second_dims, summed=laplacian_only)
        out = model(xj)
        if transform is not None:
            out = transform(xj, out)
        return TaylorDerivatives(out, input_names, output_names)
    xg = x if x.requires_grad else x.detach().requires_grad_(True)
    out = model(xg)
    if transform is not None:
        out = transform(xg, out)
    return AutogradDerivatives(xg, out, input_names, output_names)
