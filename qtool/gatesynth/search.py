"""Batched AQ*-style search for a word within ``eps`` of a one-qubit target, guided by a
cost-to-go heuristic and finished by exact tables.

The search builds a word from its *last* moves backwards: a node is a word ``W`` (its moves
in matrix order, the leftmost applied last) with cost ``g`` and residual ``R = W^dag U``; a
node is a goal when ``R`` is within ``eps`` of an entry of the exact suffix tables, which
then supplies the first gates.  Moves and tables come from a :class:`MoveSet`:

* :func:`clifford_t_moves` -- the Matsumoto-Amano syllables ``T``, ``HT``, ``SHT`` (one T
  each; after the first move only ``HT``/``SHT``, so every prefix is a normal-form prefix),
  with the normal-form tables of :mod:`.cliffordt` as suffixes: cost = T-count;
* :func:`basis_moves` -- the gates of any basis (cost 1 each), with the breadth-first tables
  of :mod:`.exact` as suffixes: cost = length.

**AQ\\*** (Agostinelli et al., papers.md section 1.2).  The heuristic scores *all* children
of a batch of parents in one call, ``q[i, a] ~ c(a) + h(child)``, so children are pushed as
``(parent, move)`` pairs with priority ``lam * g(parent) + q`` and only materialised when
popped; ``batch`` pairs are popped at a time.  The closed set is keyed on the residual's
rounded canonical quaternion.  Every popped child is goal-tested against every table level
(one KD-tree query per level for the whole batch); the cheapest solution found is kept, and
the search stops when the next priority cannot beat it (with ``lam = 1`` and a heuristic
that never over-estimates, that solution is optimal), or at the node budget or time limit.
``heuristic=None`` gives plain best-first search on ``g`` -- the ablation baseline.
"""
from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .su2 import operator_keys, qconj, qdist, qmul, to_quaternion

__all__ = ["MoveSet", "SearchResult", "clifford_t_moves", "basis_moves", "aqstar",
           "learned_heuristic"]

Heuristic = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``h(residuals (N, 4), last_moves (N,)) -> (N, n_moves)`` estimated child costs-to-go
(transition cost included); ``last_moves`` is -1 at the root."""


@dataclass
class MoveSet:
    """Moves and how to finish a word.

    ``names[a]`` is move ``a`` as a list of tokens in matrix order (leftmost applied last),
    ``quats``/``costs`` its operator and cost; ``allowed[b]`` says which moves may follow move
    ``b`` (row ``-1``: at the root); ``suffix(residuals, eps)`` gives, per residual, the cost
    and tokens of the cheapest table entry within ``eps`` (``inf`` if none);
    ``to_gates(tokens)`` turns a matrix-order token list into gate names in circuit order
    and ``word_matrix(gates)`` multiplies them out."""

    names: tuple[tuple[str, ...], ...]
    quats: np.ndarray
    costs: np.ndarray
    allowed: np.ndarray
    suffix: Callable[[np.ndarray, float], list[tuple[float, list[str]]]]
    to_gates: Callable[[list[str]], list[str]]
    word_matrix: Callable[[list[str]], np.ndarray]


@dataclass
class SearchResult:
    """Best word found (gates in circuit order; ``None`` if none), its cost and ``eps_op``,
    the nodes materialised and the time taken."""

    gates: list[str] | None
    cost: float
    eps_op: float
    nodes: int
    seconds: float

    @property
    def found(self) -> bool:
        return self.gates is not None


def aqstar(u, moves: MoveSet, eps: float, heuristic: Heuristic | None = None, *,
           lam: float = 1.0, batch: int = 64, max_nodes: int = 20000,
           time_limit: float = 5.0) -> SearchResult:
    """Search for a cheap word within ``eps`` of the 2x2 unitary ``u`` (module doc)."""
    t0 = time.perf_counter()
    qu = to_quaternion(u)
    n_moves = len(moves.names)
    # node arrays: residual, g, parent, move (word reconstructed through parents)
    resid = [qu]
    gcost = [0.0]
    parent = [-1]
    move = [-1]
    best = (np.inf, None, None)                    # cost, node, suffix word
    closed = {int(operator_keys(qu)[0])}
    heap: list[tuple[float, int, int, int]] = []   # (priority, tiebreak, parent, move)
    counter = 0

    def goal_test(nodes: list[int]) -> None:
        nonlocal best
        found = moves.suffix(np.array([resid[i] for i in nodes]), eps)
        for i, (c, word) in zip(nodes, found):
            if gcost[i] + c < best[0]:
                best = (gcost[i] + c, i, word)

    def expand(nodes: list[int]) -> None:
        nonlocal counter
        if not nodes:
            return
        r = np.array([resid[i] for i in nodes])
        last = np.array([move[i] for i in nodes])
        if heuristic is None:
            q = np.broadcast_to(moves.costs, (len(nodes), n_moves))
        else:
            q = heuristic(r, last)
        for k, i in enumerate(nodes):
            ok = moves.allowed[last[k]] if last[k] >= 0 else moves.allowed[-1]
            for a in np.flatnonzero(ok):
                counter += 1
                heapq.heappush(heap, (lam * gcost[i] + float(q[k, a]), counter, i, int(a)))

    goal_test([0])
    expand([0])
    nodes = 1
    while heap and nodes < max_nodes and time.perf_counter() - t0 < time_limit:
        if heap[0][0] >= best[0] - 1e-9 and lam <= 1.0:
            break                                   # nothing left can be cheaper
        popped = []
        while heap and len(popped) < batch:
            _, _, p, a = heapq.heappop(heap)
            child = qmul(qconj(moves.quats[a]), resid[p])
            key = int(operator_keys(child)[0])
            if key in closed:
                continue
            closed.add(key)
            resid.append(child)
            gcost.append(gcost[p] + float(moves.costs[a]))
            parent.append(p)
            move.append(a)
            popped.append(len(resid) - 1)
        if not popped:
            continue
        nodes += len(popped)
        goal_test(popped)
        expand([i for i in popped if gcost[i] < best[0]])
    seconds = time.perf_counter() - t0
    if best[1] is None:
        return SearchResult(None, np.inf, np.inf, nodes, seconds)
    tokens: list[str] = []
    i = best[1]
    while i > 0:                    # moves from the root on, leftmost first
        tokens = list(moves.names[move[i]]) + tokens
        i = parent[i]
    gates = moves.to_gates(tokens + list(best[2]))
    eps_got = float(qdist(to_quaternion(moves.word_matrix(gates)), qu))
    return SearchResult(gates, float(best[0]), eps_got, nodes, seconds)


def _table_suffix(levels: int, tree, word):
    """``suffix(residuals, eps)`` over table levels ``0..levels``: per residual the first
    (cheapest) level with an entry within ``eps``, and that entry's tokens ``word(b, i)``."""
    def suffix(residuals: np.ndarray, eps: float):
        out: list[tuple[float, list[str]]] = [(np.inf, [])] * len(residuals)
        for b in range(levels + 1):
            t = tree(b)
            if t is None:
                continue
            dist, idx = t.query(residuals)
            for k in np.flatnonzero(dist <= eps):
                if out[k][0] == np.inf:
                    out[k] = (float(b), word(b, int(idx[k]) % (t.n // 2)))
        return out
    return suffix


def clifford_t_moves(tables) -> MoveSet:
    """Syllable moves ``T``, ``HT``, ``SHT`` with the normal-form tables of a
    :class:`~qtool.gatesynth.cliffordt.CliffordTTables` as suffixes (cost = T-count)."""
    from .bases import get_basis
    from .cliffordt import circuit_gates, word_quaternion
    names = (("T",), ("H", "T"), ("S", "H", "T"))
    allowed = np.array([[False, True, True]] * 3 + [[True, True, True]])
    suffix = _table_suffix(tables.b_max, tables.tree,
                           lambda b, i: list(tables.full_word(b, i)))
    return MoveSet(names, np.array([word_quaternion("".join(n)) for n in names]), np.ones(3),
                   allowed, suffix, lambda tokens: circuit_gates("".join(tokens)),
                   get_basis("clifford_t").word_matrix)


def basis_moves(tables) -> MoveSet:
    """One move per basis gate (cost 1; a gate may not follow its own inverse), with the
    breadth-first tables of a :class:`~qtool.gatesynth.exact.WordTables` as suffixes."""
    basis = tables.basis
    k = len(basis.names)
    allowed = np.ones((k + 1, k), dtype=bool)
    for b, name in enumerate(basis.names):
        inv = basis.inverse_of(name)
        if inv is not None:
            allowed[b, basis.index(inv)] = False
    suffix = _table_suffix(tables.max_level, tables.tree,
                           lambda b, i: tables.word(b, i)[::-1])
    return MoveSet(tuple((n,) for n in basis.names), basis.quats, np.ones(k), allowed, suffix,
                   lambda tokens: list(reversed(tokens)), basis.word_matrix)


def learned_heuristic(model) -> Heuristic:
    """The search heuristic of a trained Q-network (:class:`~.features.MLP`, or the path of
    its ``.npz``): ``Q(R, .)`` from the residual's rotation."""
    from .features import MLP, so3
    net = model if isinstance(model, MLP) else MLP.load(model)

    def h(residuals: np.ndarray, last: np.ndarray) -> np.ndarray:
        return np.asarray(net(so3(residuals)), dtype=float)
    return h
