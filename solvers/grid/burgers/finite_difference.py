"""1-D viscous Burgers with walls: 4th-order finite differences + explicit Runge–Kutta.

``u_t + u u_x = ν u_xx`` on ``[a, b]`` with Dirichlet data ``u(a) = g_a``, ``u(b) = g_b``,
cell-centred values ``x_j = a + (j + ½) h``; derivatives by :func:`sciml.fields.derivative`
(4th-order stencils, ghost cells from the wall data). ``dt`` is passed explicitly; the step
warns (CFL) past the advective/diffusive stability limit of RK4.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from sciml.fields import derivative
from solvers.time_integrators import check_cfl, rk_step


@dataclass(frozen=True)
class DirichletBurgers:
    """Burgers' equation on ``[a, b]`` with ``u = 0`` at both ends: ``n`` cells, 4th-order differences."""

    n: int
    nu: float
    a: float = -1.0
    b: float = 1.0
    wall_values: tuple[float, float] = (0.0, 0.0)
    order: int = 4

    @property
    def dx(self) -> float:
        """Cell width."""
        return (self.b - self.a) / self.n

    def x(self, dtype=torch.float64) -> Tensor:
        """Cell centres ``[n]``."""
        return self.a + (torch.arange(self.n, dtype=dtype) + 0.5) * self.dx

    def rhs(self, u: Tensor, nu=None) -> Tensor:
        """``-u u_x + ν u_xx`` for ``u`` ``[batch, n]``; ``nu`` may be a tensor."""
        nu = self.nu if nu is None else nu
        f = u[:, None]
        ux = derivative(f, 0, self.dx, order=self.order, boundary="dirichlet", bc_value=self.wall_values)
        uxx = derivative(f, 0, self.dx, order=self.order, n=2, boundary="dirichlet", bc_value=self.wall_values)
        return (-f * ux + nu * uxx)[:, 0]

    def step(self, u: Tensor, dt: float, nu=None, method: str = "rk4") -> Tensor:
        """Advance ``u`` ``[batch, n]`` by ``dt`` (pure)."""
        check_cfl(
            float(u.detach().abs().max()),
            self.dx,
            dt,
            limit=1.4,
            diffusivity=float(self.nu if nu is None else nu),
            scheme=f"{method} with order-{self.order} differences",
        )
        return rk_step(lambda t, v: self.rhs(v, nu), u, 0.0, dt, method)
