"""Problem models: build the :class:`~qtool.qubo.program.BinaryProgram` of each benchmark family.

Every constructor states the problem exactly (objective, ``<=`` and ``==`` rows) and records in
``kind``/``meta`` what repair and decoding need.  The encodings are the usual ones:

* **MDKP** ``max p.x  s.t.  W x <= b`` on the ``n`` item bits.
* **MIS** ``max sum x  s.t.  x_u + x_v <= 1`` for every edge.
* **QAP** one-hot ``x[i*n + k] = 1`` iff facility ``i`` sits at location ``k``; the objective
  ``sum F_ij D_kl x_ik x_jl`` is the quadratic matrix ``kron(F, D)``, which for a permutation
  ``pi`` equals QAPLIB's ``sum_ij A[i][j] B[pi(i)][pi(j)]`` with ``A = F`` and ``B = D``.
* **TSP** position encoding ``x[v*T + t] = 1`` iff city ``v`` is visited at step ``t``.  With
  ``fix_start`` city 0 is pinned to step 0, leaving ``T = n-1`` cities and steps, so
  ``(n-1)^2`` variables (the legs out of and back to city 0 become linear terms).

:func:`to_dict` / :func:`from_dict` give a JSON-able form of any program (the ``generic``
model is plain :class:`BinaryProgram`), used by ``.json`` instance files.

Examples
--------
>>> p = mdkp([3, 2], [[2, 1]], [2])
>>> p.objective([1, 0]), p.is_feasible([1, 1])
(3.0, False)
>>> q = qap([[0, 1], [1, 0]], [[0, 5], [5, 0]])
>>> q.objective([1, 0, 0, 1])            # identity permutation: F01 D01 + F10 D10
10.0
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from .errors import InstanceError
from .program import BinaryProgram

__all__ = ["mdkp", "mis", "qap", "tsp", "generic", "tsp_tour", "tour_length",
           "qap_permutation", "permutation_from_x", "from_dict", "to_dict", "KINDS"]

#: the model kinds repair and the loaders know
KINDS = ("mdkp", "mis", "qap", "tsp", "generic")

#: ``meta`` entries that are arrays (restored by :func:`from_dict`)
_META_ARRAYS = {"edges": np.int64, "flow": float, "dist": float}

generic = BinaryProgram
"""The generic model *is* :class:`BinaryProgram`: any linear/quadratic objective, ``<=``/``==``."""


def _square(a, what: str) -> np.ndarray:
    m = np.asarray(a, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ValueError(f"{what} must be a non-empty square matrix, got shape {m.shape}")
    return m


def mdkp(profits, weights, capacities, *, optimum: float | None = None,
         name: str = "mdkp") -> BinaryProgram:
    """Multi-dimensional knapsack ``max p.x  s.t.  W x <= b`` (``W`` is ``m x n``)."""
    p = np.asarray(profits, dtype=float).reshape(-1)
    W = np.asarray(weights, dtype=float)
    W = W.reshape(-1, p.size) if W.size else np.zeros((0, p.size))
    b = np.asarray(capacities, dtype=float).reshape(-1)
    if W.shape[0] != b.size:
        raise ValueError(f"{W.shape[0]} weight rows but {b.size} capacities")
    return BinaryProgram(name, "max", p, A_le=W, b_le=b, optimum=optimum, kind="mdkp")


def mis(num_nodes: int, edges, *, optimum: float | None = None, name: str = "mis") -> BinaryProgram:
    """Maximum independent set of a graph on nodes ``0..num_nodes-1`` (``edges`` 0-based)."""
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if num_nodes < 1:
        raise ValueError(f"num_nodes must be >= 1, got {num_nodes}")
    if e.size and (e.min() < 0 or e.max() >= num_nodes):
        raise ValueError(f"edge endpoint out of range 0..{num_nodes - 1}")
    if np.any(e[:, 0] == e[:, 1]):
        raise ValueError("self loops are not allowed in an MIS graph")
    A = np.zeros((len(e), num_nodes))
    rows = np.arange(len(e))
    A[rows, e[:, 0]] = 1.0
    A[rows, e[:, 1]] = 1.0
    return BinaryProgram(name, "max", np.ones(num_nodes), A_le=A, b_le=np.ones(len(e)),
                         optimum=optimum, kind="mis",
                         meta={"edges": e, "num_nodes": int(num_nodes)})


def _one_hot_rows(n: int) -> np.ndarray:
    """The ``2n`` equality rows of an ``n x n`` assignment: every row sum, then every column."""
    eye = np.eye(n)
    return np.vstack([np.kron(eye, np.ones((1, n))), np.kron(np.ones((1, n)), eye)])


def qap(flow, dist, *, optimum: float | None = None, name: str = "qap") -> BinaryProgram:
    """Quadratic assignment ``min sum_ij F_ij D_{pi(i) pi(j)}`` over permutations ``pi``.

    ``x[i*n + k] = 1`` puts facility ``i`` at location ``k``.  With QAPLIB's files
    ``flow = A`` and ``dist = B``.
    """
    F = _square(flow, "flow")
    D = _square(dist, "dist")
    if F.shape != D.shape:
        raise ValueError(f"flow is {F.shape} but dist is {D.shape}")
    n = F.shape[0]
    names = tuple(f"x_{i}_{k}" for i in range(n) for k in range(n))
    return BinaryProgram(name, "min", np.zeros(n * n), quadratic=np.kron(F, D),
                         A_eq=_one_hot_rows(n), b_eq=np.ones(2 * n), var_names=names,
                         optimum=optimum, kind="qap", meta={"n": n, "flow": F, "dist": D})


def tsp(dist, *, optimum: float | None = None, name: str = "tsp",
        fix_start: bool = True) -> BinaryProgram:
    """Travelling salesman ``min`` tour length, position encoding (see the module doc).

    ``dist[u, v]`` is the cost of the leg ``u -> v`` (asymmetric matrices are fine).  Variable
    ``v*T + t`` is city ``v`` (``v+1`` when ``fix_start``) at step ``t`` (``t+1`` likewise).
    """
    D = _square(dist, "dist")
    n = D.shape[0]
    if n < 2:
        raise ValueError(f"a tour needs at least 2 cities, got {n}")
    sub = D[1:, 1:] if fix_start else D
    T = sub.shape[0]
    sub = sub * (1.0 - np.eye(T))            # a city never follows itself in a feasible tour
    shift = np.eye(T, k=1)                   # step t -> t+1
    if not fix_start:
        shift[T - 1, 0] += 1.0               # ... and the closing leg back to step 0
    Q = np.kron(sub, shift)                  # Q[u*T+t, v*T+t+1] = d(u, v)
    c = np.zeros(T * T)
    if fix_start:
        c[np.arange(T) * T] += D[0, 1:]              # 0 -> v at the first step
        c[np.arange(T) * T + T - 1] += D[1:, 0]      # v -> 0 after the last step
    off = 1 if fix_start else 0
    names = tuple(f"x_{v + off}_{t + off}" for v in range(T) for t in range(T))
    return BinaryProgram(name, "min", c, quadratic=Q, A_eq=_one_hot_rows(T), b_eq=np.ones(2 * T),
                         var_names=names, optimum=optimum, kind="tsp",
                         meta={"n": n, "dist": D, "fix_start": bool(fix_start)})


def permutation_from_x(x, size: int, tie_cost=None) -> np.ndarray:
    """The permutation ``perm[row] = col`` closest to the ``size x size`` matrix ``x``.

    Maximises the number of ones of ``x`` kept (Hungarian method); among equally good
    permutations it takes the one with the least total ``tie_cost`` (a ``size x size`` array).
    For a permutation matrix ``x`` this is exactly its permutation.
    """
    X = np.asarray(x, dtype=float).reshape(size, size)
    score = X.copy()
    if tie_cost is not None:
        c = np.asarray(tie_cost, dtype=float).reshape(size, size)
        span = float(c.max() - c.min())
        if span > 0:  # in [0, 1/(size+1)) per entry: can never outweigh one more kept 1
            score -= (c - c.min()) / (span * (size + 1) * (1 + 1e-9))
    rows, cols = linear_sum_assignment(score, maximize=True)
    perm = np.empty(size, dtype=np.int64)
    perm[rows] = cols
    return perm


def qap_permutation(program: BinaryProgram, x) -> np.ndarray:
    """``perm[i]`` = location of facility ``i`` (exact for a feasible ``x``)."""
    return permutation_from_x(x, program.meta["n"])


def tsp_tour(program: BinaryProgram, x) -> list[int]:
    """The city order of an assignment of a :func:`tsp` program (starts with city 0 when
    ``fix_start``).  A feasible ``x`` decodes exactly; any other ``x`` is decoded to the tour
    that keeps most of its ones."""
    n, fixed = program.meta["n"], program.meta["fix_start"]
    T = n - 1 if fixed else n
    step_of_city = permutation_from_x(x, T)          # row = city, col = step
    order = np.argsort(step_of_city)                  # city at each step
    return [0] + [int(v) + 1 for v in order] if fixed else [int(v) for v in order]


def tour_length(dist, tour: Sequence[int]) -> float:
    """Length of the closed tour ``tour[0] -> tour[1] -> ... -> tour[0]``."""
    D = np.asarray(dist, dtype=float)
    t = np.asarray(tour, dtype=np.int64)
    return float(D[t, np.roll(t, -1)].sum())


# --------------------------------------------------------------------------- JSON form

def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Mapping):
        return {str(k): _jsonable(w) for k, w in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(w) for w in v]
    return v


def _num(v: Any) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2 ** 53 else f


def to_dict(program: BinaryProgram) -> dict:
    """A JSON-able dict of ``program`` that :func:`from_dict` turns back into an equal program.

    ``quadratic`` is written as sparse ``[name_i, name_j, value]`` triplets, constraints as
    ``{"coeffs": {name: coef}, "sense": "<=" | "==", "rhs": value}``.
    """
    names = list(program.var_names)
    d: dict[str, Any] = {"name": program.name, "sense": program.sense, "kind": program.kind,
                         "var_names": names, "linear": [_num(v) for v in program.linear],
                         "constant": _num(program.constant)}
    if program.quadratic is not None:
        ii, jj = np.nonzero(program.quadratic)
        d["quadratic"] = [[names[i], names[j], _num(program.quadratic[i, j])]
                          for i, j in zip(ii.tolist(), jj.tolist())]
    rows = []
    for A, b, sense in ((program.A_le, program.b_le, "<="), (program.A_eq, program.b_eq, "==")):
        for a, r in zip(A, b):
            nz = np.flatnonzero(a)
            rows.append({"coeffs": {names[j]: _num(a[j]) for j in nz}, "sense": sense,
                         "rhs": _num(r)})
    d["constraints"] = rows
    d["optimum"] = None if program.optimum is None else _num(program.optimum)
    if program.meta:
        d["meta"] = _jsonable(program.meta)
    return d


class _Reader:
    """Field access for :func:`from_dict` with one-line, located error messages."""

    def __init__(self, n: int, names: list[str]):
        self.n = n
        self.index = {s: i for i, s in enumerate(names)}

    def var(self, key: Any, where: str) -> int:
        if isinstance(key, str) and key in self.index:
            return self.index[key]
        try:
            i = int(key)
        except (TypeError, ValueError):
            raise InstanceError(f"{where}: unknown variable {key!r}") from None
        if isinstance(key, float) and not float(key).is_integer():
            raise InstanceError(f"{where}: unknown variable {key!r}")
        if not 0 <= i < self.n:
            raise InstanceError(f"{where}: variable index {i} out of range 0..{self.n - 1}")
        return i

    @staticmethod
    def number(v: Any, where: str) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InstanceError(f"{where}: expected a number, got {v!r}")
        if not np.isfinite(v):
            raise InstanceError(f"{where}: value must be finite, got {v!r}")
        return float(v)

    def vector(self, v: Any, where: str) -> np.ndarray:
        out = np.zeros(self.n)
        if isinstance(v, Mapping):
            for k, c in v.items():
                out[self.var(k, where)] += self.number(c, f"{where}[{k!r}]")
        elif isinstance(v, list):
            if len(v) != self.n:
                raise InstanceError(f"{where}: expected {self.n} coefficients, got {len(v)}")
            for j, c in enumerate(v):
                out[j] = self.number(c, f"{where}[{j}]")
        else:
            raise InstanceError(f"{where}: expected a list or an object, got {type(v).__name__}")
        return out


def _count_vars(d: Mapping) -> int:
    if "var_names" in d:
        return len(d["var_names"])
    if isinstance(d.get("linear"), list):
        return len(d["linear"])
    if "num_vars" in d:
        return int(d["num_vars"])
    raise InstanceError("cannot tell the number of variables: give 'var_names', 'num_vars' "
                        "or 'linear' as a list")


def _check_meta(kind: str, meta: dict, n: int) -> None:
    """The ``meta`` a structured kind needs for repair and decoding must be present and fit."""
    if kind == "mis" and "edges" in meta:
        meta["edges"] = meta["edges"].reshape(-1, 2)
    if kind in ("qap", "tsp"):
        size = meta.get("n")
        if not isinstance(size, int) or size < 1:
            raise InstanceError(f"kind {kind!r} needs an integer meta.n")
        if kind == "tsp":
            meta["fix_start"] = bool(meta.get("fix_start", True))
        steps = size - 1 if kind == "tsp" and meta["fix_start"] else size
        if steps * steps != n:
            raise InstanceError(f"kind {kind!r} with meta.n = {size} needs {steps * steps} "
                                f"variables, got {n}")


def from_dict(d: Mapping) -> BinaryProgram:
    """Build a program from the JSON-able form (see :func:`to_dict`).

    Fields: ``sense`` (required, ``"max"``/``"min"``), ``linear`` (list of ``n`` numbers or
    ``{var: coef}``), optional ``name``, ``var_names``, ``num_vars``, ``constant``,
    ``quadratic`` (dense ``n x n`` list, or ``[var_i, var_j, value]`` triplets; with three
    variables a list of three numeric rows of length 3 is read as dense), ``constraints``
    (``{"coeffs": {var: coef} or list, "sense": "<=" | ">=" | "==", "rhs": number}``; ``>=``
    rows are stored negated as ``<=``), ``optimum``, ``kind`` and ``meta``.  A ``var`` is a
    name from ``var_names`` or a 0-based index.  Problems raise :class:`InstanceError`.
    """
    if not isinstance(d, Mapping):
        raise InstanceError(f"a program must be a JSON object, got {type(d).__name__}")
    known = {"name", "sense", "kind", "var_names", "num_vars", "linear", "quadratic",
             "constant", "constraints", "optimum", "meta"}
    extra = sorted(set(d) - known)
    if extra:
        raise InstanceError(f"unknown program field {extra[0]!r} (allowed: {sorted(known)})")
    sense = d.get("sense")
    if sense not in ("max", "min"):
        raise InstanceError(f"'sense' must be \"max\" or \"min\", got {sense!r}")
    n = _count_vars(d)
    names = d.get("var_names") or [f"x{i}" for i in range(n)]
    if not all(isinstance(s, str) and s for s in names):
        raise InstanceError("'var_names' must be non-empty strings")
    if len(set(names)) != len(names):
        raise InstanceError("'var_names' has duplicates")
    r = _Reader(n, list(names))
    linear = r.vector(d.get("linear", [0.0] * n), "linear")
    quad = None
    q = d.get("quadratic")
    if q is not None:
        if not isinstance(q, list):
            raise InstanceError("'quadratic' must be a list (dense rows or triplets)")
        quad = np.zeros((n, n))
        dense = (len(q) == n and n > 0 and all(isinstance(row, list) and len(row) == n
                                               for row in q)
                 and all(not isinstance(v, str) for row in q for v in row))
        if dense:
            for i, row in enumerate(q):
                for j, v in enumerate(row):
                    quad[i, j] = r.number(v, f"quadratic[{i}][{j}]")
        else:
            for t, trip in enumerate(q):
                if not (isinstance(trip, list) and len(trip) == 3):
                    raise InstanceError(f"quadratic[{t}]: expected [var_i, var_j, value]")
                where = f"quadratic[{t}]"
                quad[r.var(trip[0], where), r.var(trip[1], where)] += r.number(trip[2], where)
    le_rows, le_rhs, eq_rows, eq_rhs = [], [], [], []
    cons = d.get("constraints", [])
    if not isinstance(cons, list):
        raise InstanceError("'constraints' must be a list")
    for k, c in enumerate(cons):
        where = f"constraints[{k}]"
        if not isinstance(c, Mapping) or not {"coeffs", "sense", "rhs"} <= set(c):
            raise InstanceError(f"{where}: expected an object with coeffs, sense and rhs")
        a = r.vector(c["coeffs"], f"{where}.coeffs")
        rhs = r.number(c["rhs"], f"{where}.rhs")
        s = c["sense"]
        if s in ("<=", "=<"):
            le_rows.append(a), le_rhs.append(rhs)
        elif s in (">=", "=>"):
            le_rows.append(-a), le_rhs.append(-rhs)
        elif s in ("==", "="):
            eq_rows.append(a), eq_rhs.append(rhs)
        else:
            raise InstanceError(f"{where}.sense: expected '<=', '>=' or '==', got {s!r}")
    kind = d.get("kind", "generic")
    if kind not in KINDS:
        raise InstanceError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    meta = dict(d.get("meta") or {})
    for key, dtype in _META_ARRAYS.items():
        if key in meta:
            meta[key] = np.asarray(meta[key], dtype=dtype)
    _check_meta(kind, meta, n)
    optimum = d.get("optimum")
    if optimum is not None:
        optimum = r.number(optimum, "optimum")
    try:
        return BinaryProgram(
            str(d.get("name", "program")), sense, linear, quadratic=quad,
            constant=r.number(d.get("constant", 0.0), "constant"),
            A_le=np.array(le_rows).reshape(-1, n), b_le=np.array(le_rhs),
            A_eq=np.array(eq_rows).reshape(-1, n), b_eq=np.array(eq_rhs),
            var_names=tuple(names), optimum=optimum, kind=kind, meta=meta)
    except ValueError as exc:
        raise InstanceError(str(exc)) from None
