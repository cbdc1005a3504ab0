"""The two objects every QUBO pipeline stage passes around.

:class:`BinaryProgram` is the user's constrained problem, exactly as stated (objective sense,
linear and quadratic terms, linear ``<=`` and ``==`` constraints, a known optimum when there is
one).  :class:`QUBO` is an unconstrained model ``min x^T Q x + offset`` over ``{0,1}^n`` with
``Q`` upper triangular (linear terms on the diagonal), what samplers and circuits consume.
Builders turn the first into the second; decoders and repair turn samples back.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["BinaryProgram", "QUBO", "gap_percent"]


def _as_2d(a, n: int) -> np.ndarray:
    a = np.zeros((0, n)) if a is None else np.asarray(a, dtype=float)
    return a.reshape(-1, n)


@dataclass(frozen=True, eq=False)
class BinaryProgram:
    """``sense  c.x + x^T Q x + constant  s.t.  A_le x <= b_le,  A_eq x = b_eq,  x in {0,1}^n``.

    ``kind`` names the model (``"mdkp"``, ``"mis"``, ``"qap"``, ``"tsp"`` or ``"generic"``)
    so that repair and decoding can use its structure; ``meta`` holds what they need (the
    graph of an MIS, ``n`` of a QAP/TSP).  Arrays are dense: these problems have at most a
    few hundred variables.  ``x`` arguments may be one assignment or a batch ``(..., n)``.
    """

    name: str
    sense: str                       # "max" or "min"
    linear: np.ndarray
    quadratic: np.ndarray | None = None
    constant: float = 0.0
    A_le: np.ndarray | None = None
    b_le: np.ndarray | None = None
    A_eq: np.ndarray | None = None
    b_eq: np.ndarray | None = None
    var_names: tuple = ()
    optimum: float | None = None
    kind: str = "generic"
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.sense not in ("max", "min"):
            raise ValueError(f"sense must be 'max' or 'min', got {self.sense!r}")
        c = np.asarray(self.linear, dtype=float).reshape(-1)
        n = c.size
        object.__setattr__(self, "linear", c)
        if self.quadratic is not None:
            q = np.asarray(self.quadratic, dtype=float)
            if q.shape != (n, n):
                raise ValueError(f"quadratic must be {n}x{n}, got {q.shape}")
            object.__setattr__(self, "quadratic", q)
        for a, b in (("A_le", "b_le"), ("A_eq", "b_eq")):
            A = _as_2d(getattr(self, a), n)
            rhs = np.asarray(getattr(self, b) if getattr(self, b) is not None else [],
                             dtype=float).reshape(-1)
            if A.shape[0] != rhs.size:
                raise ValueError(f"{a} has {A.shape[0]} rows but {b} has {rhs.size} entries")
            object.__setattr__(self, a, A)
            object.__setattr__(self, b, rhs)
        if not self.var_names:
            object.__setattr__(self, "var_names", tuple(f"x{i}" for i in range(n)))
        elif len(self.var_names) != n:
            raise ValueError(f"{len(self.var_names)} variable names for {n} variables")

    @property
    def num_vars(self) -> int:
        return self.linear.size

    @property
    def num_constraints(self) -> int:
        return self.A_le.shape[0] + self.A_eq.shape[0]

    def objective(self, x) -> np.ndarray | float:
        x = np.asarray(x, dtype=float)
        val = x @ self.linear + self.constant
        if self.quadratic is not None:
            val = val + np.einsum("...i,ij,...j->...", x, self.quadratic, x)
        return float(val) if np.ndim(val) == 0 else val

    def violation(self, x) -> np.ndarray | float:
        """Total constraint violation: ``sum max(0, A_le x - b_le) + sum |A_eq x - b_eq|``."""
        x = np.asarray(x, dtype=float)
        v = np.maximum(0.0, x @ self.A_le.T - self.b_le).sum(axis=-1)
        v = v + np.abs(x @ self.A_eq.T - self.b_eq).sum(axis=-1)
        return float(v) if np.ndim(v) == 0 else v

    def is_feasible(self, x, tol: float = 1e-9) -> np.ndarray | bool:
        v = self.violation(x)
        return bool(v <= tol) if np.ndim(v) == 0 else v <= tol

    def better(self, a: float, b: float) -> bool:
        """Is objective value ``a`` strictly better than ``b``?"""
        return a > b if self.sense == "max" else a < b

    def gap(self, value: float | None) -> float:
        """Gap % to the known optimum (``inf`` for no feasible value, ``nan`` if unknown)."""
        return gap_percent(value, self.optimum, self.sense)


def gap_percent(value, optimum, sense: str) -> float:
    """``100 (OPT - obj)/OPT`` for maximisation, ``100 (obj - OPT)/OPT`` for minimisation."""
    if value is None:
        return float("inf")
    if optimum is None:
        return float("nan")
    diff = (optimum - value) if sense == "max" else (value - optimum)
    return 100.0 * diff / abs(optimum) if optimum else float(diff)


@dataclass(frozen=True, eq=False)
class QUBO:
    """``min x^T Q x + offset`` over ``x in {0,1}^n``, ``Q`` upper triangular with the linear
    terms on its diagonal.  Any square matrix given is folded into that form."""

    Q: np.ndarray
    offset: float = 0.0
    var_names: tuple = ()

    def __post_init__(self):
        q = np.asarray(self.Q, dtype=float)
        if q.ndim != 2 or q.shape[0] != q.shape[1]:
            raise ValueError(f"Q must be square, got shape {q.shape}")
        q = np.triu(q) + np.triu(q.T, 1)
        object.__setattr__(self, "Q", q)
        object.__setattr__(self, "offset", float(self.offset))
        if not self.var_names:
            object.__setattr__(self, "var_names", tuple(f"x{i}" for i in range(q.shape[0])))
        elif len(self.var_names) != q.shape[0]:
            raise ValueError(f"{len(self.var_names)} variable names for {q.shape[0]} variables")

    @property
    def num_vars(self) -> int:
        return self.Q.shape[0]

    def energy(self, x) -> np.ndarray | float:
        """Energy of one assignment or of a batch ``(..., n)``."""
        x = np.asarray(x, dtype=float)
        e = np.einsum("...i,ij,...j->...", x, self.Q, x) + self.offset
        return float(e) if np.ndim(e) == 0 else e

    def symmetric(self) -> np.ndarray:
        """``S`` with ``x^T S x == x^T Q x``, zero diagonal, plus the linear vector: ``(S, h)``."""
        off = np.triu(self.Q, 1)
        return (off + off.T) / 2, np.diag(self.Q).copy()

    def to_ising(self) -> tuple[np.ndarray, np.ndarray, float]:
        """``(h, J, c)`` with ``E = sum_i h_i z_i + sum_{i<j} J_ij z_i z_j + c`` for
        ``x = (1 - z)/2``; ``J`` is upper triangular."""
        off = np.triu(self.Q, 1)
        d = np.diag(self.Q)
        J = off / 4
        h = -d / 2 - (off.sum(axis=1) + off.sum(axis=0)) / 4
        c = self.offset + d.sum() / 2 + off.sum() / 4
        return h, J, float(c)

    def max_abs_coefficient(self) -> float:
        return float(np.abs(self.Q).max()) if self.Q.size else 0.0
