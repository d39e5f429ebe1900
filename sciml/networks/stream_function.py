"""A 2-D velocity field that is divergence-free by construction: the network predicts a stream function.

The wrapped network maps points ``x`` ``[N, D]`` to ``[ψ, q₁, …, q_k]`` ``[N, 1 + k]``. This module returns
the velocity ``u = ∂ψ/∂x_b``, ``v = −∂ψ/∂x_a`` (``a``, ``b`` = ``dims``, normally ``x`` and ``y``) at the
output positions ``velocity``, and the other outputs ``q`` in order at the remaining positions, so a problem
with outputs ``(u, v, p)`` sees the usual ``[N, 3]`` field. Then ``∂u/∂x + ∂v/∂y = ψ_yx − ψ_xy = 0``
exactly, and the continuity residual vanishes for every weight; only momentum and data are left to fit.

Raissi, Perdikaris & Karniadakis (2019), J. Comput. Phys. 378:686, §4.2.1 use this form for the
cylinder-wake inverse problem (their λ₂ error of 4.7 % is with it).

Cost: the velocity is a first derivative of the network, so the momentum residual's Laplacian is a third
derivative of ψ. The field uses reverse-mode autograd inside ``forward``; it does not accept Jets, so PINN
runs use the ``autograd`` derivative engine with it.
"""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import Tensor, nn


class StreamFunctionField(nn.Module):
    """``x ↦ (∂ψ/∂x_b, −∂ψ/∂x_a, q)`` rearranged to the problem's output order; ψ and q from ``net``.

    Args:
        net: maps ``[N, D]`` to ``[N, 1 + k]``: the stream function first, then the other outputs.
        velocity: the output positions ``(i_u, i_v)`` of the two velocity components in the ``[N, 2 + k]``
            result.
        dims: the input positions ``(a, b)`` of the two coordinates the velocity lies in.
    """

    registry_name = "stream_function"
    supports_taylor = False

    def __init__(self, net: nn.Module, velocity: Sequence[int] = (0, 1), dims: Sequence[int] = (0, 1)):
        super().__init__()
        velocity, dims = tuple(int(i) for i in velocity), tuple(int(i) for i in dims)
        if len(velocity) != 2 or velocity[0] == velocity[1]:
            raise ValueError(f"velocity must name two different output positions (u, v), got {velocity}.")
        if len(dims) != 2 or dims[0] == dims[1]:
            raise ValueError(f"dims must name two different input coordinates (x, y), got {dims}.")
        self.net, self.velocity, self.dims = net, velocity, dims

    @classmethod
    def from_spec(cls, inner: dict[str, Any], velocity: Sequence[int], dims: Sequence[int]) -> StreamFunctionField:
        """Build from a saved spec: ``inner`` is the wrapped network's ``{"name", "kwargs"}``."""
        from sciml.networks.registry import build_network

        return cls(build_network(inner), velocity, dims)

    def forward(self, x: Tensor) -> Tensor:
        """The field ``[N, 2 + k]`` at points ``x`` ``[N, D]``; differentiable in ``x`` and in the weights."""
        if not isinstance(x, Tensor):
            raise TypeError(
                "StreamFunctionField takes tensors only (its velocity is an autograd derivative); "
                "use derivatives=autograd (or auto) with it."
            )
        outer_grad = torch.is_grad_enabled()
        with torch.enable_grad():
            xg = x if x.requires_grad else x.detach().requires_grad_(True)
            out = self.net(xg)
            if out.ndim != 2 or out.shape[1] < 1:
                raise ValueError(f"the wrapped network must return [N, 1 + k], got {tuple(out.shape)}.")
            (grad_psi,) = torch.autograd.grad(out[:, 0].sum(), xg, create_graph=outer_grad)
        a, b = self.dims
        u, v = grad_psi[:, b], -grad_psi[:, a]
        rest = out[:, 1:]
        if not outer_grad:
            u, v, rest = u.detach(), v.detach(), rest.detach()
        columns, k = [], 0
        for i in range(2 + rest.shape[1]):
            if i == self.velocity[0]:
                columns.append(u)
            elif i == self.velocity[1]:
                columns.append(v)
            else:
                columns.append(rest[:, k])
                k += 1
        return torch.stack(columns, 1)


def stream_function_spec(inner: dict[str, Any], output_names: Sequence[str], velocity: Sequence[str], input_names):
    """The spec of a :class:`StreamFunctionField` around ``inner`` for outputs ``output_names``.

    ``velocity`` names the two velocity outputs (e.g. ``["u", "v"]``); they are derived from ψ over the
    first two inputs. ``inner``'s ``out_features`` is set to one less than ``len(output_names)``.
    """
    names = list(output_names)
    velocity = list(velocity)
    if len(velocity) != 2 or any(v not in names for v in velocity) or velocity[0] == velocity[1]:
        raise ValueError(
            f"model.stream_function must name two different velocity outputs among {names}, got {velocity}. "
            "For (u, v, p) use model.stream_function=[u,v]."
        )
    if len(input_names) < 2:
        raise ValueError(f"a stream function needs two spatial inputs; this problem has {list(input_names)}.")
    inner = {"name": inner["name"], "kwargs": dict(inner["kwargs"], out_features=len(names) - 1)}
    return {
        "name": StreamFunctionField.registry_name,
        "kwargs": {"inner": inner, "velocity": [names.index(v) for v in velocity], "dims": [0, 1]},
    }


__all__ = ["StreamFunctionField", "stream_function_spec"]
