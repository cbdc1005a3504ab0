"""Exact one-qubit Clifford+T tables (Matsumoto-Amano normal forms) and T-optimal
meet-in-the-middle synthesis.

Every one-qubit Clifford+T operator has a unique normal form (Matsumoto & Amano 2008)

    M = [T] (HT | SHT)^k C          (matrix-product order; C one of the 24 Cliffords)

whose T-count ``n`` (1 for the optional leading ``T`` plus ``k``) is the operator's minimal
T-count.  So there are exactly ``24 (3 * 2^n - 2)`` operators (modulo phase) of T-count
``<= n`` (papers.md section 1.3), and they are enumerated here level by level: the *prefixes*
``P_n = [T](HT|SHT)^k`` of T-count ``n`` (``3 * 2^(n-1)`` of them) and the full forms
``P_n C``.

**Meet in the middle.**  If ``U`` is approximated by an operator of T-count ``n``, its normal
form splits as ``A B`` with ``A`` a prefix of T-count ``a`` and ``B`` a full form of T-count
``n - a``; so ``eps_op(A^dag U, B) <= eps``.  :class:`CliffordTTables` keeps the full forms of
T-count ``<= b_max`` in one KD-tree per level (quaternions of both signs), and
:meth:`CliffordTTables.optimal` tries ``n = 0, 1, ...``, querying every prefix of T-count
``n - min(n, b_max)`` -- exact (T-optimal) as long as that prefix level is enumerable.

Words are strings over ``H``, ``S``, ``T`` in *matrix-product order* (the leftmost letter is
applied last); :func:`circuit_gates` turns one into gate names in circuit order.

Examples
--------
>>> import numpy as np
>>> tables = CliffordTTables(b_max=6)
>>> len(tables.full(3)) == 24 * 3 * 2 ** 2
True
>>> tz = np.diag([1, np.exp(1j * np.pi / 4)])          # T itself
>>> r = tables.optimal(tz, eps=1e-9)
>>> r.t_count, r.eps_op < 1e-9
(1, True)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.spatial import cKDTree

from .su2 import qconj, qdist, qmul, to_quaternion

__all__ = ["LETTERS", "clifford_words", "circuit_gates", "word_quaternion", "CliffordTTables",
           "Synthesis"]

_S2 = 1.0 / np.sqrt(2.0)
LETTERS = {"H": np.array([[_S2, _S2], [_S2, -_S2]], dtype=complex),
           "S": np.diag([1.0, 1j]).astype(complex),
           "T": np.diag([1.0, np.exp(1j * np.pi / 4)]).astype(complex)}
_Q = {k: to_quaternion(v) for k, v in LETTERS.items()}


def word_quaternion(word: str) -> np.ndarray:
    """Quaternion of a word in matrix-product order (``""`` is the identity)."""
    q = np.array([1.0, 0.0, 0.0, 0.0])
    for letter in word:
        q = qmul(q, _Q[letter])
    return q


def circuit_gates(word: str) -> list[str]:
    """Gate names in circuit order (first applied first) of a matrix-order word."""
    return [c.lower() for c in reversed(word)]


@lru_cache(maxsize=None)
def clifford_words() -> tuple[tuple[str, ...], np.ndarray]:
    """The 24 one-qubit Cliffords as shortest ``H``/``S`` words (identity first, breadth-first,
    ``H`` before ``S``) and their quaternions."""
    words, quats = [""], [word_quaternion("")]
    frontier = [""]
    while frontier:
        nxt = []
        for w in frontier:
            for g in "HS":
                cand = w + g
                q = word_quaternion(cand)
                if all(abs(float(q @ p)) < 1 - 1e-9 for p in quats):
                    words.append(cand)
                    quats.append(q)
                    nxt.append(cand)
        frontier = nxt
    assert len(words) == 24
    return tuple(words), np.array(quats)


@dataclass(frozen=True)
class Synthesis:
    """A synthesised word: ``word`` (matrix order), its ``t_count``, ``eps_op`` to the
    target, and ``gates`` (circuit order)."""

    word: str
    t_count: int
    eps_op: float

    @property
    def gates(self) -> list[str]:
        return circuit_gates(self.word)

    @property
    def length(self) -> int:
        return len(self.word)


class CliffordTTables:
    """Normal-form tables up to T-count ``b_max`` and T-optimal meet-in-the-middle search
    (module doc)."""

    def __init__(self, b_max: int = 10):
        if not 0 <= b_max <= 16:
            raise ValueError("b_max must be in 0..16")
        self.b_max = b_max
        self.cliffords, self.clifford_q = clifford_words()
        self._prefix_words: dict[int, list[str]] = {0: [""]}
        self._prefix_q: dict[int, np.ndarray] = {0: word_quaternion("")[None, :]}
        self._trees: dict[int, cKDTree] = {}

    # --------------------------------------------------------------------- enumeration
    def prefixes(self, n: int) -> tuple[list[str], np.ndarray]:
        """Words and quaternions of the ``3 * 2^(n-1)`` prefixes of T-count ``n``."""
        if n not in self._prefix_words:
            if n == 1:
                words = ["T", "HT", "SHT"]
                quats = np.array([word_quaternion(w) for w in words])
            else:
                pw, pq = self.prefixes(n - 1)
                words = [w + s for w in pw for s in ("HT", "SHT")]
                syl = np.array([word_quaternion("HT"), word_quaternion("SHT")])
                quats = qmul(pq[:, None, :], syl[None, :, :]).reshape(-1, 4)
            self._prefix_words[n] = words
            self._prefix_q[n] = quats
        return self._prefix_words[n], self._prefix_q[n]

    def full(self, n: int) -> np.ndarray:
        """Quaternions of the full normal forms of T-count ``n``: prefix-major, Clifford
        minor (entry ``i`` is ``prefix[i // 24] * clifford[i % 24]``)."""
        _, pq = self.prefixes(n)
        return qmul(pq[:, None, :], self.clifford_q[None, :, :]).reshape(-1, 4)

    def full_word(self, n: int, i: int) -> str:
        words, _ = self.prefixes(n)
        return words[i // 24] + self.cliffords[i % 24]

    def tree(self, n: int) -> cKDTree:
        """KD-tree over the quaternions (both signs) of level ``n``: entry ``i`` and
        ``i + n_level`` are the same operator; distances are ``eps_op``."""
        if n not in self._trees:
            q = self.full(n)
            self._trees[n] = cKDTree(np.concatenate([q, -q]))
        return self._trees[n]

    # --------------------------------------------------------------------------- search
    def closest(self, u, n: int) -> Synthesis:
        """The operator of T-count exactly ``n`` closest (``eps_op``) to the 2x2 ``u``."""
        return self._closest(to_quaternion(u), n)

    def _closest(self, qu: np.ndarray, n: int) -> Synthesis:
        b = min(n, self.b_max)
        pw, pq = self.prefixes(n - b)
        tree = self.tree(b)
        dist, idx = tree.query(qmul(qconj(pq), qu[None, :]))   # the distances are eps_op
        best = int(np.argmin(dist))
        word = pw[best] + self.full_word(b, int(idx[best]) % (tree.n // 2))
        return Synthesis(word, n, float(qdist(word_quaternion(word), qu)))

    def optimal(self, u, eps: float, max_t: int | None = None) -> Synthesis | None:
        """A T-count-optimal word within ``eps`` (``eps_op``) of the 2x2 unitary ``u``, or
        ``None`` if none has T-count ``<= max_t`` (default: twice ``b_max``).  Among the
        optimal candidates the closest one wins."""
        qu = to_quaternion(u)
        max_t = 2 * self.b_max if max_t is None else max_t
        for n in range(max_t + 1):
            r = self._closest(qu, n)
            if r.eps_op <= eps:
                return r
        return None
