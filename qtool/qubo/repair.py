"""Repair, local improvement and verification of assignments of a :class:`BinaryProgram`.

A sampler's read is often infeasible (a slack-free encoding only *discourages* violations),
so the pipeline reports raw reads and repaired ones separately (papers §3.6):

* :func:`repair` maps any 0/1 vector to a feasible one, using the model's structure:

  - **MDKP** -- efficiency ``e_i = p_i / sum_r w_ri / b_r``; drop chosen items by increasing
    ``e_i`` until every knapsack fits, then add unchosen ones by decreasing ``e_i`` that fit.
  - **MIS** -- drop the vertex with the most chosen neighbours (ties: higher degree, then lower
    index) until the set is independent, then add free vertices by increasing degree.
  - **QAP / TSP** -- the assignment matrix closest to ``x`` (Hungarian method, keeping as many
    ones of ``x`` as possible; ties go to the lower objective gradient).
  - **generic** -- greedy flips, each the best violation decrease per unit of objective lost;
    if that stalls, the feasible point nearest to ``x`` in Hamming distance by an exact MILP
    (HiGHS, ``n <= 200``), else :class:`~qtool.qubo.errors.InstanceError`.

* :func:`improve` is a best-improvement local search that never leaves the feasible set:
  1-flips and 1-swaps (MDKP, generic), 1-flips and (1,2)-swaps (MIS), facility swaps (QAP),
  2-opt and city swaps (TSP).
* :func:`verify` says whether an assignment is feasible, its objective and gap.

Examples
--------
>>> from qtool.qubo.models import mdkp
>>> p = mdkp([6, 7, 1], [[5, 5, 1]], [5])
>>> x = repair(p, [1, 0, 1]); x.tolist(), improve(p, x).tolist()
([1, 0, 0], [0, 1, 0])
>>> verify(p, [0, 1, 0])
{'feasible': True, 'objective': 7.0, 'violation': 0.0, 'gap': nan}
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from .errors import InstanceError
from .models import permutation_from_x
from .program import BinaryProgram

__all__ = ["repair", "improve", "verify", "MILP_REPAIR_MAX_VARS"]

#: the exact (MILP) fallback of generic repair runs up to this many variables
MILP_REPAIR_MAX_VARS = 200
_TOL = 1e-9


def _vector(program: BinaryProgram, x, *, binary: bool = True) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.shape[-1:] != (program.num_vars,):
        raise ValueError(f"expected {program.num_vars} values per assignment, got shape {a.shape}")
    return (a > 0.5).astype(float) if binary else a


def _batched(fn):
    """Let ``fn(program, x)`` also take a batch ``(k, n)``, one row at a time."""
    def wrapper(program, x, **kw):
        a = np.asarray(x)
        if a.ndim == 2:
            return np.stack([wrapper(program, row, **kw) for row in a]).astype(np.uint8) \
                if len(a) else np.zeros((0, program.num_vars), dtype=np.uint8)
        return fn(program, a, **kw)
    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    wrapper.__wrapped__ = fn
    return wrapper


# --------------------------------------------------------------------------- repair

@_batched
def repair(program: BinaryProgram, x, *, rng: np.random.Generator | None = None) -> np.ndarray:
    """A feasible 0/1 vector (``uint8``) near ``x``, by the greedy rule of ``program.kind``
    (module doc).  ``x`` may be one assignment or a batch; values above 0.5 count as 1, and
    QAP/TSP use the raw values (soft assignments work).  ``rng`` breaks exact ties of the
    generic greedy (``None``: lowest index).  Raises :class:`InstanceError` only when no
    feasible assignment was found (generic programs)."""
    kind = program.kind
    if kind in ("qap", "tsp"):
        y = _repair_assignment(program, _vector(program, x, binary=False))
    else:
        y = _vector(program, x)
        if kind == "mdkp":
            y = _repair_mdkp(program, y)
        elif kind == "mis":
            y = _repair_mis(program, y)
    if not program.is_feasible(y):
        y = _repair_generic(program, y, rng)
    return y.astype(np.uint8)


def _mdkp_efficiency(program: BinaryProgram) -> np.ndarray:
    """``e_i = p_i / sum_r (w_ri / b_r)`` (papers.md section 3.6)."""
    p, W, b = program.linear, program.A_le, program.b_le
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(b[:, None] > 0, W / np.where(b > 0, b, 1.0)[:, None],
                       np.where(W > 0, np.inf, 0.0))
        denom = rel.sum(axis=0)
        return np.where(denom > 0, p / np.where(denom > 0, denom, 1.0),
                        np.where(p >= 0, np.inf, -np.inf))


def _fill_mdkp(program: BinaryProgram, x: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Add items in ``order`` while they fit and pay."""
    p, W, b = program.linear, program.A_le, program.b_le
    load = W @ x
    for i in order:
        if not x[i] and p[i] > 0 and np.all(load + W[:, i] <= b + _TOL):
            x[i] = 1.0
            load += W[:, i]
    return x


def _repair_mdkp(program: BinaryProgram, x: np.ndarray) -> np.ndarray:
    W, b = program.A_le, program.b_le
    e = _mdkp_efficiency(program)
    x = x.copy()
    load = W @ x
    for i in np.argsort(e, kind="stable"):                  # least efficient first
        if np.all(load <= b + _TOL):
            break
        if x[i]:
            x[i] = 0.0
            load -= W[:, i]
    return _fill_mdkp(program, x, np.argsort(-e, kind="stable"))   # most efficient first


def _mis_adjacency(program: BinaryProgram) -> np.ndarray:
    n = program.num_vars
    edges = program.meta.get("edges")
    if edges is None:     # x_u + x_v <= 1 rows
        A = program.A_le
        pair = ((A != 0).sum(axis=1) == 2) & np.all((A == 0) | (A == 1), axis=1)
        edges = np.array([np.flatnonzero(r) for r in A[pair & (program.b_le == 1)]],
                         dtype=np.int64).reshape(-1, 2)
    adj = np.zeros((n, n), dtype=np.int64)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    adj[edges[:, 0], edges[:, 1]] = 1
    adj[edges[:, 1], edges[:, 0]] = 1
    return adj


def _repair_mis(program: BinaryProgram, x: np.ndarray) -> np.ndarray:
    adj = _mis_adjacency(program)
    deg = adj.sum(axis=1)
    chosen = x.astype(bool)
    nbrs = adj[:, chosen].sum(axis=1)            # chosen neighbours of every vertex
    while True:
        conflict = np.where(chosen, nbrs, 0)
        if conflict.max(initial=0) == 0:
            break
        score = conflict * (deg.max() + 1) + deg
        v = int(np.argmax(np.where(conflict > 0, score, -1)))
        chosen[v] = False
        nbrs -= adj[v]
    for v in np.argsort(deg, kind="stable"):     # lowest degree first
        if not chosen[v] and nbrs[v] == 0:
            chosen[v] = True
            nbrs += adj[v]
    return chosen.astype(float)


def _gradient(program: BinaryProgram, x: np.ndarray) -> np.ndarray:
    g = program.linear.copy()
    if program.quadratic is not None:
        g += (program.quadratic + program.quadratic.T) @ x
    return g


def _assignment_size(program: BinaryProgram) -> int:
    n = program.meta["n"]
    return n - 1 if program.kind == "tsp" and program.meta.get("fix_start", True) else n


def _one_hot(perms: np.ndarray, size: int) -> np.ndarray:
    """Rows ``perm`` (``perm[row] = col``) as flattened ``size x size`` permutation matrices."""
    perms = np.atleast_2d(perms)
    out = np.zeros((len(perms), size, size))
    out[np.arange(len(perms))[:, None], np.arange(size)[None, :], perms] = 1.0
    return out.reshape(len(perms), size * size)


def _repair_assignment(program: BinaryProgram, x: np.ndarray) -> np.ndarray:
    size = _assignment_size(program)
    cost = _gradient(program, np.clip(x, 0.0, 1.0))
    if program.sense == "max":
        cost = -cost
    perm = permutation_from_x(x, size, tie_cost=cost)
    return _one_hot(perm, size)[0]


def _repair_generic(program: BinaryProgram, x: np.ndarray,
                    rng: np.random.Generator | None) -> np.ndarray:
    x = x.copy()
    n = program.num_vars
    sign = 1.0 if program.sense == "max" else -1.0
    flips = np.eye(n, dtype=bool)
    for _ in range(4 * n + 10):                   # every step lowers the violation
        v = program.violation(x)
        if v <= _TOL:
            return x
        cand = np.logical_xor(x.astype(bool), flips).astype(float)
        dv = v - program.violation(cand)
        loss = sign * (program.objective(x) - program.objective(cand))   # objective given up
        ok = dv > _TOL
        if not ok.any():
            break
        scale = 1e-6 * (1.0 + np.abs(loss).max())
        score = np.where(ok, dv / (np.maximum(loss, 0.0) + scale), -np.inf)
        best = np.flatnonzero(score >= score.max() * (1 - 1e-12))
        best = best[loss[best] <= loss[best].min() + 1e-12]     # then the least objective lost
        i = best[0] if rng is None or len(best) == 1 else rng.choice(best)
        x[i] = 1.0 - x[i]
    if program.is_feasible(x):
        return x
    if n <= MILP_REPAIR_MAX_VARS:
        y = _nearest_feasible(program, x)
        if y is not None:
            return y
    raise InstanceError("no feasible assignment found by repair")


def _nearest_feasible(program: BinaryProgram, x: np.ndarray) -> np.ndarray | None:
    """The feasible point closest to ``x`` in Hamming distance (MILP, HiGHS); among those,
    the best objective when the objective is linear.  ``None`` if there is none."""
    n = program.num_vars
    cost = 1.0 - 2.0 * x                          # |y - x| = y (1 - 2x) + x
    if program.quadratic is None or not np.any(program.quadratic):
        c = -program.linear if program.sense == "max" else program.linear
        cost = cost + 0.5 * c / (1.0 + np.abs(c).sum())   # never outweighs one flipped bit
    cons = []
    if program.A_le.shape[0]:
        cons.append(LinearConstraint(program.A_le, -np.inf, program.b_le))
    if program.A_eq.shape[0]:
        cons.append(LinearConstraint(program.A_eq, program.b_eq, program.b_eq))
    res = milp(cost, constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 1),
               options={"time_limit": 60.0})
    if res.x is None:
        return None
    y = np.round(res.x)
    return y if program.is_feasible(y) else None


# --------------------------------------------------------------------------- improve

@_batched
def improve(program: BinaryProgram, x, *, max_moves: int | None = None) -> np.ndarray:
    """Best-improvement local search from a feasible ``x`` (module doc); returns a feasible
    ``uint8`` vector at least as good, where no move of its kind improves.  ``max_moves``
    caps the moves taken (default ``100 n``)."""
    y = _vector(program, x)
    if not program.is_feasible(y):
        raise ValueError("improve needs a feasible assignment; call repair() first")
    cap = max_moves if max_moves is not None else 100 * program.num_vars + 100
    if program.kind in ("qap", "tsp"):
        y = _improve_assignment(program, y, cap)
    else:
        y = _improve_flips(program, y, cap, swaps=program.kind != "mis")
        if program.kind == "mis":
            y = _improve_mis(program, y, cap)
        elif program.kind == "mdkp":
            y = _improve_mdkp(program, y, cap)
    return y.astype(np.uint8)


def _improve_mdkp(program: BinaryProgram, x: np.ndarray, cap: int) -> np.ndarray:
    """Drop-and-refill descent past the 1-flip/1-swap optimum: take one chosen item out,
    refill greedily by efficiency, polish with flips and swaps; keep the first result that
    beats ``x`` and start over, until no single drop helps."""
    order = np.argsort(-_mdkp_efficiency(program), kind="stable")
    best = float(program.objective(x))
    improved = True
    while improved and cap > 0:
        improved = False
        for i in np.flatnonzero(x):
            z = x.copy()
            z[i] = 0.0
            z = _fill_mdkp(program, z, order[order != i])
            z = _improve_flips(program, z, cap, swaps=True)
            val = float(program.objective(z))
            cap -= 1
            if val > best + _TOL * max(1.0, abs(best)):
                x, best, improved = z, val, True
                break
    return x


def _improve_flips(program: BinaryProgram, x: np.ndarray, cap: int, *, swaps: bool) -> np.ndarray:
    """1-flips (and 1-swaps: one 1 -> 0 with one 0 -> 1) that stay feasible; objective deltas
    from the gradient, so a round costs ``O(m n^2)`` without re-evaluating the objective."""
    x = x.copy()
    sign = 1.0 if program.sense == "max" else -1.0
    Q = program.quadratic
    S = Q + Q.T if Q is not None else np.zeros((program.num_vars,) * 2)
    base = program.linear + (np.diag(Q) if Q is not None else 0.0)
    A, b, E = program.A_le, program.b_le, program.A_eq
    eq_free = np.all(np.abs(E) <= _TOL, axis=0)            # flipping i keeps every == row
    for _ in range(cap):
        s = 1.0 - 2.0 * x
        g = base + S @ x - np.diag(S) * x                  # f(x with i flipped) - f(x) = s_i g_i
        gain = sign * s * g
        slack = b - A @ x + _TOL
        flip_ok = eq_free & np.all(A * s <= slack[:, None], axis=0)
        best_gain = np.where(flip_ok, gain, -np.inf)
        i = int(np.argmax(best_gain))
        move = ((i,), best_gain[i])
        if swaps:
            ones, zeros = np.flatnonzero(x), np.flatnonzero(x == 0)
            if ones.size and zeros.size:
                # x_i: 1 -> 0 and x_j: 0 -> 1
                d = sign * (-g[ones][:, None] + g[zeros][None, :] - S[np.ix_(ones, zeros)])
                dA = A[:, zeros][:, None, :] - A[:, ones][:, :, None]
                ok = np.all(dA <= slack[:, None, None], axis=0)
                if E.shape[0]:
                    dE = E[:, zeros][:, None, :] - E[:, ones][:, :, None]
                    ok &= np.all(np.abs(dE) <= _TOL, axis=0)
                d = np.where(ok, d, -np.inf)
                k = int(np.argmax(d))
                a, c = divmod(k, zeros.size)
                if d.flat[k] > move[1]:
                    move = ((ones[a], zeros[c]), d.flat[k])
        idx, delta = move
        if not delta > _TOL * max(1.0, abs(float(program.objective(x)))):
            break
        x[list(idx)] = 1.0 - x[list(idx)]
    return x


def _improve_mis(program: BinaryProgram, x: np.ndarray, cap: int) -> np.ndarray:
    """(1,2)-swaps: drop a chosen vertex ``v`` and add two non-adjacent vertices whose only
    chosen neighbour was ``v``; then add any vertex left free."""
    adj = _mis_adjacency(program)
    chosen = x.astype(bool)
    nbrs = adj[:, chosen].sum(axis=1)
    for _ in range(cap):
        done = False
        for v in np.flatnonzero(chosen):
            tight = np.flatnonzero(~chosen & (nbrs == 1) & (adj[v] == 1))
            if tight.size < 2:
                continue
            free = adj[np.ix_(tight, tight)] == 0
            np.fill_diagonal(free, False)
            if not free.any():
                continue
            a, c = np.unravel_index(int(np.argmax(free)), free.shape)
            chosen[v] = False
            nbrs -= adj[v]
            for u in (tight[a], tight[c]):
                chosen[u] = True
                nbrs += adj[u]
            for u in np.flatnonzero(~chosen & (nbrs == 0)):
                if nbrs[u] == 0:
                    chosen[u] = True
                    nbrs += adj[u]
            done = True
            break
        if not done:
            break
    return chosen.astype(float)


def _improve_assignment(program: BinaryProgram, x: np.ndarray, cap: int) -> np.ndarray:
    """QAP: swap the locations of two facilities.  TSP: reverse a stretch of the tour (2-opt)
    or swap two cities.  All moves of a round are scored in one batched objective call."""
    size = _assignment_size(program)
    perm = permutation_from_x(x, size)                     # row -> column
    iu, ju = np.triu_indices(size, 1)
    sign = 1.0 if program.sense == "max" else -1.0
    current = float(program.objective(_one_hot(perm, size)[0]))
    for _ in range(cap):
        if program.kind == "tsp":                          # rows are cities, columns steps
            order = np.argsort(perm)                       # city at each step
            cand_orders = np.repeat(order[None, :], 2 * len(iu), axis=0)
            for k, (a, c) in enumerate(zip(iu, ju)):
                cand_orders[k, a:c + 1] = order[a:c + 1][::-1]           # 2-opt
                cand_orders[len(iu) + k, [a, c]] = order[[c, a]]         # swap
            cands = np.argsort(cand_orders, axis=1)
        else:
            cands = np.repeat(perm[None, :], len(iu), axis=0)
            rows = np.arange(len(iu))
            cands[rows, iu], cands[rows, ju] = perm[ju], perm[iu]
        if not len(cands):
            break
        X = _one_hot(cands, size)
        vals = np.asarray(program.objective(X), dtype=float).reshape(-1)
        gain = np.where(program.is_feasible(X), sign * (vals - current), -np.inf)
        k = int(np.argmax(gain))
        if not gain[k] > _TOL * max(1.0, abs(current)):
            break
        perm, current = cands[k], float(vals[k])
    return _one_hot(perm, size)[0]


# --------------------------------------------------------------------------- verify

def verify(program: BinaryProgram, x) -> dict:
    """``{"feasible", "objective", "violation", "gap"}`` of one 0/1 assignment; ``gap`` is
    the gap % to ``program.optimum`` (``inf`` if infeasible, ``nan`` if the optimum is
    unknown)."""
    a = np.asarray(x, dtype=float)
    if a.shape != (program.num_vars,):
        raise ValueError(f"expected {program.num_vars} values, got shape {a.shape}")
    if not np.all((a == 0) | (a == 1)):
        raise ValueError("an assignment must be 0/1")
    feasible = bool(program.is_feasible(a))
    obj = float(program.objective(a))
    return {"feasible": feasible, "objective": obj, "violation": float(program.violation(a)),
            "gap": program.gap(obj if feasible else None)}
