"""Equivalence of two circuits on the same wires that differ by local rewrites.

After routing, every qtool pass rewrites gates locally: translation to the native basis,
1-qubit run fusion, 2-qubit block re-synthesis, inverse and commutation cancellation.  The
circuits before and after are far too wide for dense simulation, and decision diagrams
lose their way on them (rounding in thousands of arbitrary angles keeps the miter from
collapsing to the identity), but the difference between them is local, and so is this
check.

It peels both circuits from the front, as a miter ``B^-1 A`` evaluated from the middle.  The
invariant is::

    A == B   <=>   A_rest . D == B_rest          (up to global phase)

where ``A_rest`` and ``B_rest`` are what is left of the circuits and ``D`` is a dense
*discrepancy* operator on a small set ``S`` of wires, starting as the identity on none:

* a gate at the front of both remaining circuits, identical and clear of ``S``, commutes
  with ``D`` and is dropped from both;
* a front gate of ``A_rest`` inside ``S`` is absorbed as ``D <- g D``, one of ``B_rest`` as
  ``D <- D h^-1``;
* whenever ``D`` is a phase times the identity on a wire, that wire leaves ``S``;
* when nothing of that applies, the front gate touching ``S`` that adds the fewest wires
  is absorbed (``S`` grows, up to ``max_qubits``).

Every step keeps the invariant exactly (up to the tolerance of the ``D`` tests), so
reaching two empty circuits with ``D`` the identity proves equivalence, and with ``D``
something else proves the opposite.  ``S`` outgrowing ``max_qubits`` gives no verdict.
Rounding does not accumulate: each ``D`` is tested against the identity on its own.
"""
from __future__ import annotations

import numpy as np

from .circuit import Circuit
from .gates import BARRIER, UNITARY_OP
from .simulate import row_matrix

__all__ = ["local_equivalent"]


class _Side:
    """One circuit being peeled: per-wire queues of its rows and their heads."""

    def __init__(self, circ: Circuit):
        self.circ = circ
        rows = [i for i in range(len(circ)) if circ.op[i] != BARRIER]
        for i in rows:
            if circ.cond[i] >= 0 or not circ.gate(i).is_unitary:
                raise ValueError(f"row {i}: {circ.name_of(i)} is not a unitary gate")
        self.qubits = {i: circ.qubits_of(i) for i in rows}
        self.queue: list[list[int]] = [[] for _ in range(circ.num_qubits)]
        for i in rows:
            for q in self.qubits[i]:
                self.queue[q].append(i)
        self.head = [0] * circ.num_qubits
        self.left = len(rows)

    def at(self, w: int) -> int:
        """The row at the head of wire ``w``, or -1."""
        h = self.head[w]
        return self.queue[w][h] if h < len(self.queue[w]) else -1

    def front(self, w: int) -> int:
        """The row at the head of wire ``w`` if it heads all its wires, else -1."""
        i = self.at(w)
        if i < 0 or any(self.at(q) != i for q in self.qubits[i]):
            return -1
        return i

    def pop(self, i: int) -> None:
        for q in self.qubits[i]:
            self.head[q] += 1
        self.left -= 1


def _same_gate(a: Circuit, i: int, b: Circuit, j: int) -> bool:
    if a.op[i] != b.op[j] or a.qubits_of(i) != b.qubits_of(j):
        return False
    if a.op[i] == UNITARY_OP:
        return bool(np.allclose(a.mats[i], b.mats[j], rtol=0, atol=1e-12))
    pa, pb = a.params_of(i), b.params_of(j)
    return all(abs(float(x) - float(y)) <= 1e-12 for x, y in zip(pa, pb))


class _Discrepancy:
    """``D`` as a product of dense factors on disjoint wire sets (big-endian within a
    factor).  Separable parts are split off as soon as they appear, and factors that are
    a phase times the identity vanish, so ``D`` stays a few small matrices even when it
    holds 1-qubit leftovers (a fused rotation straddling two rewrites) on many wires."""

    def __init__(self, atol: float):
        self.factor: dict[int, list] = {}      # wire -> [wires, matrix] (shared object)
        self.atol = atol
        self.error = 0.0                          # bound on what splitting rounded away

    @property
    def wires(self):
        return self.factor.keys()

    def within_one(self, qubits) -> bool:
        """Do ``qubits`` all lie in one factor?"""
        f = self.factor.get(qubits[0])
        return f is not None and all(self.factor.get(q) is f for q in qubits[1:])

    def merged_size(self, qubits) -> int:
        seen = {id(self.factor[q]) : len(self.factor[q][0]) for q in qubits if q in self.factor}
        return sum(seen.values()) + sum(q not in self.factor for q in qubits)

    def _merge(self, qubits) -> list:
        parts, done = [], set()
        for q in qubits:
            f = self.factor.get(q)
            if f is None:
                f = [[q], np.eye(2, dtype=complex)]
            if id(f) not in done:
                done.add(id(f))
                parts.append(f)
        wires, mat = list(parts[0][0]), parts[0][1]
        for w, m in parts[1:]:
            wires += w
            mat = np.kron(mat, m)
        f = [wires, mat]
        for q in wires:
            self.factor[q] = f
        return f

    @staticmethod
    def _apply(f: list, mat: np.ndarray, qubits, m: np.ndarray) -> np.ndarray:
        s, k = len(f[0]), len(qubits)
        pos = [f[0].index(q) for q in qubits]
        t = m.reshape((2,) * s + (m.shape[1],))
        t = np.tensordot(mat.reshape((2,) * (2 * k)), t, axes=(list(range(k, 2 * k)), pos))
        return np.moveaxis(t, list(range(k)), pos).reshape(m.shape)

    def left(self, mat: np.ndarray, qubits) -> list[int]:
        """``D <- G D``; returns the wires that left ``D``."""
        f = self._merge(qubits)
        f[1] = self._apply(f, mat, qubits, f[1])
        return self._split(f)

    def right_inverse(self, mat: np.ndarray, qubits) -> list[int]:
        """``D <- D H^-1`` (= ``(H D^dagger)^dagger``); returns the wires that left ``D``."""
        f = self._merge(qubits)
        f[1] = self._apply(f, mat, qubits, f[1].conj().T).conj().T
        return self._split(f)

    def _split(self, f: list) -> list[int]:
        """Split single wires off ``f`` while it is a tensor product; drop identities.
        What either step rounds away (Frobenius norm) is added to ``self.error``."""
        gone = []
        j = 0
        while len(f[0]) > 1 and j < len(f[0]):
            s = len(f[0])
            t = f[1].reshape((2,) * (2 * s))
            t = np.moveaxis(t, [j, s + j], [0, 1]).reshape(4, -1)
            u, sv, vh = np.linalg.svd(t, full_matrices=False)
            rest_norm = float(np.sqrt(np.sum(sv[1:] ** 2)))
            if rest_norm > self.atol:
                j += 1
                continue
            self.error += rest_norm
            one = u[:, 0].reshape(2, 2) * np.sqrt(2)          # unitary up to a phase
            rest = (sv[0] / np.sqrt(2)) * vh[0]
            w = f[0].pop(j)
            dim = 1 << (s - 1)
            f[1] = rest.reshape(dim, dim)
            if self._drop_if_phase(one):
                del self.factor[w]
                gone.append(w)
            else:
                self.factor[w] = [[w], one]
        if len(f[0]) == 1 and self._drop_if_phase(f[1]):
            del self.factor[f[0][0]]
            gone.append(f[0][0])
        return gone

    def _drop_if_phase(self, m: np.ndarray) -> bool:
        """Is ``m`` a phase times the identity (within ``atol``)?  Counts the residual."""
        ph = m[0, 0] / abs(m[0, 0]) if abs(m[0, 0]) > 0.5 else 1.0
        res = float(np.linalg.norm(m - ph * np.eye(m.shape[0])))
        if res > self.atol:
            return False
        self.error += res
        return True

    def is_identity(self) -> bool:
        return not self.factor


def local_equivalent(a: Circuit, b: Circuit, *, max_qubits: int = 10, atol: float = 1e-8,
                     max_error: float = 1e-6) -> tuple[bool | None, str]:
    """Decide whether ``a`` and ``b`` (same width, unitary gates only, parameters bound)
    implement the same unitary up to global phase, by local peeling (module docstring).

    Returns ``(True, "")``, ``(False, why)``, or ``(None, why)`` when a factor of the
    discrepancy needed more than ``max_qubits`` wires.  "True" means
    ``||U_a - e^{i phi} U_b|| <= max_error`` for some phase: each split or dropped factor
    may round away up to ``atol`` (Frobenius norm), and their sum is the bound.
    """
    if a.num_qubits != b.num_qubits:
        return False, f"widths differ ({a.num_qubits} vs {b.num_qubits})"
    sa, sb = _Side(a), _Side(b)
    d = _Discrepancy(atol)
    dirty = list(range(a.num_qubits))       # wires whose heads may allow a cancellation
    while True:
        progress = True
        while progress:
            progress = False
            # identical front gates clear of D cancel
            while dirty:
                w = dirty.pop()
                i, j = sa.front(w), sb.front(w)
                if i >= 0 and j >= 0 and _same_gate(a, i, b, j) \
                        and not any(q in d.factor for q in sa.qubits[i]):
                    sa.pop(i)
                    sb.pop(j)
                    dirty.extend(sa.qubits[i])
                    progress = True
            # front gates inside one factor of D are absorbed: all of a's, then b's one at
            # a time until their wires leave D (b must not run ahead into the next
            # rewrite); gates that would merge factors wait for _pick
            absorbed = True
            while absorbed and d.factor:
                absorbed = False
                for side in (sa, sb):
                    for w in list(d.factor):
                        while w in d.factor:
                            i = side.front(w)
                            if i < 0 or not d.within_one(side.qubits[i]):
                                break
                            gone = _absorb(d, side, i, sa)
                            absorbed = progress = True
                            dirty.extend(gone)
                            if gone and side is sb:
                                break
        if sa.left == 0 and sb.left == 0:
            if not d.is_identity():
                return False, f"the circuits differ on qubits {sorted(d.factor)}"
            if d.error > max_error:
                return None, (f"equal only to within {d.error:.1e} (operator norm), more "
                              f"than {max_error:.0e}")
            return True, ""
        side, row = _pick(sa, sb, d)
        if row < 0:
            return None, "no front gate to absorb"
        qs = side.qubits[row]
        if d.merged_size(qs) > max_qubits:
            return None, _too_wide(max_qubits)
        dirty.extend(_absorb(d, side, row, sa))
        dirty.extend(qs)


def _too_wide(max_qubits: int) -> str:
    return f"the difference spreads over more than {max_qubits} entangled qubits"


def _absorb(d: _Discrepancy, side: _Side, row: int, sa: _Side) -> list[int]:
    """``D <- g D`` for a row of ``a``, ``D <- D h^-1`` for a row of ``b``; pops the row
    and returns the wires that left ``D``."""
    mat = row_matrix(side.circ, row)
    qs = side.qubits[row]
    side.pop(row)
    return d.left(mat, qs) if side is sa else d.right_inverse(mat, qs)


def _pick(sa: _Side, sb: _Side, d: _Discrepancy) -> tuple[_Side, int]:
    """The front gate to absorb when peeling is stuck: one touching ``D`` whose absorption
    leaves the smallest factor (the earliest row on ties, ``a`` first); with ``D`` empty,
    the earliest front gate of ``a`` (or of ``b`` once ``a`` is spent)."""
    best = None
    for side in (sa, sb):
        for w in d.factor:
            i = side.front(w)
            if i < 0:
                continue
            key = (d.merged_size(side.qubits[i]), i, side is sb)
            if best is None or key < best[0]:
                best = (key, side, i)
    if best is not None:
        return best[1], best[2]
    for side in (sa, sb):
        rows = [side.front(w) for w in range(len(side.head))]
        rows = [i for i in rows if i >= 0]
        if rows:
            return side, min(rows)
    return sa, -1
