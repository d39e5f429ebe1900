"""PDEs written as sympy expressions (the MindFlow / PhysicsNeMo-Sym style), compiled to residuals.

    x, t = sympy.symbols("x t"); u = sympy.Function("u")(x, t); nu = 0.01 / sympy.pi
    pde = SympyPDE({"pde": u.diff(t) + u * u.diff(x) - nu * u.diff(x, 2)}, inputs=("x", "t"), outputs=("u",))

Every derivative of an output is replaced by a placeholder and evaluated with the
foundation's derivative object (``d.d`` for first, ``d.d2`` for pure second derivatives), so
the compiled residual is the same function as a hand-written one (a test checks equality)
and works with both derivative engines. Mixed second derivatives are refused with a clear
error; ``second_dims`` is inferred from the expression.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import torch

from physics.pdes.base import PDE, Condition

if TYPE_CHECKING:
    import sympy

_TORCH = {
    "sin": torch.sin,
    "cos": torch.cos,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "Abs": torch.abs,
    "pi": torch.pi,
    "E": torch.e,
}


class SympyPDE(PDE):
    """Residuals from sympy expressions in ``inputs`` (symbol names) and ``outputs`` (function names)."""

    def __init__(
        self,
        residuals: Mapping[str, sympy.Expr],
        inputs: Sequence[str],
        outputs: Sequence[str],
        conditions: Sequence[Condition] = (),
    ):
        import sympy  # here, not at the top: importing physics (every run) should not pay for sympy

        self.input_names = tuple(inputs)
        self.output_names = tuple(outputs)
        self._conditions = list(conditions)
        syms = {n: sympy.Symbol(n) for n in self.input_names}
        seconds: list[str] = []
        self._compiled = {}
        for name, expr in residuals.items():
            expr = sympy.sympify(expr)
            placeholders: dict[sympy.Symbol, tuple] = {}
            for f in sorted(expr.atoms(sympy.Function), key=str):
                fname = type(f).__name__
                if isinstance(f, sympy.core.function.AppliedUndef):
                    if fname not in self.output_names:
                        raise ValueError(
                            f"residual {name!r} uses {fname}(...), which is not an output; outputs are "
                            f"{self.output_names}. Add it to outputs (the network must predict it)."
                        )
                    args = tuple(str(a) for a in f.args)
                    if args != self.input_names:
                        raise ValueError(f"{fname} is a function of {args}, expected {self.input_names}.")
            for der in sorted(expr.atoms(sympy.Derivative), key=str):
                fname = type(der.expr).__name__
                counts = [(str(v), int(c)) for v, c in der.variable_count]
                if len(counts) == 1 and counts[0][1] == 1:
                    key = ("d", fname, counts[0][0])
                elif len(counts) == 1 and counts[0][1] == 2:
                    key = ("d2", fname, counts[0][0])
                    if counts[0][0] not in seconds:
                        seconds.append(counts[0][0])
                else:
                    raise ValueError(
                        f"residual {name!r}: {der} is a mixed or third-order derivative; only first and "
                        "pure second derivatives are supported."
                    )
                placeholders[sympy.Symbol(f"__{'_'.join(key)}")] = key
                expr = expr.subs(der, sympy.Symbol(f"__{'_'.join(key)}"))
            for fname in self.output_names:
                fn = sympy.Function(fname)(*[syms[n] for n in self.input_names])
                if expr.has(fn):
                    sym = sympy.Symbol(f"__u_{fname}")
                    placeholders[sym] = ("u", fname)
                    expr = expr.subs(fn, sym)
            free = [s for s in expr.free_symbols if s not in placeholders and str(s) not in self.input_names]
            if free:
                raise ValueError(
                    f"residual {name!r} has unknown symbols {sorted(map(str, free))}; give them numeric "
                    "values (sympy subs) or make them inputs."
                )
            args = list(placeholders) + [syms[n] for n in self.input_names]
            fn = sympy.lambdify(args, expr, modules=[_TORCH])
            self._compiled[name] = (fn, list(placeholders.values()))
        self.second_dims = tuple(n for n in self.input_names if n in seconds)

    def residual(self, d, x):
        """The compiled SymPy residuals by name, each ``[N]``."""
        out = {}
        for name, (fn, keys) in self._compiled.items():
            vals = []
            for key in keys:
                if key[0] == "u":
                    vals.append(d.u(key[1]))
                elif key[0] == "d":
                    vals.append(d.d(key[1], key[2]))
                else:
                    vals.append(d.d2(key[1], key[2]))
            cols = [x[:, i] for i in range(len(self.input_names))]
            r = fn(*vals, *cols)
            out[name] = r if isinstance(r, torch.Tensor) else torch.full_like(x[:, 0], float(r))
        return out

    def conditions(self):
        """The conditions given at construction."""
        return list(self._conditions)

    def __repr__(self) -> str:
        return f"SympyPDE(outputs={self.output_names}, inputs={self.input_names}, residuals={list(self._compiled)})"
