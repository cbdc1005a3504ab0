"""Synthesis of every one-qubit gate into a word over a finite basis (Clifford+T ...).

:class:`SynthesizeDiscrete` is the last pass of a compile for a fault-tolerant target
(``ft:clifford_t``, see :func:`qtool.targets.generators.discrete_target`).  Translation and
optimisation work in the target's continuous working basis (``u``); this pass then

1. multiplies each maximal run of one-qubit gates on a wire into one 2x2 matrix (the run
   finder and batched products of :mod:`qtool.passes.optimization.one_qubit`); a
   conditioned one-qubit gate is a run of its own;
2. emits runs that are *exactly* words of the basis (Cliffords, ``T`` powers, anything the
   exact tables of :func:`qtool.gatesynth.synthesize` reach with ``eps_op < 1e-12``) as
   those words -- T-optimal for Clifford+T -- at no cost to the error budget;
3. shares the budget ``eps`` among the ``N`` other runs: each is synthesised within
   ``eps / N`` (:func:`qtool.gatesynth.synthesize`, T-optimal / gridsynth for Clifford+T).
   The operator-norm error of a product is at most the sum of its factors' errors
   (``||AB - A'B'|| <= ||A - A'|| + ||B - B'||`` for unitaries), so the whole circuit is
   within ``eps`` (``eps_op``, phase-invariant) of its input.  Identical run operators
   (modulo phase) are synthesised once.

The best-fitting global phase of every word goes to the circuit's global phase, so an exact
run changes nothing and an approximate one is off by its ``eps_op`` only.  Clifford+T words
are tidied: adjacent diagonal gates merge (``t t -> s``, ``s s -> z``), ``h h`` cancels and
``h z h`` becomes ``x``, which never raises the T-count.

What was done is recorded in ``ctx.analyses["synthesis"]`` (and the compile sidecar):
``basis``, ``eps``, ``error_bound`` (sum of the achieved per-run ``eps_op``, ``<= eps``),
``runs`` (runs synthesised approximately), ``exact_runs``, ``distinct`` (distinct operators
synthesised), ``eps_per_run`` and ``t_count`` (T gates in the output).

Symbolic angles have no finite word: they raise :class:`~qtool.errors.CompileError` (bind
parameters first).

Examples
--------
>>> from qtool import Circuit
>>> c = Circuit.from_instructions(1, [("h", (0,)), ("rz", (0,), (0.7853981633974483,)),
...                                   ("h", (0,))])
>>> out = SynthesizeDiscrete("clifford_t", 1e-3)(c)
>>> [ins.name for ins in out]
['h', 't', 'h']
"""
from __future__ import annotations

import cmath
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from qtool.circuit import FLAG_COND_VAL, Circuit
from qtool.errors import CompileError, QtoolError
from qtool.gates import GATES
from qtool.passmanager import PROPERTIES, Context, Pass

from .rows import TableWriter

__all__ = ["SynthesizeDiscrete", "synthesize_discrete", "check_bound", "EXACT_EPS",
           "DEFAULT_EPS"]

#: a run within this ``eps_op`` of a word is emitted as that word, free of budget
EXACT_EPS = 1e-12
#: default total error budget of a compile for a discrete target
DEFAULT_EPS = 1e-3

_DIAG_K = {"t": 1, "s": 2, "z": 4, "sdg": 6, "tdg": 7}     # diag(1, w^k), w = e^{i pi/4}
_TIDY = frozenset({"h", "x", *_DIAG_K})


def check_eps(eps) -> float:
    """``eps`` as a float in ``(0, 1]`` or :class:`CompileError`."""
    try:
        e = float(eps)
    except (TypeError, ValueError):
        raise CompileError(f"eps must be a number in (0, 1], got {eps!r}") from None
    if not 0 < e <= 1:          # also rejects nan
        raise CompileError(f"eps must lie in (0, 1], got {eps!r}")
    return e


def check_bound(circ: Circuit, basis: str = "clifford_t", rows=None) -> None:
    """Raise :class:`CompileError` naming the first symbolic angle of ``circ`` (of the
    rows ``rows``, default all): no finite word stands for every value of a parameter."""
    if not circ.exprs:
        return
    for i in (range(len(circ)) if rows is None else np.asarray(rows).tolist()):
        if circ.is_parametric(i):
            expr = next(str(p) for p in circ.params_of(i) if not isinstance(p, float))
            qs = ", ".join(map(str, circ.qubits_of(i)))
            raise CompileError(f"cannot synthesise symbolic angle {expr} of "
                               f"{circ.name_of(i)} on qubit {qs} over a discrete basis "
                               f"({basis}); bind parameters first")


def _basis(name: str):
    from qtool.gatesynth.bases import get_basis
    try:
        b = get_basis(name)
    except QtoolError as exc:
        raise CompileError(str(exc)) from None
    missing = [g for g in b.names if g not in GATES.by_name
               or GATES.by_name[g].num_qubits != 1]
    if missing:
        raise CompileError(f"basis {b.name}: gates {', '.join(missing)} are not circuit gates, "
                           "so its words cannot be written into a circuit")
    return b


# ------------------------------------------------------------------------------ words
def _word_matrix(gates) -> np.ndarray:
    out = np.eye(2, dtype=complex)
    for g in gates:
        out = GATES.by_name[g].matrix() @ out
    return out


def _diag_word(k: int, allow_z: bool) -> list[str]:
    k %= 8
    if k == 4:
        return ["z"] if allow_z else ["s", "s"]
    if k == 5:
        return ["z", "t"] if allow_z else ["sdg", "tdg"]
    return {0: [], 1: ["t"], 2: ["s"], 3: ["s", "t"], 6: ["sdg"], 7: ["tdg"]}[k]


def tidy_clifford_t(gates, allow_xz: bool = True) -> list[str]:
    """Merge adjacent diagonal gates, cancel ``h h`` and ``x x``, and (``allow_xz``) write
    ``h z h`` as ``x``; never raises the T-count (gate names in circuit order)."""
    if not set(gates) <= _TIDY:
        return list(gates)
    stack: list = []                 # ("h",) | ("x",) | ("d", k)
    for g in gates:
        tok = ("d", _DIAG_K[g]) if g in _DIAG_K else (g,)
        while True:
            top = stack[-1] if stack else None
            if tok[0] == "d":
                if tok[1] % 8 == 0:
                    break
                if top is not None and top[0] == "d":
                    stack.pop()
                    tok = ("d", (top[1] + tok[1]) % 8)
                    continue
                stack.append(tok)
                break
            if top == tok:               # h h, x x
                stack.pop()
                break
            if (tok == ("h",) and allow_xz and top == ("d", 4) and len(stack) >= 2
                    and stack[-2] == ("h",)):
                del stack[-2:]
                tok = ("x",)
                continue
            stack.append(tok)
            break
    out: list[str] = []
    for tok in stack:
        out += _diag_word(tok[1], allow_xz) if tok[0] == "d" else [tok[0]]
    return out


@lru_cache(maxsize=1)
def _cliffords():
    from qtool.gatesynth.cliffordt import circuit_gates, clifford_words
    words, quats = clifford_words()
    return [circuit_gates(w) for w in words], quats


@lru_cache(maxsize=4096)
def _exact_word(basis: str, key: bytes) -> tuple[str, ...] | None:
    """A word of ``basis`` equal (``eps_op <= EXACT_EPS``) to the 2x2 matrix of bytes
    ``key`` -- T-optimal for Clifford+T, reached by the exact tables (T-count up to twice
    their depth) -- or ``None``."""
    from qtool.gatesynth.su2 import qdist, to_quaternion
    m = np.frombuffer(key, dtype=complex).reshape(2, 2)
    if basis != "clifford_t":
        from qtool.gatesynth.api import synthesize
        try:
            r = synthesize(m, basis, EXACT_EPS)
        except (QtoolError, ValueError):
            return None
        # a long word within EXACT_EPS is an approximation, not the operator itself
        return tuple(r.gates) if r.eps_op <= EXACT_EPS and r.length <= 80 else None
    words, quats = _cliffords()
    d = qdist(quats, to_quaternion(m)[None, :])
    j = int(np.argmin(d))
    if d[j] <= EXACT_EPS:
        return tuple(words[j])
    if abs(m[0, 1]) < EXACT_EPS and abs(m[1, 0]) < EXACT_EPS:
        # exact diagonal Clifford+T operators are w^j diag(1, w^k), nothing else
        theta = cmath.phase(m[1, 1] / m[0, 0])
        k = round(theta / (math.pi / 4))
        return tuple(_diag_word(k, True)) if abs(theta - k * math.pi / 4) <= EXACT_EPS \
            else None
    from qtool.gatesynth.api import clifford_t_tables
    tables = clifford_t_tables()
    r = tables.optimal(m, EXACT_EPS, max_t=2 * tables.b_max)
    return None if r is None else tuple(r.gates)


@lru_cache(maxsize=4096)
def _approx_word(basis: str, key: bytes, eps: float) -> tuple[str, ...]:
    from qtool.gatesynth.api import SynthesisError, synthesize
    m = np.frombuffer(key, dtype=complex).reshape(2, 2)
    try:
        return tuple(synthesize(m, basis, eps).gates)
    except (SynthesisError, ValueError) as exc:
        raise CompileError(f"cannot synthesise a one-qubit operator over {basis} within "
                           f"eps_op {eps:.3g}: {exc}") from None


def _fit_phase(word_m: np.ndarray, m: np.ndarray) -> float:
    """The phase ``p`` minimising ``||m - e^{ip} W||`` (exact when ``m`` is a phase times
    ``W``)."""
    return cmath.phase(np.trace(word_m.conj().T @ m))


# ------------------------------------------------------------------------------ the pass
def synthesize_discrete(circ: Circuit, basis: str = "clifford_t", eps: float = DEFAULT_EPS,
                        target=None) -> tuple[Circuit, dict]:
    """Function form of :class:`SynthesizeDiscrete`: ``(circuit, record)`` (module doc)."""
    from qtool.gatesynth.su2 import eps_op, operator_keys, to_quaternion

    from ..optimization._rewrite import IS_UNITARY, peephole, symbolic_rows
    from ..optimization.one_qubit import _run_products
    from qtool.synthesis import matrices_1q

    b = _basis(basis)
    eps = check_eps(eps)
    if target is not None and target.discrete_basis not in (None, b.name):
        raise CompileError(f"SynthesizeDiscrete(basis={b.name!r}) on target {target.name}, "
                           f"whose discrete basis is {target.discrete_basis!r}")
    allowed = set(target.basis_1q) if target is not None and target.discrete_basis else (
        set(b.names) | ({"x", "z"} if b.name == "clifford_t" else set()))
    allow_xz = b.name == "clifford_t" and {"x", "z"} <= allowed

    def tidy(word) -> list[str]:
        return tidy_clifford_t(word, allow_xz) if b.name == "clifford_t" else list(word)

    record = {"basis": b.name, "eps": eps, "error_bound": 0.0, "runs": 0, "exact_runs": 0,
              "distinct": 0, "eps_per_run": None, "t_count": 0, "max_run_error": 0.0}
    n = len(circ)
    if n == 0:
        return circ, record
    one = (circ.arity() == 1) & IS_UNITARY[circ.op]
    if circ.exprs:
        check_bound(circ, b.name, rows=np.flatnonzero(symbolic_rows(circ) & one))

    # the runs: maximal unconditioned ones (kernel), then each conditioned gate alone
    eligible = one & (circ.cond < 0)
    ptr, wires = circ.operands()
    _, run_ptr, run_rows = peephole().collect_runs(ptr, wires, eligible.astype(np.uint8),
                                                   circ.num_qubits)
    runs = [run_rows[run_ptr[r]:run_ptr[r + 1]] for r in range(len(run_ptr) - 1)]
    mats = list(_run_products(matrices_1q(circ, run_rows), run_ptr)) if runs else []
    cond_rows = np.flatnonzero(one & (circ.cond >= 0))
    runs += [np.array([i]) for i in cond_rows.tolist()]
    mats += list(matrices_1q(circ, cond_rows))
    if not runs:
        record["t_count"] = _t_count(circ)
        return circ, record

    # distinct operators (modulo phase); the first occurrence is the representative
    keys = operator_keys(to_quaternion(np.array(mats))).tolist()
    rep: dict[int, bytes] = {}
    for k, m in zip(keys, mats):
        rep.setdefault(k, np.ascontiguousarray(m, dtype=complex).tobytes())
    by_key = {k: _exact_word(b.name, rep[k]) for k in rep}
    exact = []
    for k, m in zip(keys, mats):
        w = by_key[k]
        if w is not None and float(eps_op(_word_matrix(w), m)) > EXACT_EPS:
            # near the representative (1e-10), not equal to it: decide on its own
            w = _exact_word(b.name, np.ascontiguousarray(m, dtype=complex).tobytes())
        exact.append(w)
    # a run that is already a word of the basis is exact too (even beyond the tables)
    own = []
    for rows in runs:
        names = [circ.name_of(i) for i in rows.tolist()]
        own.append(tidy(names) if set(names) <= allowed else None)
    todo = [j for j in range(len(runs)) if exact[j] is None and own[j] is None]
    eps_run = eps / len(todo) if todo else None

    words: list[list[str]] = []
    errors: list[float] = []
    distinct = set()
    for j, m in enumerate(mats):
        k = keys[j]
        if exact[j] is not None or own[j] is not None:
            cands = [w for w in (own[j], None if exact[j] is None else tidy(exact[j]))
                     if w is not None]
            w = min(cands, key=_cost)
        else:
            distinct.add(k)
            w = tidy(_approx_word(b.name, rep[k], eps_run))
            if float(eps_op(_word_matrix(w), m)) > eps_run:
                # the representative is within 1e-10 of this run, not equal: its own word
                own_key = np.ascontiguousarray(m, dtype=complex).tobytes()
                w = tidy(_approx_word(b.name, own_key, eps_run))
        words.append(w)
        errors.append(float(eps_op(_word_matrix(w), m)))

    # rebuild: each run's word after its last row; unconditioned phases go global
    keep = np.ones(n, dtype=bool)
    at: dict[int, tuple] = {}
    phase = 0.0
    for rows, m, w in zip(runs, mats, words):
        keep[rows] = False
        last = int(rows[-1])
        q = circ.qubits_of(last)[0]
        c = int(circ.cond[last])
        cv = int(circ.flags[last] & FLAG_COND_VAL)
        at[last] = (w, q, c, cv)
        if c < 0:
            phase += _fit_phase(_word_matrix(w), m)
    out = _splice(circ, keep, at, phase)
    non_exact = [errors[j] for j in todo]
    record.update(error_bound=float(sum(errors)), runs=len(todo),
                  exact_runs=len(runs) - len(todo), distinct=len(distinct),
                  eps_per_run=eps_run, t_count=_t_count(out),
                  max_run_error=float(max(non_exact)) if non_exact else 0.0)
    return out, record


def _t_count(circ: Circuit) -> int:
    return int(sum(v for g, v in circ.count_ops().items() if g in ("t", "tdg")))


def _cost(gates) -> tuple[int, int]:
    return (sum(g in ("t", "tdg") for g in gates), len(gates))


def _splice(circ: Circuit, keep: np.ndarray, at: dict, phase: float) -> Circuit:
    w = TableWriter(circ)
    start = 0
    for p in sorted(at):
        w.extend(circ, np.flatnonzero(keep[start:p + 1]) + start)
        gates, q, c, cv = at[p]
        for g in gates:
            w.append(g, (q,), cond=c, cond_val=cv)
        start = p + 1
    w.extend(circ, np.flatnonzero(keep[start:]) + start)
    if phase:
        w.global_phase = w.global_phase + phase
    return w.build()


@dataclass(frozen=True)
class SynthesizeDiscrete(Pass):
    """Turn every one-qubit run into a word over a finite basis, within ``eps`` in total."""

    basis: str = "clifford_t"
    eps: float = DEFAULT_EPS

    requires: ClassVar[frozenset] = frozenset()
    establishes: ClassVar[frozenset] = frozenset({"discrete"})
    invalidates: ClassVar[frozenset] = frozenset()     # only one-qubit rows change
    stage: ClassVar[str] = "translation"

    def __post_init__(self):
        if not isinstance(self.basis, str):
            raise ValueError("SynthesizeDiscrete: basis must be a basis name")
        try:
            object.__setattr__(self, "eps", check_eps(self.eps))
        except CompileError as exc:
            raise ValueError(f"SynthesizeDiscrete: {exc}") from None

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        tgt = ctx.target
        if tgt is not None and not tgt.discrete_basis:
            raise CompileError(f"SynthesizeDiscrete needs a discrete target (ft:{self.basis}) "
                               f"or none, not {tgt.name}")
        out, record = synthesize_discrete(circ, self.basis, self.eps, tgt)
        ctx.analyses["synthesis"] = record
        ctx.log.debug("SynthesizeDiscrete: %d runs within %.3g (bound %.3g), %d exact, "
                      "T-count %d", record["runs"], self.eps, record["error_bound"],
                      record["exact_runs"], record["t_count"])
        return out


def _discrete_property(circ: Circuit, ctx: Context) -> bool:
    """Every one-qubit gate is a gate of the target's discrete basis (vacuous without a
    discrete target)."""
    tgt = ctx.target
    if tgt is None or not tgt.discrete_basis:
        return True
    names = {GATES[int(o)].name for o in np.unique(circ.op[circ.arity() == 1])}
    return {g for g in names if GATES.by_name[g].is_unitary} <= set(tgt.basis_1q)


PROPERTIES.setdefault("discrete", _discrete_property)
