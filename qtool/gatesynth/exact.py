"""Exact shortest-word search over any one-qubit basis: breadth-first tables of distinct
operators and meet in the middle.

:class:`WordTables` enumerates, level by level, every operator (modulo phase) whose shortest
word over the basis has length ``L``, keeping one shortest word each (a new operator is one
whose canonical quaternion, rounded, was not seen on an earlier level).  Level sizes grow
``5x`` per gate for HRC (a free group), about ``1.3x`` for the inverse-free ``{H, T}``.

**Meet in the middle.**  If the shortest word within ``eps`` of ``U`` has length ``L``, its
first ``b`` gates form an operator ``V`` of shortest length exactly ``b`` and its last
``L - b`` gates an operator ``W`` of shortest length exactly ``L - b`` (otherwise a shorter
word would exist), and ``eps_op(W^dag U, V) <= eps``.  :meth:`WordTables.shortest` tries
``L = 0, 1, ...`` with ``b = min(L, b_max)``, querying every ``W`` of level ``L - b`` against
a KD-tree of level ``b`` -- exact while level ``L - b`` is stored.  Words need no inverses, so
inverse-free bases work unchanged.

Examples
--------
>>> from qtool.gatesynth.bases import get_basis
>>> tables = WordTables(get_basis("ht"), max_level=12)
>>> [len(tables.level(n)[0]) for n in range(5)]
[1, 2, 3, 5, 8]
>>> r = tables.shortest(get_basis("ht").word_matrix(["h", "t", "h"]), eps=1e-9)
>>> r.gates, r.length
(['h', 't', 'h'], 3)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from .bases import Basis, get_basis
from .su2 import operator_keys, qconj, qdist, qmul, to_quaternion

__all__ = ["WordTables", "WordResult"]


@dataclass(frozen=True)
class WordResult:
    """A word in circuit order (``gates``), its cost under the basis, and ``eps_op``."""

    gates: list[str]
    cost: float
    eps_op: float

    @property
    def length(self) -> int:
        return len(self.gates)


class WordTables:
    """Levels of distinct operators up to ``max_level`` (module doc)."""

    def __init__(self, basis, max_level: int, max_size: int = 2_000_000, *,
                 strict: bool = True):
        """Levels ``0..max_level``; more than ``max_size`` operators raise ``ValueError``,
        or with ``strict=False`` end the tables at the last level that fits
        (``self.max_level`` is then the depth reached)."""
        self.basis: Basis = get_basis(basis)
        self._quats = [np.array([[1.0, 0.0, 0.0, 0.0]])]
        self._parent = [np.array([-1])]          # index into the previous level
        self._gate = [np.array([-1])]            # basis gate appended (applied last)
        seen = operator_keys(self._quats[0])
        total = 1
        for _ in range(max_level):
            prev = self._quats[-1]
            cand = qmul(self.basis.quats[None, :, :], prev[:, None, :]).reshape(-1, 4)
            parent = np.repeat(np.arange(len(prev)), len(self.basis.quats))
            gate = np.tile(np.arange(len(self.basis.quats)), len(prev))
            keys = operator_keys(cand)
            _, first = np.unique(keys, return_index=True)
            first = np.sort(first)
            keep = first[~np.isin(keys[first], seen)]
            if total + len(keep) > max_size:
                if not strict:
                    break
                raise ValueError(f"basis {self.basis.name}: more than {max_size} operators "
                                 f"by level {len(self._quats)}; lower max_level")
            seen = np.union1d(seen, keys[keep])
            total += len(keep)
            self._quats.append(cand[keep])
            self._parent.append(parent[keep])
            self._gate.append(gate[keep])
            if not len(keep):
                break
        self.max_level = min(max_level, len(self._quats) - 1)
        self._trees: dict[int, cKDTree] = {}

    def level(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``(quaternions, indices)`` of the operators of shortest length ``n``."""
        q = self._quats[n] if n < len(self._quats) else np.zeros((0, 4))
        return q, np.arange(len(q))

    def word(self, n: int, i: int) -> list[str]:
        """Shortest word (circuit order) of entry ``i`` of level ``n``."""
        out = []
        while n > 0:
            out.append(self.basis.names[int(self._gate[n][i])])
            i = int(self._parent[n][i])
            n -= 1
        return out[::-1]

    def tree(self, n: int) -> cKDTree | None:
        """KD-tree over the quaternions (both signs) of level ``n``: entry ``i`` and
        ``i + n_level`` are the same operator; distances are ``eps_op``."""
        if n not in self._trees:
            q = self.level(n)[0]
            self._trees[n] = cKDTree(np.concatenate([q, -q])) if len(q) else None
        return self._trees[n]

    def shortest(self, u, eps: float, max_length: int | None = None,
                 b_max: int | None = None) -> WordResult | None:
        """A shortest word within ``eps`` (``eps_op``) of ``u``, the closest among the
        shortest, or ``None`` if none has length ``<= max_length`` (default: the longest
        exact reach, ``2 * b_max``)."""
        qu = to_quaternion(u)
        b_max = self.max_level if b_max is None else min(b_max, self.max_level)
        max_length = 2 * b_max if max_length is None else max_length
        for length in range(max_length + 1):
            b = min(length, b_max)
            a = length - b
            if a >= len(self._quats):
                return None
            tree = self.tree(b)
            if tree is None:
                continue
            wq = self.level(a)[0]
            dist, idx = tree.query(qmul(qconj(wq), qu[None, :]))
            best = int(np.argmin(dist))
            if dist[best] <= eps:
                gates = self.word(b, int(idx[best]) % (tree.n // 2)) + self.word(a, best)
                q = to_quaternion(self.basis.word_matrix(gates))
                return WordResult(gates, self.basis.cost(gates), float(qdist(q, qu)))
        return None
