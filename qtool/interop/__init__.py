"""Conversions between qtool circuits and other toolkits.

* :mod:`qtool.interop.qiskit` -- ``from_qiskit``/``to_qiskit`` and QPY files;
* :mod:`qtool.interop.pytket` -- ``from_pytket``/``to_pytket`` (pytket angles are in
  half-turns; the converters scale by ``pi`` both ways, also for symbolic angles).

Both libraries describe symbolic angles with sympy (Qiskit through
``ParameterExpression.sympify``), so the expression conversion lives here, once:
:func:`expr_from_sympy` and :func:`expr_to_sympy`.  The heavy libraries are imported lazily,
so importing this package costs nothing.
"""
from __future__ import annotations

from ..params import Expr

__all__ = ["expr_from_sympy", "expr_to_sympy"]

# sympy function class name -> our function name (see Expr.apply)
_FROM_SYMPY_FUNCS = {"sin": "sin", "cos": "cos", "tan": "tan", "exp": "exp", "log": "log",
                     "asin": "arcsin", "acos": "arccos", "atan": "arctan", "Abs": "abs"}


def expr_from_sympy(e) -> float | Expr:
    """Convert a sympy expression (or a number) to a float or a symbolic :class:`Expr`.

    Symbols keep their names (a vector element stays ``x[0]``).  Raises ``ValueError`` for
    complex values and for functions :class:`Expr` does not know.
    """
    import sympy

    if isinstance(e, (int, float)):
        return float(e)
    e = sympy.sympify(e)
    if not e.free_symbols:
        try:
            return float(e)
        except TypeError as exc:
            raise ValueError(f"parameter {e} is not a real number") from exc
    if e.is_Symbol:
        return Expr.symbol(e.name)
    if e.is_Add or e.is_Mul:
        args = [expr_from_sympy(a) for a in e.args]
        acc = args[0]
        for a in args[1:]:
            acc = acc + a if e.is_Add else acc * a
        return acc
    if e.is_Pow:
        base, exp = (expr_from_sympy(a) for a in e.args)
        if exp == -1.0:
            return 1.0 / base
        if exp == 0.5 and isinstance(base, Expr):
            return base.apply("sqrt")
        return base ** exp
    fname = type(e).__name__
    if fname in _FROM_SYMPY_FUNCS and len(e.args) == 1:
        arg = expr_from_sympy(e.args[0])
        return arg.apply(_FROM_SYMPY_FUNCS[fname])
    raise ValueError(f"cannot convert the symbolic expression {e} ({fname})")


def expr_to_sympy(x):
    """Convert a float or :class:`Expr` to a sympy expression (floats stay floats)."""
    import sympy

    if not isinstance(x, Expr):
        return float(x)
    if x.is_constant():
        return float(x)
    funcs = {"sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp,
             "log": sympy.log, "sqrt": sympy.sqrt, "arcsin": sympy.asin,
             "arccos": sympy.acos, "arctan": sympy.atan, "asin": sympy.asin,
             "acos": sympy.acos, "atan": sympy.atan, "abs": sympy.Abs}
    symbols: dict[str, object] = {}

    def symbol(name: str):
        if name not in symbols:
            symbols[name] = sympy.Symbol(name)
        return symbols[name]

    return sympy.sympify(x.evaluate(symbol, lambda f, a: funcs[f](a)))

