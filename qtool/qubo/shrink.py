"""Adaptive graph shrinking: fewer QUBO variables by tying strongly correlated ones together.

The method of Sharma & Lau (arXiv:2506.14250; ``papers.md`` sections 3.5-3.6):

1. The QUBO becomes a weighted Max-Cut on ``N + 1`` nodes (:mod:`.correlations`; node 0 is
   the reference spin, variable ``i`` is node ``i + 1``).
2. A convex relaxation of that cut (the Goemans-Williamson SDP or the triangle LP) gives a
   correlation ``C_ab in [-1, 1]`` for every node pair.
3. The pair with the largest ``|C|`` is merged with ``sigma = sign C``: ``x_i = x_j`` if
   ``sigma > 0``, ``x_i = 1 - x_j`` otherwise; a pair with node 0 fixes ``x_i`` (to 1 if
   ``sigma > 0``).  Each merge is an exact substitution into the QUBO, with the constant it
   produces moved into the offset, so energies are preserved exactly.
4. *Constraint-aware vetoes* (the "sound rule on merged groups" of section 3.6): given the
   constrained :class:`~.program.BinaryProgram` the QUBO encodes, every surviving variable
   stands for a *group* of original variables forced equal or opposite to it, plus the
   variables already fixed.  A merge is vetoed when, for either value of the merged group's
   representative (only the chosen value for a fix), the values it forces already violate a
   constraint whatever the free variables do: for a row ``a.x <= b`` that is
   ``sum_forced a_k x_k + sum_free min(a_k, 0) > b``; ``==`` rows are checked from both
   sides.  For MDKP this is "the items forced into the knapsack together exceed a
   capacity", for MIS "two adjacent vertices forced to 1 together", for QAP/TSP one-hot rows
   "two variables of a row or column forced to 1 together" (or a whole row forced to 0).
   Programs whose constraints live only in ``meta`` (an MIS with ``meta["edges"]``, a QAP or
   TSP with ``meta["n"]`` and ``n^2`` variables) get those rows derived.  QUBO variables after
   the program's ``n`` (slack bits) are merged like any other but never constrain anything.
   When the best pair is vetoed the next best is tried.
5. *Adaptive schedule* (the paper's rule is not public; this is the suggestion of section
   3.5 step 4): after each correlation solve, merge every pair with ``|C|`` at least
   ``0.8 max |C|`` (the "dynamic threshold"), best first, skipping pairs whose variables were
   removed by an earlier merge of the same batch; when none remains, re-solve.  If every pair
   above the threshold is vetoed, the best allowed pair below it is merged before re-solving.
   ``recalc=k`` instead re-solves after every ``k`` merges (the authors' code: ``k = 1``).
   Shrinking stops at ``target_vars`` variables (or ``round(ratio N)``; default ratio 2/3),
   when every remaining pair is vetoed, or when ``callback`` returns True.
6. :meth:`ShrinkResult.unshrink` maps reduced assignments back, exactly:
   ``original.energy(result.unshrink(y)) == result.qubo.energy(y)``.

Every original variable ``k`` is tracked as an affine function of one surviving variable,
``x_k = alpha_k + beta_k y_{rep_k}`` with ``beta_k in {-1, 0, 1}`` (0: fixed), so
un-shrinking a batch is one gather.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .correlations import lp_correlations, maxcut_weights, sdp_correlations
from .program import QUBO, BinaryProgram

__all__ = ["Merge", "ShrinkStep", "ShrinkResult", "shrink", "replay", "plot_shrinking",
           "DEFAULT_RATIO", "THRESHOLD"]

DEFAULT_RATIO = 2 / 3
THRESHOLD = 0.8          # dynamic threshold: fraction of the largest |C| merged per solve


@dataclass(frozen=True)
class Merge:
    """One merge, in original variable indices.

    ``target is None`` means ``removed`` was fixed (a pair with node 0): to 1 if ``sign > 0``,
    else to 0.  Otherwise ``x_removed = x_target`` (``sign = +1``) or ``1 - x_target``.
    ``corr`` is the signed correlation that chose it (nan for merges given by hand).
    """

    removed: int
    target: int | None
    sign: int
    corr: float = math.nan

    @property
    def value(self) -> int | None:
        """The fixed value of a fix, None for a tie."""
        return None if self.target is not None else int(self.sign > 0)


@dataclass(frozen=True)
class ShrinkStep:
    """What one accepted merge looked like: Max-Cut ``nodes`` left after it (variables + 1),
    the chosen ``pair`` of original indices (``-1`` is node 0), its ``|C|`` and sign, how many
    better candidates were ``vetoed`` before it, the correlation solves so far, and the
    dynamic threshold in force (nan under a fixed schedule)."""

    step: int
    nodes: int
    pair: tuple[int, int]
    corr: float
    sign: int
    vetoed: int
    recalculations: int
    threshold: float

    @property
    def num_vars(self) -> int:
        return self.nodes - 1


@dataclass(frozen=True, eq=False)
class ShrinkResult:
    """A shrunk QUBO and how to undo it.

    ``kept[r]`` is the original index of reduced variable ``r``; the arrays ``alpha``,
    ``beta``, ``rep`` give ``x_k = alpha_k + beta_k y[rep_k]`` (``rep_k = -1`` when fixed).
    """

    original: QUBO
    qubo: QUBO
    merges: list[Merge]
    kept: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    rep: np.ndarray
    history: list[ShrinkStep] = field(default_factory=list)
    recalculations: int = 0
    vetoed: int = 0
    correlation_seconds: float = 0.0
    stop_reason: str = ""

    @property
    def num_vars(self) -> int:
        return self.qubo.num_vars

    def unshrink(self, y) -> np.ndarray:
        """Full assignments ``(..., N)`` (uint8) of reduced ones ``(..., n)``."""
        y = np.asarray(y)
        n = self.qubo.num_vars
        if y.shape[-1:] != (n,):
            raise ValueError(f"expected assignments with {n} variables, got shape {y.shape}")
        if n == 0:
            x = np.broadcast_to(self.alpha, y.shape[:-1] + self.alpha.shape)
        else:
            x = self.alpha + self.beta * y[..., np.maximum(self.rep, 0)].astype(np.int64)
        return np.asarray(x, dtype=np.uint8)

    def restrict(self, x) -> np.ndarray:
        """The reduced assignment ``x[..., kept]`` of a full one (exact only if ``x``
        satisfies the merges)."""
        return np.asarray(x)[..., self.kept]


class _Reduction:
    """The mutable state of a shrink: the current QUBO as ``c + h.y + sum_{a<b} M_ab y_a y_b``
    and the affine map from original to current variables."""

    def __init__(self, qubo: QUBO):
        S, h = qubo.symmetric()
        self.M = 2.0 * S
        self.h = h.astype(float)
        self.c = float(qubo.offset)
        N = qubo.num_vars
        self.kept = np.arange(N)
        self.pos = np.arange(N)                  # original -> current index, -1 once removed
        self.alpha = np.zeros(N, dtype=np.int64)
        self.beta = np.ones(N, dtype=np.int64)
        self.rep = np.arange(N)                  # current index, -1 once fixed

    @property
    def n(self) -> int:
        return self.h.size

    def group_size(self, r: int) -> int:
        return int(np.count_nonzero(self.rep == r))

    def tie_values(self, i: int, j: int, sign: int) -> tuple[np.ndarray, np.ndarray]:
        """``(known, values)`` after tying ``y_i`` to ``y_j``: ``known`` marks the original
        variables fixed or in the merged group, ``values[t]`` their values when ``y_j = t``."""
        a, b = (0, 1) if sign > 0 else (1, -1)
        t = np.array([[0], [1]])
        yj = np.broadcast_to(t, (2, self.rep.size))
        rep_val = np.where(self.rep == i, a + b * yj, yj)
        values = self.alpha + self.beta * rep_val
        known = (self.rep < 0) | (self.rep == i) | (self.rep == j)
        return known, values

    def fix_values(self, i: int, value: int) -> tuple[np.ndarray, np.ndarray]:
        known = (self.rep < 0) | (self.rep == i)
        values = self.alpha + self.beta * value
        return known, values[None, :]

    def tie(self, i: int, j: int, sign: int) -> None:
        """Substitute ``y_i = y_j`` (sign +1) or ``y_i = 1 - y_j`` (sign -1) and drop ``y_i``."""
        a, b = (0, 1) if sign > 0 else (1, -1)
        Mi, hi = self.M[i].copy(), self.h[i]
        self.c += a * hi
        self.h += a * Mi                                  # y_i y_k -> a y_k + b y_j y_k
        self.h[j] += b * hi + b * Mi[j]                   # y_i y_j -> (a + b) y_j
        self.M[j] += b * Mi
        self.M[:, j] += b * Mi
        self.M[j, j] = 0.0
        members = self.rep == i
        self.alpha[members] += self.beta[members] * a
        self.beta[members] *= b
        self.rep[members] = j
        self._drop(i)

    def fix(self, i: int, value: int) -> None:
        """Substitute the constant ``y_i = value`` and drop ``y_i``."""
        self.c += value * self.h[i]
        self.h += value * self.M[i]
        members = self.rep == i
        self.alpha[members] += self.beta[members] * value
        self.beta[members] = 0
        self.rep[members] = -1
        self._drop(i)

    def _drop(self, i: int) -> None:
        self.M = np.delete(np.delete(self.M, i, axis=0), i, axis=1)
        self.h = np.delete(self.h, i)
        self.pos[self.kept[i]] = -1
        self.kept = np.delete(self.kept, i)
        self.pos[self.kept[i:]] -= 1
        self.rep[self.rep > i] -= 1

    def qubo(self, original: QUBO) -> QUBO:
        Q = np.diag(self.h) + np.triu(self.M, 1)
        names = tuple(original.var_names[k] for k in self.kept)
        return QUBO(Q, offset=self.c, var_names=names)


class _Guard:
    """The constraint rows of a program, checked against partial assignments."""

    def __init__(self, program: BinaryProgram, num_qubo_vars: int):
        n = program.num_vars
        if n > num_qubo_vars:
            raise ValueError(f"the program has {n} variables but the QUBO only "
                             f"{num_qubo_vars}")
        A, lo, hi = _constraint_rows(program)
        self.n = n
        self.A = A
        self.lo, self.hi = lo, hi
        self.A_pos, self.A_neg = np.maximum(A, 0.0), np.minimum(A, 0.0)
        self.tol = 1e-9 * (1.0 + np.abs(np.where(np.isfinite(hi), hi, lo)))

    def allows(self, known: np.ndarray, values: np.ndarray) -> bool:
        """Is every row still satisfiable for each row of ``values`` (``(k, N)``)?"""
        if self.A.shape[0] == 0:
            return True
        known = known[: self.n]
        vals = np.where(known, values[:, : self.n], 0)
        fixed = vals @ self.A.T                                    # (k, R)
        free = (~known).astype(float)
        lowest = fixed + self.A_neg @ free
        highest = fixed + self.A_pos @ free
        return bool(np.all(lowest <= self.hi + self.tol) and np.all(highest >= self.lo - self.tol))


def _constraint_rows(program: BinaryProgram) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, lo, hi)`` with every constraint as ``lo <= A x <= hi``, including the rows a
    program of kind mis/qap/tsp only implies through ``meta``."""
    n = program.num_vars
    A_le, b_le = program.A_le, program.b_le
    A_eq, b_eq = program.A_eq, program.b_eq
    if program.kind == "mis" and A_le.shape[0] == 0 and "edges" in program.meta:
        edges = np.asarray(program.meta["edges"], dtype=np.intp).reshape(-1, 2)
        A_le = np.zeros((edges.shape[0], n))
        A_le[np.arange(edges.shape[0]), edges[:, 0]] = 1.0
        A_le[np.arange(edges.shape[0]), edges[:, 1]] = 1.0
        b_le = np.ones(edges.shape[0])
    if (program.kind in ("qap", "tsp") and A_eq.shape[0] == 0
            and program.meta.get("n", 0) ** 2 == n):
        k = int(program.meta["n"])
        idx = np.arange(n).reshape(k, k)
        A_eq = np.zeros((2 * k, n))
        for r in range(k):
            A_eq[r, idx[r]] = 1.0
            A_eq[k + r, idx[:, r]] = 1.0
        b_eq = np.ones(2 * k)
    A = np.vstack([A_le, A_eq])
    lo = np.concatenate([np.full(b_le.size, -np.inf), b_eq])
    hi = np.concatenate([b_le, b_eq])
    return A, lo, hi


def _target(N: int, target_vars: int | None, ratio: float | None) -> int:
    if target_vars is not None and ratio is not None:
        raise ValueError("give target_vars or ratio, not both")
    if target_vars is None:
        ratio = DEFAULT_RATIO if ratio is None else ratio
        if not 0.0 <= ratio <= 1.0:
            raise ValueError(f"ratio must lie in [0, 1], got {ratio}")
        return int(round(ratio * N))
    if not 0 <= target_vars <= N:
        raise ValueError(f"target_vars must lie in [0, {N}], got {target_vars}")
    return int(target_vars)


_CORRELATIONS = {
    "sdp": lambda W, rng: sdp_correlations(W, rng),
    "lp": lambda W, rng: lp_correlations(W),
}


def _ranked_pairs(C: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node pairs ``a < b`` best first: by ``|C|`` (to 1e-9), then by ``|W_ab|``, then by
    index.  Returns ``(a, b, C_ab)``."""
    a, b = np.triu_indices(C.shape[0], 1)
    c = C[a, b]
    order = np.lexsort((b, a, -np.abs(W[a, b]), -np.round(np.abs(c), 9)))
    return a[order], b[order], c[order]


def shrink(qubo: QUBO, *, target_vars: int | None = None, ratio: float | None = None,
           correlations: str = "sdp", program: BinaryProgram | None = None,
           rng: np.random.Generator | int | None = None, recalc: str | int = "adaptive",
           callback: Callable[[ShrinkStep], bool | None] | None = None) -> ShrinkResult:
    """Shrink ``qubo`` to ``target_vars`` variables (or ``round(ratio N)``, default 2/3 of N).

    ``correlations`` is ``"sdp"`` or ``"lp"`` (:mod:`.correlations`); ``program`` enables the
    constraint-aware vetoes (its ``n`` variables are the QUBO's first ``n``); ``rng`` (a
    Generator or seed; None means seed 0) starts the SDP; ``recalc`` is ``"adaptive"`` (the
    0.8 max|C| threshold batches of the module docstring) or a number of merges between
    correlation solves.  ``callback(step)`` runs after every merge; returning True stops.
    The input is not modified.
    """
    if correlations not in _CORRELATIONS:
        raise ValueError(f"correlations must be 'sdp' or 'lp', got {correlations!r}")
    adaptive = recalc == "adaptive"
    if not adaptive and (isinstance(recalc, bool) or not isinstance(recalc, (int, np.integer))
                         or recalc < 1):
        raise ValueError(f"recalc must be 'adaptive' or a positive int, got {recalc!r}")
    target = _target(qubo.num_vars, target_vars, ratio)
    rng = np.random.default_rng(0 if rng is None else rng)
    guard = _Guard(program, qubo.num_vars) if program is not None else None
    solve = _CORRELATIONS[correlations]

    red = _Reduction(qubo)
    merges: list[Merge] = []
    history: list[ShrinkStep] = []
    recalcs = vetoed_total = 0
    corr_seconds = 0.0
    stop = "target reached"
    stopped = red.n <= target
    while not stopped:
        W = maxcut_weights(red.M, red.h)
        t0 = time.perf_counter()
        C = solve(W, rng)
        corr_seconds += time.perf_counter() - t0
        recalcs += 1
        node_orig = np.concatenate([[-1], red.kept])      # node index -> original index
        pa, pb, pc = _ranked_pairs(C, W)
        pa, pb = node_orig[pa], node_orig[pb]
        top = float(np.abs(pc[0])) if pc.size else 0.0
        threshold = THRESHOLD * top if adaptive else math.nan
        n_above = int(np.count_nonzero(np.abs(pc) >= threshold - 1e-12)) if adaptive else 0
        accepted = skipped = 0
        for k in range(pc.size):
            if red.n <= target:
                break
            if adaptive and k >= n_above and accepted:
                break
            if not adaptive and accepted >= recalc:
                break
            oa, ob = int(pa[k]), int(pb[k])
            ia = -1 if oa < 0 else int(red.pos[oa])
            ib = int(red.pos[ob])
            if ib < 0 or (oa >= 0 and ia < 0):
                continue                                  # removed earlier in this batch
            sign = 1 if pc[k] >= 0 else -1
            if oa < 0:
                value = int(sign > 0)
                if guard is not None and not guard.allows(*red.fix_values(ib, value)):
                    skipped += 1
                    continue
                red.fix(ib, value)
                merge = Merge(ob, None, sign, float(pc[k]))
            else:
                # keep the variable with the larger group (ties: the smaller original index)
                keep, drop = (ia, ib) if red.group_size(ia) >= red.group_size(ib) else (ib, ia)
                if guard is not None and not guard.allows(*red.tie_values(drop, keep, sign)):
                    skipped += 1
                    continue
                merge = Merge(int(red.kept[drop]), int(red.kept[keep]), sign, float(pc[k]))
                red.tie(drop, keep, sign)
            merges.append(merge)
            vetoed_total += skipped
            step = ShrinkStep(len(merges), red.n + 1, (oa, ob), float(abs(pc[k])), sign,
                              skipped, recalcs, threshold)
            history.append(step)
            accepted += 1
            skipped = 0
            if callback is not None and callback(step):
                stop, stopped = "stopped by callback", True
                break
        vetoed_total += skipped
        if stopped:
            break
        if red.n <= target:
            break
        if accepted == 0:
            stop = "every remaining merge is vetoed"
            break
    return ShrinkResult(qubo, red.qubo(qubo), merges, red.kept.copy(), red.alpha.copy(),
                        red.beta.copy(), red.rep.copy(), history, recalcs, vetoed_total,
                        corr_seconds, stop)


def replay(qubo: QUBO, merges) -> ShrinkResult:
    """Apply given merges (original indices, in order) to ``qubo``: to reuse a shrink on a
    QUBO with new coefficients (for example after a Lagrange multiplier update), or to
    build one by hand.  Each merge is a :class:`Merge` or a tuple ``(removed, target,
    sign)``; a merge naming a variable that is already gone raises ValueError."""
    red = _Reduction(qubo)
    done: list[Merge] = []
    for m in merges:
        m = m if isinstance(m, Merge) else Merge(*m)
        if m.sign not in (1, -1):
            raise ValueError(f"merge sign must be +1 or -1, got {m.sign}")
        i = int(red.pos[m.removed]) if 0 <= m.removed < red.pos.size else -1
        if i < 0:
            raise ValueError(f"variable {m.removed} is not in the QUBO any more")
        if m.target is None:
            red.fix(i, int(m.sign > 0))
        else:
            j = int(red.pos[m.target]) if 0 <= m.target < red.pos.size else -1
            if j < 0 or j == i:
                raise ValueError(f"cannot tie {m.removed} to {m.target}")
            red.tie(i, j, m.sign)
        done.append(m)
    return ShrinkResult(qubo, red.qubo(qubo), done, red.kept.copy(), red.alpha.copy(),
                        red.beta.copy(), red.rep.copy(), stop_reason="replayed")


def _interaction_graph(q: QUBO, labels) -> "networkx.Graph":  # noqa: F821
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(labels)
    a, b = np.nonzero(np.triu(q.Q, 1))
    g.add_edges_from((labels[i], labels[j]) for i, j in zip(a, b))
    return g


def plot_shrinking(result: ShrinkResult, path) -> Path:
    """Write a PNG: the interaction graph before and after (spring layout, seed 0; the kept
    variables keep their positions) and the merge sequence (``|C|`` per merge, vetoes,
    correlation re-solves).  matplotlib and networkx are imported only here."""
    import networkx as nx
    from matplotlib.figure import Figure

    path = Path(path)
    N = result.original.num_vars
    before = _interaction_graph(result.original, list(range(N)))
    after = _interaction_graph(result.qubo, [int(k) for k in result.kept])
    pos = nx.spring_layout(before, seed=0)
    fig = Figure(figsize=(15, 4.8), layout="constrained")
    ax_b, ax_a, ax_m = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.3]})
    kept = set(after.nodes)
    colors = ["tab:blue" if v in kept else "lightgray" for v in before.nodes]
    nx.draw_networkx(before, pos, ax=ax_b, node_size=40, node_color=colors, width=0.3,
                     with_labels=False, alpha=0.9)
    ax_b.set_title(f"before: {N} variables, {before.number_of_edges()} couplings")
    nx.draw_networkx(after, {v: pos[v] for v in after.nodes}, ax=ax_a, node_size=40,
                     node_color="tab:blue", width=0.3, with_labels=False, alpha=0.9)
    ax_a.set_title(f"after: {result.qubo.num_vars} variables, "
                   f"{after.number_of_edges()} couplings")
    for ax in (ax_b, ax_a):
        ax.set_axis_off()
    steps = np.array([s.step for s in result.history])
    if steps.size:
        corr = np.array([s.corr for s in result.history])
        fixes = np.array([s.pair[0] < 0 for s in result.history])
        ax_m.plot(steps, corr, color="tab:blue", lw=1)
        ax_m.scatter(steps[~fixes], corr[~fixes], s=14, color="tab:blue", label="tie")
        ax_m.scatter(steps[fixes], corr[fixes], s=18, marker="s", color="tab:orange",
                     label="fix")
        thr = np.array([s.threshold for s in result.history])
        if np.isfinite(thr).any():
            ax_m.step(steps, thr, where="mid", color="gray", lw=0.8, ls="--",
                      label="threshold")
        solves = np.flatnonzero(np.diff([0] + [s.recalculations for s in result.history]))
        for s in steps[solves]:
            ax_m.axvline(s - 0.5, color="gray", lw=0.4, alpha=0.5)
        ax_v = ax_m.twinx()
        ax_v.bar(steps, [s.vetoed for s in result.history], color="tab:red", alpha=0.35,
                 width=0.8)
        ax_v.set_ylabel("vetoed candidates", color="tab:red")
        ax_m.legend(loc="lower left", fontsize=8)
    ax_m.set_ylim(0.0, 1.05)
    ax_m.set_xlabel("merge")
    ax_m.set_ylabel("|C| of the merged pair")
    ax_m.set_title(f"{len(result.merges)} merges, {result.recalculations} correlation "
                   f"solves, {result.vetoed} vetoes")
    fig.savefig(path, dpi=110)
    return path
