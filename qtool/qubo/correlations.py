"""QUBO as weighted Max-Cut, and pairwise spin correlations from its convex relaxations.

Graph shrinking (Sharma & Lau, arXiv:2506.14250; see ``papers.md`` section 3.5) decides which
variables to tie together from how strongly a relaxation of the problem correlates them.  The
relaxations are those of Max-Cut, so a QUBO ``min x^T Q x + offset`` (``Q`` upper triangular,
linear terms on the diagonal) first becomes a cut problem on ``N + 1`` nodes: node ``0`` is an
extra reference spin and QUBO variable ``i`` is node ``i + 1``, decoded as ``x_i = 1`` iff
``s_{i+1} = s_0``.  With

    W_ij = q_ij + q_ji  (i != j),      W_0i = sum_j q_ij + sum_j q_ji,
    K    = offset + 1/4 sum_{i<j} (q_ij + q_ji) + 1/2 sum_i q_ii

every assignment satisfies ``f(x) = K + 1/4 sum_{a<b} W_ab - 1/2 cut(s)``, so minimising the
QUBO is maximising the (signed) cut.

Two correlation estimates ``C_ab in [-1, 1]`` over all node pairs are provided:

* :func:`sdp_correlations` -- the Goemans-Williamson SDP ``min <W, X>, X_aa = 1, X >= 0``,
  solved in the low-rank Burer-Monteiro form ``X = V V^T`` (unit rows, rank
  ``ceil(sqrt(2 n)) + 1``, enough for a stationary point to be globally optimal generically)
  by the block-coordinate *mixing method* of Wang, Chang & Kolter (arXiv:1706.00476): each row
  in turn becomes ``v_a <- -g_a / |g_a|`` with ``g_a = sum_b W_ab v_b``, its exact minimiser
  with the other rows held fixed.  ``C = V V^T``.
* :func:`lp_correlations` -- the Max-Cut LP over edge variables ``y_e in [0, 1]`` of the
  support graph (pairs with ``W != 0``) with the triangle inequalities of the support graph's
  triangles, added by a cutting-plane loop (HiGHS via :func:`scipy.optimize.linprog`): only
  violated triangles enter the model, so graphs with ~10^5-10^6 triangles (145 dense
  nodes) remain solvable, in tens of seconds.  ``C_e = 1 - 2 y_e`` on support edges; pairs that share no edge carry no
  information and get ``C = 0``.  Restricting to the support graph keeps ``|E|`` variables
  instead of ``n(n-1)/2``; the price is a weaker relaxation than the full metric polytope
  (cycle inequalities of chordless cycles longer than three are missing).
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .program import QUBO

__all__ = [
    "qubo_to_maxcut",
    "maxcut_weights",
    "bits_to_spins",
    "spins_to_bits",
    "cut_value",
    "sdp_correlations",
    "lp_correlations",
    "correlations",
    "support_triangles",
]


def maxcut_weights(coupling: np.ndarray, linear: np.ndarray) -> np.ndarray:
    """Max-Cut weights ``W`` ((n+1) x (n+1), symmetric, zero diagonal) of the QUBO
    ``sum_i h_i x_i + sum_{i<j} M_ij x_i x_j`` given ``M`` (symmetric, zero diagonal, so
    ``M_ij = q_ij + q_ji``) and ``h`` (the diagonal of ``Q``)."""
    n = linear.size
    W = np.zeros((n + 1, n + 1))
    W[1:, 1:] = coupling
    w0 = 2.0 * linear + coupling.sum(axis=1)
    W[0, 1:] = w0
    W[1:, 0] = w0
    return W


def qubo_to_maxcut(qubo: QUBO) -> tuple[np.ndarray, float]:
    """``(W, K)`` with ``qubo.energy(x) == K + W[triu].sum()/4 - cut_value(W, s)/2`` for
    ``s = bits_to_spins(x)``; ``K`` includes the QUBO's offset."""
    S, h = qubo.symmetric()
    M = 2.0 * S
    W = maxcut_weights(M, h)
    K = qubo.offset + np.triu(M, 1).sum() / 4.0 + h.sum() / 2.0
    return W, float(K)


def bits_to_spins(x) -> np.ndarray:
    """Spins ``(..., n+1)`` of the Max-Cut with ``s_0 = +1`` and ``s_{i+1} = +1`` iff
    ``x_i = 1``."""
    x = np.asarray(x)
    s = np.where(x > 0, 1, -1).astype(np.int8)
    ones = np.ones(x.shape[:-1] + (1,), dtype=np.int8)
    return np.concatenate([ones, s], axis=-1)


def spins_to_bits(s) -> np.ndarray:
    """``x_i = 1`` iff ``s_{i+1} == s_0`` (uint8, shape ``(..., n)``)."""
    s = np.asarray(s)
    return (s[..., 1:] == s[..., :1]).astype(np.uint8)


def cut_value(W: np.ndarray, s) -> np.ndarray | float:
    """Total weight of the edges cut by ``s`` (``(..., n+1)`` of +-1): ``sum_{a<b} W_ab
    (1 - s_a s_b)/2``."""
    s = np.asarray(s, dtype=float)
    quad = np.einsum("...a,ab,...b->...", s, W, s)
    val = (W.sum() - quad) / 4.0
    return float(val) if np.ndim(val) == 0 else val


def _rank(n: int) -> int:
    return max(2, min(n, math.ceil(math.sqrt(2 * n)) + 1))


def sdp_correlations(W: np.ndarray, rng: np.random.Generator | int | None = None, *,
                     rank: int | None = None, tol: float = 1e-9,
                     max_sweeps: int = 1000) -> np.ndarray:
    """Correlations ``C = V V^T`` of a Burer-Monteiro solution of the Goemans-Williamson SDP.

    ``V`` (n x rank, unit rows) minimises ``<W, V V^T>`` (maximises the cut) by the mixing
    method, started from Gaussian rows drawn from ``rng``.  Sweeps stop when one lowers the
    objective by less than ``tol`` times its magnitude, or after ``max_sweeps``.  Rows with
    no edge keep their random direction (such nodes are free, any correlation is as good).
    """
    rng = np.random.default_rng(rng if rng is not None else 0)
    W = np.asarray(W, dtype=float)
    n = W.shape[0]
    if n <= 1:
        return np.ones((n, n))
    scale = np.abs(W).max()
    if scale == 0:
        return np.eye(n)
    Wn = W / scale
    np.fill_diagonal(Wn, 0.0)
    r = rank or _rank(n)
    V = rng.standard_normal((n, r))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    rows = [Wn[a] for a in range(n)]
    for _ in range(max_sweeps):
        decrease = 0.0
        for a in range(n):
            g = rows[a] @ V
            norm = math.sqrt(float(g @ g))
            if norm < 1e-14:
                continue
            new = g / -norm
            decrease += norm * (1.0 - float(new @ V[a]))
            V[a] = new
        objective = float(np.einsum("ab,ab->", Wn, V @ V.T))
        if 2.0 * decrease <= tol * max(1.0, abs(objective)):
            break
    C = V @ V.T
    np.fill_diagonal(C, 1.0)
    return np.clip(C, -1.0, 1.0)


def support_triangles(adj: np.ndarray) -> np.ndarray:
    """All triangles ``(a, b, c)``, ``a < b < c``, of the graph with boolean adjacency
    ``adj``, as an int array ``(T, 3)``."""
    adj = np.asarray(adj, dtype=bool)
    n = adj.shape[0]
    upper = np.triu(adj, 1)
    out = []
    for a in range(n):
        nb = np.flatnonzero(upper[a])
        if nb.size < 2:
            continue
        sub = np.triu(adj[np.ix_(nb, nb)], 1)
        b, c = np.nonzero(sub)
        if b.size:
            out.append(np.column_stack([np.full(b.size, a), nb[b], nb[c]]))
    return np.concatenate(out) if out else np.zeros((0, 3), dtype=np.intp)


def lp_correlations(W: np.ndarray, *, max_rounds: int = 40, cuts_per_round: int | None = None,
                    tol: float = 1e-4, max_age: int = 3) -> np.ndarray:
    """Correlations ``C = 1 - 2 y`` from the Max-Cut LP with triangle inequalities.

    ``max sum_e W_e y_e`` over ``y_e in [0, 1]`` for the support edges, subject to, for every
    triangle ``(e1, e2, e3)`` of the support graph, ``y1 + y2 + y3 <= 2`` and
    ``y1 <= y2 + y3`` (and its two rotations).  Cutting planes: solve (HiGHS interior point
    with crossover, several times faster than dual simplex on the larger of these
    degenerate LPs), drop the cuts that have not been tight for ``max_age`` consecutive
    solves (dropping them at once makes the loop cycle: the optimal face is degenerate and
    the dropped cuts come straight back), add the ``cuts_per_round`` (default
    ``max(100, 2 |E|)``) most violated triangle inequalities, and re-solve, until none is
    violated by more than ``tol``, until a round no longer lowers the LP bound (relative
    change below 1e-7: the remaining violations only move the solution within a degenerate
    optimal face), or until ``max_rounds`` LPs have been solved (the last solution is then
    a slightly weaker relaxation).  Non-edges get ``C = 0``; the diagonal is 1.

    Cost of one solve on the bundled instances (one core): 0.2-0.5 s for MIS 1dc.128 (129
    nodes, 1.6k edges), ~1.2 s for QAP chr12a (145 nodes, 3.2k edges), ~8-12 s for QAP
    tai10a (101 nodes, 4.9k edges, ~57k cuts at the end) and ~40 s for QAP tai12a (145
    nodes, 10k edges, ~100k cuts): near-complete graphs are the expensive case, where the
    SDP (well under 1 s) is the practical choice.
    """
    W = np.asarray(W, dtype=float)
    n = W.shape[0]
    C = np.eye(n)
    adj = (W != 0) & ~np.eye(n, dtype=bool)
    ia, ib = np.nonzero(np.triu(adj, 1))
    m = ia.size
    if m == 0:
        return C
    cost = -W[ia, ib] / np.abs(W).max()                # linprog minimises
    edge_id = np.full((n, n), -1, dtype=np.intp)
    edge_id[ia, ib] = np.arange(m)
    edge_id[ib, ia] = np.arange(m)
    tri = support_triangles(adj)
    # each triangle gives four inequalities  sum_k sign_k y_{e_k} <= rhs
    tri_edges = np.column_stack([edge_id[tri[:, 0], tri[:, 1]], edge_id[tri[:, 1], tri[:, 2]],
                                 edge_id[tri[:, 0], tri[:, 2]]])
    signs = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float)
    rhs = np.array([2.0, 0.0, 0.0, 0.0])
    per_round = cuts_per_round or max(100, 2 * m)
    cut_e = np.zeros((0, 3), dtype=np.intp)           # the model's cuts: edge ids,
    cut_s = np.zeros((0, 3))                           # signs
    cut_b = np.zeros(0)                                # and right-hand sides
    cut_age = np.zeros(0, dtype=np.intp)               # solves since last tight
    y = np.zeros(m)
    bound = np.inf
    for _ in range(max_rounds):
        k = cut_e.shape[0]
        A = sp.csr_matrix((cut_s.ravel(), (np.repeat(np.arange(k), 3), cut_e.ravel())),
                          shape=(k, m)) if k else None
        res = linprog(cost, A_ub=A, b_ub=cut_b if k else None, bounds=(0.0, 1.0),
                      method="highs-ipm")
        if res.status != 0:
            raise RuntimeError(f"Max-Cut LP failed: {res.message}")
        y = res.x
        stalled = bound - (-res.fun) <= 1e-7 * max(1.0, abs(res.fun))
        bound = -res.fun
        if k:
            tight = (cut_s * y[cut_e]).sum(axis=1) > cut_b - 1e-6
            cut_age = np.where(tight, 0, cut_age + 1)
            keep = cut_age < max_age
            cut_e, cut_s, cut_b, cut_age = cut_e[keep], cut_s[keep], cut_b[keep], cut_age[keep]
        if tri.shape[0] == 0 or stalled:
            break
        viol = y[tri_edges] @ signs.T - rhs             # (T, 4)
        t_idx, kind = np.nonzero(viol > tol)
        if t_idx.size == 0:
            break
        order = np.argsort(-viol[t_idx, kind], kind="stable")[:per_round]
        t_idx, kind = t_idx[order], kind[order]
        cut_e = np.concatenate([cut_e, tri_edges[t_idx]])
        cut_s = np.concatenate([cut_s, signs[kind]])
        cut_b = np.concatenate([cut_b, rhs[kind]])
        cut_age = np.concatenate([cut_age, np.zeros(kind.size, dtype=np.intp)])
    c = 1.0 - 2.0 * np.clip(y, 0.0, 1.0)
    C[ia, ib] = c
    C[ib, ia] = c
    return C


def correlations(W: np.ndarray, method: str = "sdp",
                 rng: np.random.Generator | int | None = None) -> np.ndarray:
    """Dispatch to :func:`sdp_correlations` (``"sdp"``) or :func:`lp_correlations` (``"lp"``)."""
    if method == "sdp":
        return sdp_correlations(W, rng)
    if method == "lp":
        return lp_correlations(W)
    raise ValueError(f"correlations must be 'sdp' or 'lp', got {method!r}")
