"""Symbolic gate parameters.

A parameter slot of a :class:`~qtool.Circuit` holds either a float or an :class:`Expr`.
Expressions are immutable and hashable.  Two forms share one class:

* **linear** ``c0 + sum_i a_i * s_i`` (the common case: QAOA angles ``2*gamma``, routing
  and basis translation adding ``pi`` to an angle, merging ``rz(a) rz(b)``).  Linear
  expressions are kept canonical (sorted symbols, no zero coefficients), so equality is
  structural and rotation merging/cancellation stays exact.
* **general** trees (products, powers, ``sin`` ...), e.g. the ``(pi - x0)(pi - x1)`` of a
  ZZ feature map.  They are kept as written and never rewritten numerically.

Symbols are identified by name; an element of a :class:`ParameterVector` ``x`` is the symbol
``x[3]``.  :meth:`Expr.bind` substitutes numbers (scalars or numpy arrays, for batched
binding) and returns a float/array when nothing is left free.

Examples
--------
>>> from qtool.params import Parameter
>>> g = Parameter("gamma")
>>> e = 2 * g + 1
>>> e, e.bind({"gamma": 0.25})
(Expr('2*gamma + 1'), 1.5)
>>> (e - 2 * g).is_constant()
True
"""
from __future__ import annotations

import math
import operator
import re
from fractions import Fraction
from typing import Iterable, Mapping, Union

import numpy as np

__all__ = ["Expr", "Parameter", "ParameterVector", "ParamLike", "as_expr", "is_symbolic",
           "format_float", "simplify"]

ParamLike = Union[float, int, "Expr"]

_FUNCS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "abs": np.abs,
}
_QASM_FUNCS = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}
_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
           "**": operator.pow}


def format_float(x: float) -> str:
    """Shortest round-tripping text for a float; integers print without ``.0``.

    Used everywhere a number is written out, so the same value always prints the same way.
    """
    x = float(x)
    if x == 0.0:
        return "0"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


class Expr:
    """An immutable symbolic scalar expression (see the module docstring)."""

    __slots__ = ("_lin", "_tree", "_hash")

    def __init__(self, lin=None, tree=None):
        # lin: (const, ((name, coeff), ...)) canonical; tree: (op, *args) for general form
        self._lin = lin
        self._tree = tree
        self._hash = None

    # ----------------------------------------------------------------- construction
    @staticmethod
    def symbol(name: str) -> "Expr":
        return Expr(lin=(0.0, ((name, 1.0),)))

    @staticmethod
    def const(x: float) -> "Expr":
        return Expr(lin=(float(x), ()))

    @staticmethod
    def _linear(const: float, terms: Mapping[str, float]) -> "Expr":
        items = tuple(sorted((k, float(v)) for k, v in terms.items() if v != 0.0))
        return Expr(lin=(float(const), items))

    @property
    def is_linear(self) -> bool:
        return self._lin is not None

    def is_constant(self) -> bool:
        return self._lin is not None and not self._lin[1]

    # ----------------------------------------------------------------- arithmetic
    def _binop(self, other, op):
        o = as_expr(other)
        if self._lin is not None and o._lin is not None:
            (c1, t1), (c2, t2) = self._lin, o._lin
            if op in ("+", "-"):
                s = 1.0 if op == "+" else -1.0
                terms = dict(t1)
                for k, v in t2:
                    terms[k] = terms.get(k, 0.0) + s * v
                return Expr._linear(c1 + s * c2, terms)
            if op == "*" and (not t1 or not t2):
                k, (c, t) = (c1, o._lin) if not t1 else (c2, self._lin)
                return Expr._linear(k * c, {n: k * v for n, v in t})
            if op == "/" and not t2:
                return Expr._linear(c1 / c2, {n: v / c2 for n, v in t1})
            if op == "**" and not t1 and not t2:
                return Expr.const(c1 ** c2)
        return Expr(tree=(op, self, o))

    def __add__(self, o): return self._binop(o, "+")
    def __radd__(self, o): return as_expr(o)._binop(self, "+")
    def __sub__(self, o): return self._binop(o, "-")
    def __rsub__(self, o): return as_expr(o)._binop(self, "-")
    def __mul__(self, o): return self._binop(o, "*")
    def __rmul__(self, o): return as_expr(o)._binop(self, "*")
    def __truediv__(self, o): return self._binop(o, "/")
    def __rtruediv__(self, o): return as_expr(o)._binop(self, "/")
    def __pow__(self, o): return self._binop(o, "**")
    def __rpow__(self, o): return as_expr(o)._binop(self, "**")
    def __neg__(self): return self * -1.0
    def __pos__(self): return self

    def apply(self, func: str) -> "Expr":
        """``func(self)`` for one of sin, cos, tan, exp, log, sqrt, arcsin, arccos, arctan."""
        if func not in _FUNCS:
            raise ValueError(f"unknown function {func!r}")
        if self.is_constant():
            return Expr.const(float(_FUNCS[func](self._lin[0])))
        return Expr(tree=("fn", func, self))

    # ----------------------------------------------------------------- inspection
    @property
    def free_symbols(self) -> frozenset[str]:
        if self._lin is not None:
            return frozenset(k for k, _ in self._lin[1])
        if self._tree[0] == "fn":
            return self._tree[2].free_symbols
        return self._tree[1].free_symbols | self._tree[2].free_symbols

    def bind(self, values: Mapping[str, object], *, strict: bool = False):
        """Substitute ``values`` (name -> number or array).

        Returns a float (or numpy array, for array values) when no symbol is left free,
        otherwise a partially bound :class:`Expr`.  With ``strict=True`` a free symbol left
        unbound raises ``KeyError``.
        """
        values = {str(k): v for k, v in values.items()}
        out = self._bind(values)
        if isinstance(out, Expr):
            if strict:
                raise KeyError(f"unbound parameter(s): {', '.join(sorted(out.free_symbols))}")
            return out
        return float(out) if np.ndim(out) == 0 else out

    def _bind(self, values):
        if self._lin is not None:
            const, terms = self._lin
            acc = const
            rest = {}
            for k, v in terms:
                if k in values:
                    acc = acc + v * values[k]
                else:
                    rest[k] = v
            if rest:
                if np.ndim(acc) != 0:
                    raise ValueError("cannot bind arrays partially")
                return Expr._linear(float(acc), rest)
            return acc
        op = self._tree[0]
        if op == "fn":
            a = self._tree[2]._bind(values)
            return Expr.apply(a, self._tree[1]) if isinstance(a, Expr) else _FUNCS[self._tree[1]](a)
        a, b = self._tree[1]._bind(values), self._tree[2]._bind(values)
        if isinstance(a, Expr) or isinstance(b, Expr):
            return as_expr(a)._binop(b, op)
        return _BINARY[op](a, b)

    def rename(self, mapping: Mapping[str, str]) -> "Expr":
        """The same expression with symbols renamed (missing names are kept)."""
        if self._lin is not None:
            return Expr._linear(self._lin[0], {mapping.get(k, k): v for k, v in self._lin[1]})
        if self._tree[0] == "fn":
            return Expr(tree=("fn", self._tree[1], self._tree[2].rename(mapping)))
        return Expr(tree=(self._tree[0], self._tree[1].rename(mapping),
                          self._tree[2].rename(mapping)))

    def evaluate(self, symbol, func):
        """Rebuild the expression in another algebra (sympy, Qiskit parameter expressions).

        ``symbol(name)`` gives the object standing for each free symbol and
        ``func(name, arg)`` applies one of the functions of :meth:`apply`; constants stay
        Python floats and ``+ - * / **`` use the objects' own operators.  The interop layer
        uses this to convert expressions without reaching into their representation.
        """
        if self._lin is not None:
            const, terms = self._lin
            acc = None
            for k, v in terms:
                t = symbol(k) if v == 1.0 else v * symbol(k)
                acc = t if acc is None else acc + t
            if acc is None:
                return const
            return acc + const if const != 0.0 else acc
        op = self._tree[0]
        if op == "fn":
            return func(self._tree[1], self._tree[2].evaluate(symbol, func))
        a = self._tree[1].evaluate(symbol, func)
        b = self._tree[2].evaluate(symbol, func)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        return a ** b

    def derivative(self, name: str) -> "Expr":
        """d(self)/d(name), symbolically (used for parameter-shift chain-rule factors)."""
        if self._lin is not None:
            return Expr.const(dict(self._lin[1]).get(name, 0.0))
        op = self._tree[0]
        if op == "fn":
            f, a = self._tree[1], self._tree[2]
            da = a.derivative(name)
            outer = {"sin": a.apply("cos"), "cos": -a.apply("sin"), "exp": a.apply("exp"),
                     "log": 1 / a, "sqrt": 0.5 / a.apply("sqrt"),
                     "tan": 1 / (a.apply("cos") ** 2)}.get(f)
            if outer is None:
                raise NotImplementedError(f"derivative of {f}")
            return outer * da
        a, b = self._tree[1], self._tree[2]
        da, db = a.derivative(name), b.derivative(name)
        if op == "+":
            return da + db
        if op == "-":
            return da - db
        if op == "*":
            return da * b + a * db
        if op == "/":
            return (da * b - a * db) / (b * b)
        if b.is_constant():
            return b * a ** (b - 1) * da
        raise NotImplementedError("derivative of a symbolic power")

    # ----------------------------------------------------------------- printing
    def to_str(self, rename: Mapping[str, str] | None = None) -> str:
        """OpenQASM 3 expression text (``rename`` maps symbol names to identifiers)."""
        return self._fmt(rename or {}, 0)

    def _fmt(self, rn, prec: int) -> str:
        # precedences: 1 '+ -', 2 '* /', 3 unary minus, 4 '**', 5 atoms
        if self._lin is not None:
            const, terms = self._lin
            parts = []
            for k, v in terms:
                name = rn.get(k, k)
                if v == 1.0:
                    s = name
                elif v == -1.0:
                    s = "-" + name
                else:
                    s = f"{format_float(v)}*{name}"
                parts.append(s)
            if const != 0.0 or not parts:
                parts.append(format_float(const))
            text = parts[0]
            for p in parts[1:]:
                text += f" - {p[1:]}" if p.startswith("-") else f" + {p}"
            p_self = 5 if len(parts) == 1 and not text.startswith("-") and "*" not in text else (
                2 if len(parts) == 1 and not text.startswith("-") else 1)
            return f"({text})" if p_self < prec or (text.startswith("-") and prec > 1) else text
        op = self._tree[0]
        if op == "fn":
            f = _QASM_FUNCS.get(self._tree[1], self._tree[1])
            return f"{f}({self._tree[2]._fmt(rn, 0)})"
        a, b = self._tree[1], self._tree[2]
        p = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}[op]
        left = a._fmt(rn, p)
        right = b._fmt(rn, p + 1 if op in "-/" or op == "**" else p)
        text = f"{left} {op} {right}" if p == 1 else f"{left}{op}{right}" if op == "**" \
            else f"{left}*{right}" if op == "*" else f"{left}/{right}"
        return f"({text})" if p < prec else text

    def __str__(self) -> str:
        return self.to_str()

    def __repr__(self) -> str:
        return f"Expr({self.to_str()!r})"

    def _key(self):
        if self._lin is not None:
            return ("lin", self._lin)
        t = self._tree
        if t[0] == "fn":
            return ("fn", t[1], t[2]._key())
        return (t[0], t[1]._key(), t[2]._key())

    def __eq__(self, other) -> bool:
        if isinstance(other, (int, float)):
            return self.is_constant() and self._lin[0] == float(other)
        return isinstance(other, Expr) and self._key() == other._key()

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self._key())
        return self._hash

    def __float__(self) -> float:
        if self.is_constant():
            return self._lin[0]
        raise TypeError(f"expression {self} has free symbols {sorted(self.free_symbols)}")

    # ----------------------------------------------------------------- parsing
    @staticmethod
    def parse(text: str) -> "Expr":
        """Parse an arithmetic expression (Qiskit/sympy ``str`` output, OpenQASM text).

        Understands numbers, ``pi``/``π``/``tau``/``euler``, identifiers with an optional
        ``[index]``, ``+ - * / **`` (``^`` as power), unary minus, parentheses and the
        functions listed in :meth:`apply`.
        """
        return _Parser(text).parse()


class _Parser:
    _TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                        r"|([A-Za-z_π][A-Za-z_0-9]*(?:\[\d+\])?)|(\*\*|[-+*/^()]))")
    _CONSTS = {"pi": math.pi, "π": math.pi, "tau": 2 * math.pi, "euler": math.e, "e": math.e}

    def __init__(self, text: str):
        self.text = text
        self.toks: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = self._TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot parse expression {self.text!r} at {text[pos:]!r}")
            kind = "num" if m.group(1) else "name" if m.group(2) else "op"
            self.toks.append((kind, m.group(m.lastindex)))
            pos = m.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.i = 0

    def _peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def _next(self):
        t = self._peek()
        self.i += 1
        return t

    def parse(self) -> Expr:
        e = self._sum()
        if self._peek()[0] != "end":
            raise ValueError(f"cannot parse expression {self.text!r}")
        return e

    def _sum(self):
        e = self._prod()
        while self._peek() in (("op", "+"), ("op", "-")):
            op = self._next()[1]
            e = e + self._prod() if op == "+" else e - self._prod()
        return e

    def _prod(self):
        e = self._unary()
        while self._peek() in (("op", "*"), ("op", "/")):
            op = self._next()[1]
            e = e * self._unary() if op == "*" else e / self._unary()
        return e

    def _unary(self):
        if self._peek() == ("op", "-"):
            self._next()
            return -self._unary()
        if self._peek() == ("op", "+"):
            self._next()
            return self._unary()
        return self._power()

    def _power(self):
        base = self._atom()
        if self._peek() in (("op", "**"), ("op", "^")):
            self._next()
            return base ** self._unary()
        return base

    def _atom(self):
        kind, val = self._next()
        if kind == "num":
            return Expr.const(float(val))
        if kind == "name":
            if self._peek() == ("op", "(") and val in _FUNCS:
                self._next()
                arg = self._sum()
                if self._next() != ("op", ")"):
                    raise ValueError(f"missing ')' in {self.text!r}")
                return arg.apply(val)
            if val in self._CONSTS:
                return Expr.const(self._CONSTS[val])
            return Expr.symbol(val)
        if (kind, val) == ("op", "("):
            e = self._sum()
            if self._next() != ("op", ")"):
                raise ValueError(f"missing ')' in {self.text!r}")
            return e
        raise ValueError(f"cannot parse expression {self.text!r}")


def as_expr(x: ParamLike) -> Expr:
    """Wrap a number as a constant :class:`Expr` (expressions pass through)."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, (int, float, np.floating, np.integer, Fraction)):
        return Expr.const(float(x))
    raise TypeError(f"not a parameter value: {x!r}")


def simplify(x: ParamLike) -> ParamLike:
    """A constant :class:`Expr` as a float; anything else unchanged."""
    return float(x) if isinstance(x, Expr) and x.is_constant() else x


def is_symbolic(x: object) -> bool:
    """True for an :class:`Expr` with at least one free symbol."""
    return isinstance(x, Expr) and not x.is_constant()


def Parameter(name: str) -> Expr:
    """A named scalar parameter (an :class:`Expr` that is one symbol)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*(\[\d+\])?", name):
        raise ValueError(f"invalid parameter name {name!r}")
    return Expr.symbol(name)


class ParameterVector:
    """``n`` parameters named ``name[0] .. name[n-1]``.

    >>> x = ParameterVector("x", 3)
    >>> x[2]
    Expr('x[2]')
    """

    def __init__(self, name: str, length: int):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", name):
            raise ValueError(f"invalid parameter vector name {name!r}")
        self.name = name
        self._elems = [Expr.symbol(f"{name}[{i}]") for i in range(length)]

    def __len__(self) -> int:
        return len(self._elems)

    def __getitem__(self, i):
        return self._elems[i]

    def __iter__(self) -> Iterable[Expr]:
        return iter(self._elems)

    def __repr__(self) -> str:
        return f"ParameterVector({self.name!r}, {len(self)})"
