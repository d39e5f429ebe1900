"""Learned potentials: any ``torch.nn.Module`` whose ``forward(R, **kw)`` returns an energy plugs into the
integrators, minimisers and quantities (forces and the virial come from autograd, as for every energy).

:class:`NeuralPairPotential` is the simplest learned force field: a radial pair potential

    φ(r) = MLP(r) · (1 − (r/r_c)²)²      for r < r_c, else 0,

whose envelope makes energy and force vanish smoothly at ``r_c`` (so NVE conserves energy). It sums
over a pair-format neighbour list (``pairs`` ``[P, 2]``) or over all pairs. Train it by force matching
(Ercolessi & Adams 1994): minimise ``|F_model − F_reference|²`` over reference configurations.
"""

from __future__ import annotations

from torch import Tensor, nn

from physics.forcefields.pair import pair_energy_fn


class NeuralPairPotential(nn.Module):
    """Pair potential ``φ(r) = MLP(r)·envelope(r)``; ``forward(R, pairs=None, box=None, strain=None)`` → energy
    (0-d)."""

    def __init__(self, cutoff: float, hidden: int = 32, layers: int = 2, box=None):
        super().__init__()
        if not cutoff > 0:
            raise ValueError(f"cutoff must be positive, got {cutoff}.")
        dims = [1] + [hidden] * layers + [1]
        mods: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:]):
            mods += [nn.Linear(a, b), nn.SiLU()]
        self.mlp = nn.Sequential(*mods[:-1])
        self.cutoff = float(cutoff)
        self.box = box
        self._pairs = pair_energy_fn(self.pair, box, self.cutoff, neighbor_list=True)
        self._all = pair_energy_fn(self.pair, box, self.cutoff)

    def pair(self, r: Tensor) -> Tensor:
        """``φ(r)`` for distances of any shape."""
        x = (r / self.cutoff).clamp(max=1.0)
        envelope = (1 - x * x) ** 2
        return self.mlp(r.unsqueeze(-1).to(self.mlp[0].weight.dtype)).squeeze(-1).to(r.dtype) * envelope

    def forward(self, R: Tensor, pairs: Tensor | None = None, box=None, strain: Tensor | None = None) -> Tensor:
        """Potential energy (0-d) of positions ``R [N, 3]``: over ``pairs [P, 2]`` if given, else all pairs."""
        if pairs is None:
            return self._all(R, box=box, strain=strain)
        return self._pairs(R, pairs, box=box, strain=strain)
