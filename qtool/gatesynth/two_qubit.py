"""Two-qubit operators over a discrete basis: exact KAK to at most three CNOTs, with the
one-qubit factors sharing one error budget.

:func:`qtool.synthesis.kak_decompose` writes any 4x4 unitary exactly as at most three ``cx``
between layers of one-qubit factors (eight factors for a generic operator, the interior ones
gauge-fixed to one or two axis rotations).  Only the factors are approximated, so the CNOT
count is the exact minimum (papers.md section 1.3: never more than 3).  For Clifford+T an
operator that is (close to) a short Clifford+T circuit is also searched for directly
(:mod:`.two_qubit_direct`, T-count <= :data:`DIRECT_MAX_T`, no more ``cx`` than KAK), and
the circuit with fewer T gates wins: controlled-S costs 3 T that way instead of about a
hundred through its generic KAK factors.

**Shared error budget.**  The operator-norm error of a product is at most the sum of its
factors' errors, so words within ``eps / m`` of each of ``m`` factors are always within
``eps`` together.  That split is wasteful: factor errors point in different directions of
su(4) and mostly add like a random walk.  So each factor gets a short list of candidate
words, cheapest to closest (for Clifford+T the exact T-count / error frontier -- for every
T-count the closest word, :meth:`~qtool.gatesynth.cliffordt.CliffordTTables.closest` --
then gridsynth's words), starting from every factor within ``eps / sqrt(m)`` (tightened
towards the safe ``eps / m`` while the product is not within ``eps``); then, greedily, the
factor whose next cheaper word saves the most (ties: keeps the *exact* 4x4 error smallest)
is downgraded, as long as that error stays within ``eps``.  The result is never worse than
the safe split and is checked on the full matrix.

Matrices are qtool's: big-endian in argument order (qubit 0 is the most significant bit);
``cx`` on ``(0, 1)`` has control 0.

Examples
--------
>>> import numpy as np
>>> from scipy.stats import unitary_group
>>> r = synthesize_2q(unitary_group.rvs(4, random_state=1), "clifford_t", 1e-2)
>>> r.cx_count, r.eps_op <= 1e-2
(3, True)
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from ..synthesis import kak_decompose
from .api import _clifford_t, clifford_t_tables, _t_count, synthesize
from .bases import Basis, get_basis
from .su2 import eps_op, eps_op_matrix
from .two_qubit_direct import circuit_matrix, cx_matrix, direct_clifford_t

__all__ = ["synthesize_2q", "TwoQubitResult"]

#: a factor's exact T-count / error frontier is followed to this T-count (each level costs
#: twice the one before: 28 keeps a factor near a tenth of a second), gridsynth beyond
_LADDER_MAX_T = 28

#: T-count up to which the direct two-qubit search runs (3: 3150 rotation sequences)
DIRECT_MAX_T = 3


@dataclass(frozen=True)
class TwoQubitResult:
    """A two-qubit circuit: ``gates`` are ``(name, qubits)`` in circuit order."""

    gates: list[tuple[str, tuple[int, ...]]]
    basis: str
    eps: float
    eps_op: float
    cx_count: int
    t_count: int
    length: int
    cost: float
    method: str
    seconds: float

    def to_dict(self) -> dict:
        d = asdict(self)
        d["gates"] = [[g, list(q)] for g, q in self.gates]
        return d

    def matrix(self, basis: Basis | None = None) -> np.ndarray:
        """The 4x4 matrix of the circuit (up to global phase)."""
        b = basis or get_basis(self.basis)
        m = np.eye(4, dtype=complex)
        for name, qubits in self.gates:
            if name == "cx":
                g = cx_matrix(qubits)
            else:
                g = _on(b.word_matrix([name]), qubits[0])
            m = g @ m
        return m


def _on(m: np.ndarray, qubit: int) -> np.ndarray:
    return np.kron(m, np.eye(2)) if qubit == 0 else np.kron(np.eye(2), m)


@dataclass(frozen=True)
class _Candidate:
    gates: list[str]
    cost: float
    matrix: np.ndarray
    error: float


class _Ladder:
    """Words for one factor ``f``, cheapest first and closest last, none farther than
    ``eps_max``; extended (and cached) as the safe error tightens."""

    def __init__(self, f: np.ndarray, basis: Basis, eps_max: float):
        self.f, self.basis, self.eps_max = f, basis, eps_max
        self.rungs: list[_Candidate] = []
        self.next_t = 0                         # Clifford+T: next frontier T-count to try

    def _add(self, gates: list[str], cost: float) -> None:
        m = self.basis.word_matrix(gates)
        c = _Candidate(gates, float(cost), m, float(eps_op(m, self.f)))
        if c.error > self.eps_max or (self.rungs and c.error >= self.rungs[-1].error):
            return                              # too far, or no closer than a cheaper word
        while self.rungs and self.rungs[-1].cost >= c.cost:
            self.rungs.pop()                    # as cheap or cheaper, and closer
        self.rungs.append(c)

    def _closest_error(self) -> float:
        return self.rungs[-1].error if self.rungs else np.inf

    def words(self, eps_safe: float) -> list[_Candidate]:
        if self._closest_error() <= eps_safe:
            return self.rungs
        if self.basis.name == "clifford_t":
            # the exact frontier while the counting bound says it can reach ...
            tables = clifford_t_tables()
            want = min(_LADDER_MAX_T, int(np.ceil(3 * np.log2(1 / eps_safe) + 2)))
            if 3 * np.log2(1 / self.eps_max) - 4.93 <= _LADDER_MAX_T:
                while self.next_t <= want and self._closest_error() > eps_safe:
                    r = tables.closest(self.f, self.next_t)
                    self._add(r.gates, r.t_count)
                    self.next_t += 1
            # ... then gridsynth's words on a geometric ladder of tolerances
            e = min(self.eps_max, self._closest_error())
            while self._closest_error() > eps_safe:
                e = max(e / 2 ** 0.5, eps_safe)
                gates, _ = _clifford_t(self.f, e, max_t=0)
                self._add(gates, _t_count(gates))
            return self.rungs
        # any other basis: the cheapest word on a geometric ladder of tolerances
        e = min(self.eps_max, self._closest_error())
        while self._closest_error() > eps_safe:
            e = max(e / 2 ** 0.5, eps_safe)
            r = synthesize(self.f, self.basis, e)
            self._add(r.gates, r.cost)
        return self.rungs


def synthesize_2q(u, basis="clifford_t", eps: float = 1e-2) -> TwoQubitResult:
    """A circuit of at most three ``cx`` and basis words within ``eps`` (``eps_op``) of the
    4x4 unitary ``u`` (module doc)."""
    u = np.asarray(u, dtype=complex)
    if u.shape != (4, 4) or not np.allclose(u @ u.conj().T, np.eye(4), atol=1e-8):
        raise ValueError("the target must be a 4x4 unitary")
    if not 0 < eps <= 1:
        raise ValueError(f"eps must lie in (0, 1], got {eps}")
    b = get_basis(basis)
    t0 = time.perf_counter()
    ops, _ = kak_decompose(u, "cx")
    factors = [op[2] for op in ops if op[0] == "1q"]
    m = len(factors)
    ladders = [_Ladder(f, b, eps) for f in factors]

    def error(ch) -> float:
        return eps_op_matrix(_assemble(ops, [c[i].matrix for c, i in zip(cands, ch)]), u)

    # start where the factor errors would add like a random walk (eps / sqrt(m) each) and
    # tighten to the always-safe eps / m only while the start is not within eps
    eps_safe = eps / np.sqrt(m)
    while True:
        cands = [ld.words(eps_safe) for ld in ladders]
        choice = [len(c) - 1 for c in cands]              # every factor within eps_safe
        if eps_safe <= eps / m or error(choice) <= eps:
            break
        eps_safe = max(eps_safe / np.sqrt(2), eps / m)
    err = error(choice)
    while True:        # greedy descent: the biggest saving that keeps the product within eps
        best = None
        for i, c in enumerate(cands):
            if choice[i] == 0:
                continue
            trial = choice.copy()
            trial[i] -= 1
            e = error(trial)
            key = (c[choice[i]].cost - c[choice[i] - 1].cost, -e)
            if e <= eps and (best is None or key > best[0]):
                best = (key, e, trial)
        if best is None:
            break
        _, err, choice = best
    words = [c[i].gates for c, i in zip(cands, choice)]
    gates: list[tuple[str, tuple[int, ...]]] = []
    k = 0
    for op in ops:
        if op[0] == "1q":
            gates += [(g, (op[1],)) for g in words[k]]
            k += 1
        else:
            gates.append(("cx", (op[1], op[2])))
    method = f"KAK ({sum(op[0] == '2q' for op in ops)} cx) + {m} one-qubit words sharing " \
        "the budget"
    if b.name == "clifford_t":
        # an operator that is (near) a short Clifford+T circuit: the direct search wins
        direct = direct_clifford_t(u, eps, max_t=DIRECT_MAX_T,
                                   max_cx=sum(op[0] == "2q" for op in ops))
        if direct is not None and _score(direct) < _score(gates):
            gates, err = direct, eps_op_matrix(circuit_matrix(direct), u)
            method = "direct two-qubit Clifford+T search"
    names = [g for g, _ in gates]
    return TwoQubitResult(
        gates, b.name, float(eps), float(err), names.count("cx"), _t_count(names), len(gates),
        b.cost([g for g in names if g != "cx"]), method, time.perf_counter() - t0)


def _score(gates) -> tuple[int, int, int]:
    """T-count, then cx count, then length."""
    names = [g for g, _ in gates]
    return _t_count(names), names.count("cx"), len(names)


def _assemble(ops, mats) -> np.ndarray:
    """The 4x4 product of a KAK op list with its one-qubit factors replaced by ``mats``."""
    out = np.eye(4, dtype=complex)
    k = 0
    for op in ops:
        if op[0] == "1q":
            g = _on(mats[k], op[1])
            k += 1
        else:
            g = cx_matrix((op[1], op[2]))
        out = g @ out
    return out
