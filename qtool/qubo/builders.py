"""QUBO encodings of a :class:`~qtool.qubo.program.BinaryProgram`.

Two families, so that their qubit counts and solution quality can be compared:

* :func:`slack_qubo` is the textbook *slack* baseline.  It reproduces qiskit-optimization's
  ``QuadraticProgramToQubo`` exactly (same qubits in the same order, same penalty, same
  energies): ``x - y <= 0`` and ``sum x <= 1`` rows become slack-free quadratic penalties, every
  other ``<=`` row gets an integer slack in binary, and all the resulting equalities are squared
  into the objective.  The slack bits are where its qubit overhead comes from.
* :func:`penalty_qubo` is the *slack-free* augmented-Lagrangian energy on exactly ``n`` qubits,
  ``-f(x) + sum_r [lambda_r g_r(x) + rho/2 g_r(x)^2]``, whose multipliers
  :mod:`qtool.qubo.lagrangian` searches for.  :func:`mis_qubo` and :func:`onehot_penalty_qubo`
  are the plain penalty forms of MIS and of one-hot (QAP/TSP) programs, also on ``n`` qubits.

Every builder returns an :class:`Encoding`, which knows how to map QUBO samples back to
program assignments (the program variables always come first).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .program import QUBO, BinaryProgram

__all__ = [
    "Encoding",
    "Relaxation",
    "relaxation",
    "slack_qubo",
    "penalty_qubo",
    "mis_qubo",
    "onehot_penalty_qubo",
    "slack_bit_weights",
    "qiskit_auto_penalty",
    "to_qiskit_quadratic_program",
]

# qiskit-optimization falls back to this penalty when a constraint has a non-integer term.
QISKIT_FLOAT_PENALTY = 1e5


@dataclass(frozen=True, eq=False)
class Encoding:
    """A QUBO that encodes a program, plus what is needed to read its samples back.

    The first ``num_program_vars`` QUBO variables are the program's own, in order; any further
    ones are auxiliary (slack bits).  ``method`` names the builder; ``info`` holds what it chose
    (penalties, multipliers, slack bits per row, scales).
    """

    qubo: QUBO
    num_program_vars: int
    method: str
    info: dict = field(default_factory=dict)

    @property
    def num_qubits(self) -> int:
        return self.qubo.num_vars

    @property
    def num_auxiliary(self) -> int:
        return self.qubo.num_vars - self.num_program_vars

    def decode(self, x_qubo) -> np.ndarray:
        """Program assignment(s) of QUBO sample(s): the first ``num_program_vars`` bits of
        one sample ``(N,)`` or of a batch ``(..., N)``."""
        x = np.asarray(x_qubo)
        if x.shape[-1] != self.qubo.num_vars:
            raise ValueError(f"expected samples over {self.qubo.num_vars} QUBO variables, "
                             f"got shape {x.shape}")
        return x[..., : self.num_program_vars]


# ----------------------------------------------------------------------------------- helpers
def _fold(q: np.ndarray) -> np.ndarray:
    """Upper-triangular form of a square matrix with the same ``x^T Q x``."""
    return np.triu(q) + np.triu(q.T, 1)


def _min_form(program: BinaryProgram) -> tuple[np.ndarray, np.ndarray, float]:
    """``(c, Q, constant)`` of the objective as a minimisation (negated for ``max``), ``Q``
    folded to upper-triangular form."""
    sign = -1.0 if program.sense == "max" else 1.0
    n = program.num_vars
    q = np.zeros((n, n)) if program.quadratic is None else _fold(program.quadratic)
    return sign * program.linear, sign * q, sign * float(program.constant)


def _is_integral(*arrays) -> bool:
    return all(np.all(np.asarray(a) == np.round(a)) for a in arrays)


def qiskit_auto_penalty(linear: np.ndarray, quadratic: np.ndarray | None = None) -> float:
    """qiskit-optimization's automatic penalty, ``1 + (upper - lower bound of the objective)``
    over binary variables: ``1 + sum|c_i| + sum_{i<=j} |Q_ij|`` with ``Q`` folded upper
    triangular (so ``Q_ij`` and ``Q_ji`` are summed before the absolute value)."""
    p = 1.0 + float(np.abs(linear).sum())
    if quadratic is not None:
        p += float(np.abs(_fold(np.asarray(quadratic, dtype=float))).sum())
    return p


def slack_bit_weights(upper: int) -> np.ndarray:
    """Weights of the binary expansion of an integer in ``[0, upper]``: ``1, 2, 4, ...`` with the
    last weight trimmed so that the weights sum to ``upper`` (qiskit's ``IntegerToBinary``).
    ``floor(log2 upper) + 1 = ceil(log2(upper + 1))`` bits; none for ``upper <= 0``."""
    upper = int(upper)
    if upper <= 0:
        return np.zeros(0, dtype=np.int64)
    power = upper.bit_length() - 1
    return np.array([1 << i for i in range(power)] + [upper - ((1 << power) - 1)],
                    dtype=np.int64)


def _pattern(row: np.ndarray, rhs: float) -> str | None:
    """The slack-free ``<=`` patterns qiskit's ``LinearInequalityToPenalty`` recognises:
    ``"implication"`` for ``x - y <= 0`` and ``"at-most-one"`` for ``sum x <= 1`` (at least
    two variables, unit coefficients)."""
    coef = row[row != 0]
    if coef.size == 2 and rhs == 0:
        return "implication" if (coef.min() == -1 and coef.max() == 1) else None
    if coef.size >= 2 and rhs == 1 and np.all(coef == 1):
        return "at-most-one"
    return None


def _square_penalty(A: np.ndarray, b: np.ndarray, weight) -> tuple[np.ndarray, np.ndarray, float]:
    """``sum_r w_r (A_r x - b_r)^2`` over binary ``x`` as ``(S, h, const)`` with
    ``x^T S x + h.x + const`` (``S`` symmetric; its diagonal acts linearly, ``x_i^2 = x_i``)."""
    w = np.broadcast_to(np.asarray(weight, dtype=float), b.shape)
    S = (A.T * w) @ A
    h = -2.0 * A.T @ (w * b)
    return S, h, float(np.dot(w, b * b))


# ------------------------------------------------------------------------ slack (qiskit) form
def slack_qubo(program: BinaryProgram, penalty: float | None = None) -> Encoding:
    """The slack-variable QUBO, matching qiskit-optimization 0.7's ``QuadraticProgramToQubo``.

    Steps, in qiskit's order:

    1. ``<=`` rows of the form ``x_i - x_j <= 0`` become ``P1 (x_i - x_i x_j)``, rows
       ``sum_{i in S} x_i <= 1`` (``|S| >= 2``, unit coefficients) become
       ``P1 sum_{i<j in S} x_i x_j``: no slack (this is why MIS needs ``n`` qubits).
    2. Every other ``<=`` row (integer coefficients required) gets ``rhs := floor(b)`` and, when
       ``U = rhs - min(A_r x) > 0`` (``min`` over binary ``x``: the sum of the negative
       coefficients), an integer slack ``s in [0, U]``: ``A_r x + s = rhs``; with ``U <= 0`` the
       row becomes the equality ``A_r x = rhs`` with no slack.  ``s`` is written in
       :func:`slack_bit_weights` bits, appended after the program variables, row by row.
    3. All equalities (these and the program's own) are added as ``P2 (A x + w.s - rhs)^2``.
    4. A ``max`` objective is negated.

    ``penalty`` sets both ``P1`` and ``P2``.  By default each is qiskit's automatic penalty
    :func:`qiskit_auto_penalty` of the objective at that stage (``P2`` therefore also counts the
    step-1 penalty terms), or ``1e5`` when a constraint term is not an integer.
    Qubits: ``n + sum_r ceil(log2(U_r + 1))``.  ``info``: ``penalty`` (``P2``, what qiskit's
    ``QuadraticProgramToQubo.penalty`` reports), ``inequality_penalty`` (``P1``), ``row_kinds``
    (``"implication"``, ``"at-most-one"``, ``"slack"`` or ``"equality"`` per ``<=`` row),
    ``slack_bits`` per ``<=`` row, ``num_slack_bits``.
    """
    n = program.num_vars
    c, q, const = _min_form(program)
    c, q = c.copy(), q.copy()

    all_terms = (program.A_le, program.b_le, program.A_eq, program.b_eq)
    if penalty is not None:
        p_ineq = float(penalty)
    else:
        p_ineq = qiskit_auto_penalty(c, q) if _is_integral(*all_terms) else QISKIT_FLOAT_PENALTY

    row_kinds: list[str] = []
    slack_bits: list[int] = []
    eq_rows: list[np.ndarray] = []       # (program part, slack weights, rhs)
    eq_weights: list[np.ndarray] = []
    eq_rhs: list[float] = []
    for r, (row, rhs) in enumerate(zip(program.A_le, program.b_le)):
        kind = _pattern(row, rhs)
        if kind == "implication":
            i = int(np.flatnonzero(row > 0)[0])
            j = int(np.flatnonzero(row < 0)[0])
            c[i] += p_ineq
            q[min(i, j), max(i, j)] -= p_ineq
            weights = np.zeros(0, dtype=np.int64)
        elif kind == "at-most-one":
            s = np.flatnonzero(row)
            q[np.ix_(s, s)] += p_ineq * np.triu(np.ones((s.size, s.size)), 1)
            weights = np.zeros(0, dtype=np.int64)
        else:
            if not _is_integral(row):
                raise ValueError(f"<= row {r} has non-integer coefficients: an integer slack "
                                 "cannot encode it (qiskit refuses it too)")
            rhs_int = math.floor(rhs)
            weights = slack_bit_weights(rhs_int - row[row < 0].sum())
            kind = "slack" if weights.size else "equality"
            eq_rows.append(row)
            eq_weights.append(weights)
            eq_rhs.append(float(rhs_int))
        row_kinds.append(kind)
        slack_bits.append(int(weights.size))
    for row, rhs in zip(program.A_eq, program.b_eq):
        eq_rows.append(row)
        eq_weights.append(np.zeros(0, dtype=np.int64))
        eq_rhs.append(float(rhs))

    num_slack = int(sum(slack_bits))
    N = n + num_slack
    A = np.zeros((len(eq_rows), N))
    col = n
    for k, (row, weights) in enumerate(zip(eq_rows, eq_weights)):
        A[k, :n] = row
        A[k, col:col + weights.size] = weights
        col += weights.size
    b = np.asarray(eq_rhs, dtype=float)

    if penalty is not None:
        p_eq = float(penalty)
    else:
        p_eq = qiskit_auto_penalty(c, q) if _is_integral(A, b) else QISKIT_FLOAT_PENALTY

    S, h, pen_const = _square_penalty(A, b, p_eq)
    Q = S.copy()
    Q[:n, :n] += q
    Q[np.diag_indices(N)] += h
    Q[np.diag_indices(n)] += c
    names = list(program.var_names)
    for r, bits in enumerate(slack_bits):
        names += [f"s{r}_{k}" for k in range(bits)]
    qubo = QUBO(Q, const + pen_const, tuple(names))
    info = {
        "penalty": p_eq,
        "inequality_penalty": p_ineq,
        "row_kinds": row_kinds,
        "slack_bits": slack_bits,
        "slack_weights": [w.tolist() for w, k in zip(eq_weights, row_kinds) if k == "slack"],
        "num_slack_bits": num_slack,
    }
    return Encoding(qubo, n, "slack", info)


# --------------------------------------------------------------------- slack-free (Lagrangian)
@dataclass(frozen=True, eq=False)
class Relaxation:
    """The scaled objective and constraints that :func:`penalty_qubo` and the Lagrangian
    methods share, in maximisation form.

    ``f(x) = sign * objective(x) / obj_scale`` (``sign = +1`` for ``max``, ``-1`` for ``min``) and
    ``g(x) = (A x - b) / row_scale`` row-wise (``A = [A_le; A_eq]``); the first ``num_le`` rows
    are inequalities ``g <= 0`` (multipliers ``>= 0``), the rest equalities ``g = 0`` (free).
    The Lagrangian is ``L(x, lambda) = f(x) - lambda.g(x)``.
    """

    program: BinaryProgram
    A: np.ndarray               # scaled constraint rows, (m, n)
    b: np.ndarray               # scaled right-hand sides, (m,)
    num_le: int
    row_scale: np.ndarray
    obj_scale: float
    sign: float

    @property
    def num_rows(self) -> int:
        return self.b.size

    def f(self, x) -> np.ndarray | float:
        """Scaled objective in maximisation form."""
        return self.sign * self.program.objective(x) / self.obj_scale

    def g(self, x) -> np.ndarray:
        """Scaled constraint values ``(..., m)``: ``<= 0`` / ``== 0`` when satisfied."""
        return np.asarray(x, dtype=float) @ self.A.T - self.b

    def violation(self, g: np.ndarray) -> np.ndarray:
        """Largest scaled violation of each ``g`` row vector(s): ``max(g_le^+, |g_eq|)``."""
        g = np.asarray(g, dtype=float)
        v = np.concatenate([np.maximum(g[..., : self.num_le], 0.0),
                            np.abs(g[..., self.num_le:])], axis=-1)
        return v.max(axis=-1, initial=0.0)

    def to_program_units(self, value: float) -> float:
        """A scaled maximisation-form value (``f`` or a dual bound) in objective units."""
        return float(self.sign * self.obj_scale * value)

    def from_program_units(self, value: float) -> float:
        return float(self.sign * value / self.obj_scale)

    def project(self, lam: np.ndarray) -> np.ndarray:
        """Multipliers made dual-feasible: inequality ones clipped at 0, equality ones free."""
        lam = np.array(lam, dtype=float)
        lam[: self.num_le] = np.maximum(lam[: self.num_le], 0.0)
        return lam


def relaxation(program: BinaryProgram, normalise: bool = True) -> Relaxation:
    """Scaled objective and constraints of ``program`` (see :class:`Relaxation`).

    With ``normalise``: the objective is divided by its largest absolute coefficient (``p_max``
    for MDKP), each ``<=`` row by its capacity ``b_r`` when ``b_r > 0`` (else by its largest
    absolute coefficient), so ``g_r(x) = w_r.x / b_r - 1``; equality rows are not scaled
    (``h(x) = A_eq x - b_eq``; for one-hot rows ``b = 1`` anyway).  This keeps the QUBO's
    coefficient range small whatever the units of the instance.
    """
    n = program.num_vars
    sign = 1.0 if program.sense == "max" else -1.0
    A_le, b_le = program.A_le, program.b_le
    le_scale = np.ones(b_le.size)
    obj_scale = 1.0
    if normalise:
        row_max = np.abs(A_le).max(axis=1, initial=0.0)
        le_scale = np.where(b_le > 0, b_le, np.where(row_max > 0, row_max, 1.0))
        quad = 0.0 if program.quadratic is None else np.abs(_fold(program.quadratic)).max(
            initial=0.0)
        obj_scale = max(float(np.abs(program.linear).max(initial=0.0)), float(quad)) or 1.0
    row_scale = np.concatenate([le_scale, np.ones(program.b_eq.size)])
    A = np.vstack([A_le, program.A_eq]).reshape(-1, n) / row_scale[:, None]
    b = np.concatenate([b_le, program.b_eq]) / row_scale
    return Relaxation(program, A, b, int(b_le.size), row_scale, obj_scale, sign)


def penalty_qubo(program: BinaryProgram, multipliers=None, rho=1.0, *,
                 normalise: bool = True) -> Encoding:
    """The slack-free augmented-Lagrangian QUBO on exactly ``n`` qubits:

    ``E(x) = -f(x) + sum_r [lambda_r g_r(x) + rho_r/2 g_r(x)^2]``

    with ``f``, ``g`` from :func:`relaxation` (``f = p.x / p_max`` for MDKP, the negated scaled
    objective for ``min`` programs, quadratic objectives included; ``g_r = w_r.x/b_r - 1`` for
    ``<=`` rows, ``h = A_eq x - b_eq`` for equalities).  ``multipliers`` has one entry per
    constraint, ``<=`` rows first (default zeros); ``rho`` is a scalar or one per row.  The
    squared term treats inequalities like equalities (a quadratic QUBO cannot express
    ``max(0, g)^2``), so it also penalises under-filled rows.  Exact: the QUBO energy equals
    ``E(x)`` for every ``x``.
    """
    rel = relaxation(program, normalise)
    m = rel.num_rows
    lam = np.zeros(m) if multipliers is None else np.asarray(multipliers, dtype=float).ravel()
    if lam.size != m:
        raise ValueError(f"expected {m} multipliers (one per constraint), got {lam.size}")
    rho_v = np.broadcast_to(np.asarray(rho, dtype=float), (m,)).copy() if m else np.zeros(0)
    c, q, const = _min_form(program)
    S, h, pen_const = _square_penalty(rel.A, rel.b, rho_v / 2)
    Q = q / rel.obj_scale + S
    Q[np.diag_indices(program.num_vars)] += c / rel.obj_scale + h + rel.A.T @ lam
    offset = const / rel.obj_scale + pen_const - float(lam @ rel.b)
    qubo = QUBO(Q, offset, program.var_names)
    info = {"multipliers": lam.copy(), "rho": rho_v, "normalise": normalise,
            "obj_scale": rel.obj_scale, "row_scale": rel.row_scale, "relaxation": rel}
    return Encoding(qubo, program.num_vars, "penalty", info)


# ------------------------------------------------------------------------ plain penalty forms
def mis_qubo(program: BinaryProgram, penalty: float | None = None) -> Encoding:
    """MIS as ``min -sum_v c_v x_v + P sum_{(u,v) in E} x_u x_v`` on ``n`` qubits.

    Edges are read from the ``<=`` rows, which must all be ``sum_{v in S} x_v <= 1`` (an edge,
    or a clique that contributes all its pairs).  Any ``P`` larger than the largest vertex
    weight makes every minimiser an independent set (dropping a vertex from a conflicting pair
    then always lowers the energy); the default ``P = 2 max_v c_v`` is ``2`` for unit weights,
    far below qiskit's ``n + 1``, which badly flattens the landscape (papers §3.9).
    """
    if program.A_eq.shape[0]:
        raise ValueError("mis_qubo takes <= rows only; use onehot_penalty_qubo for equalities")
    c, q, const = _min_form(program)
    if penalty is None:
        penalty = 2.0 * max(float(np.abs(program.linear).max(initial=0.0)), 1.0)
    Q = q.copy()
    num_pairs = 0
    for r, (row, rhs) in enumerate(zip(program.A_le, program.b_le)):
        if _pattern(row, rhs) != "at-most-one":
            raise ValueError(f"<= row {r} is not an edge/clique row 'sum x <= 1'")
        s = np.flatnonzero(row)
        Q[np.ix_(s, s)] += penalty * np.triu(np.ones((s.size, s.size)), 1)
        num_pairs += s.size * (s.size - 1) // 2
    Q[np.diag_indices(program.num_vars)] += c
    qubo = QUBO(Q, const, program.var_names)
    return Encoding(qubo, program.num_vars, "mis", {"penalty": float(penalty),
                                                     "num_pairs": num_pairs})


def onehot_penalty_qubo(program: BinaryProgram, penalty: float | None = None) -> Encoding:
    """Objective (as a minimisation) ``+ P sum_r (A_eq x - b_eq)_r^2`` on ``n`` qubits: the
    usual QAP/TSP encoding of one-hot (assignment) constraints.  ``<=`` rows are refused (they
    need :func:`slack_qubo` or :func:`penalty_qubo`).

    The default ``P`` is the largest change of the objective one bit flip can cause,
    ``max_i (|c_i| + sum_{j != i} |Q_ij + Q_ji|)`` (and at least 1): leaving a one-hot row costs
    at least ``P``, more than any single move can gain.  This is the common heuristic bound,
    much smaller than qiskit's ``1 + objective range``; it is not a proof that every minimiser
    is feasible, so check samples with ``program.is_feasible``.
    """
    if program.A_le.shape[0]:
        raise ValueError("onehot_penalty_qubo takes equality rows only; "
                         "<= rows need slack_qubo or penalty_qubo")
    c, q, const = _min_form(program)
    if penalty is None:
        off = np.abs(q + q.T)
        np.fill_diagonal(off, 0.0)
        penalty = max(float((np.abs(c + np.diag(q)) + off.sum(axis=1)).max(initial=0.0)), 1.0)
    S, h, pen_const = _square_penalty(program.A_eq, program.b_eq, float(penalty))
    Q = q + S
    Q[np.diag_indices(program.num_vars)] += c + h
    qubo = QUBO(Q, const + pen_const, program.var_names)
    return Encoding(qubo, program.num_vars, "onehot", {"penalty": float(penalty)})


# ------------------------------------------------------------------------------ qiskit bridge
def to_qiskit_quadratic_program(program: BinaryProgram):
    """The program as a qiskit-optimization ``QuadraticProgram`` (binary variables named as in
    ``program``; ``<=`` rows ``le{r}``, equalities ``eq{r}``; zero coefficients left out).

    qiskit-optimization is an optional dependency, imported here only; this exists to compare
    :func:`slack_qubo` with ``QuadraticProgramToQubo``.
    """
    try:
        from qiskit_optimization import QuadraticProgram
    except ImportError as exc:          # pragma: no cover - depends on the environment
        raise ImportError("to_qiskit_quadratic_program needs qiskit-optimization: "
                          "pip install qiskit-optimization") from exc

    def num(v: float):
        return int(v) if float(v).is_integer() else float(v)

    names = list(program.var_names)
    qp = QuadraticProgram(name=program.name)
    for name in names:
        qp.binary_var(name=name)
    linear = {names[i]: num(v) for i, v in enumerate(program.linear) if v}
    quadratic = {}
    if program.quadratic is not None:
        folded = _fold(program.quadratic)
        for i, j in zip(*np.nonzero(folded)):
            quadratic[names[i], names[j]] = num(folded[i, j])
    objective = qp.maximize if program.sense == "max" else qp.minimize
    objective(constant=num(program.constant), linear=linear, quadratic=quadratic)
    for tag, A, b, sense in (("le", program.A_le, program.b_le, "<="),
                             ("eq", program.A_eq, program.b_eq, "==")):
        for r, (row, rhs) in enumerate(zip(A, b)):
            coeffs = {names[i]: num(row[i]) for i in np.flatnonzero(row)}
            qp.linear_constraint(linear=coeffs, sense=sense, rhs=num(rhs), name=f"{tag}{r}")
    return qp
