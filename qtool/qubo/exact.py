"""Exact solvers, the yardsticks for samplers, encodings and repair.

* :func:`brute_force` enumerates all ``2^n`` assignments of a QUBO in numpy blocks
  (``n <= 24`` by default); :func:`brute_force_program` does the same for a constrained
  :class:`~qtool.qubo.program.BinaryProgram`, keeping only feasible assignments.
* :func:`solve_milp` solves a ``BinaryProgram`` with HiGHS through
  :func:`scipy.optimize.milp`.  A quadratic objective is linearised: every product
  ``x_i x_j`` with a nonzero coefficient becomes a variable ``y_ij in [0, 1]`` tied to it by
  ``y_ij >= x_i + x_j - 1`` where the (minimisation) coefficient is positive and by
  ``y_ij <= x_i, y_ij <= x_j`` where it is negative -- the rows the optimiser could otherwise
  exploit; the rest hold at every optimum by themselves.
* :func:`solve_qubo_milp` is the exact QUBO minimum by the same route (sparse QUBOs of a
  few dozen variables).

Examples
--------
>>> import numpy as np
>>> from qtool.qubo import QUBO, BinaryProgram
>>> from qtool.qubo.exact import brute_force, solve_milp, solve_qubo_milp
>>> q = QUBO(np.array([[-1.0, 2.0], [0.0, -1.0]]))
>>> x, e = brute_force(q)
>>> x.tolist(), e
([1, 0], -1.0)
>>> float(solve_qubo_milp(q)[1])
-1.0
>>> knap = BinaryProgram("toy", "max", [3, 4, 5], A_le=[[2, 3, 4]], b_le=[5])
>>> x, v = solve_milp(knap)
>>> x.tolist(), v
([1, 1, 0], 7.0)
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from .errors import InstanceError
from .program import QUBO, BinaryProgram

__all__ = ["brute_force", "brute_force_program", "solve_milp", "solve_qubo_milp"]

_BLOCK_BITS = 12                 # enumerate the low bits 4096 at a time
_BLOCK_CELLS = 1 << 22           # (low assignments) x (high assignments) per numpy step


def _bits(count: int, width: int, start: int = 0) -> np.ndarray:
    """``uint8[count, width]``: the binary expansions of ``start .. start+count-1``, bit
    ``k`` of the integer in column ``k``."""
    ints = np.arange(start, start + count, dtype=np.int64)
    return ((ints[:, None] >> np.arange(width)) & 1).astype(np.uint8)


def _too_many(n: int, max_vars: int) -> None:
    if n > max_vars:
        raise ValueError(f"brute force over {n} variables means 2^{n} assignments; the limit "
                         f"is max_vars={max_vars} (use solve_milp / solve_qubo_milp, or raise "
                         "max_vars)")


def brute_force(qubo: QUBO, max_vars: int = 24) -> tuple[np.ndarray, float]:
    """The minimum-energy assignment of ``qubo`` by full enumeration.

    The variables are split into ``k <= 12`` low and ``n - k`` high ones.  The low part's
    energies (all ``2^k`` assignments) are computed once; for a batch of high assignments
    the energy is then ``E_low + E_high + X_low (Q_lh X_high^T)``, one matrix product.
    Ties go to the assignment with the smaller integer ``sum_i x_i 2^i``.

    Returns ``(x: uint8[n], energy)`` with the energy recomputed by ``qubo.energy``.
    """
    n = qubo.num_vars
    _too_many(n, max_vars)
    if n == 0:
        return np.zeros(0, np.uint8), qubo.energy(np.zeros(0))
    Q = qubo.Q
    k = min(n, _BLOCK_BITS)
    low = _bits(1 << k, k).astype(float)
    e_low = np.einsum("ai,ij,aj->a", low, Q[:k, :k], low)
    cross = Q[:k, k:]                                  # upper triangle: low rows, high cols
    n_high = n - k
    batch = max(1, _BLOCK_CELLS >> k)
    best_e, best_code = np.inf, 0
    for start in range(0, 1 << n_high, batch):
        count = min(batch, (1 << n_high) - start)
        high = _bits(count, n_high, start).astype(float)
        e_high = np.einsum("bi,ij,bj->b", high, Q[k:, k:], high)
        E = e_low[:, None] + e_high[None, :] + low @ (cross @ high.T)   # (2^k, count)
        flat = int(np.argmin(E.T))                     # high-major: smaller codes first
        if E.T.flat[flat] < best_e:
            best_e = float(E.T.flat[flat])
            b, a = divmod(flat, 1 << k)
            best_code = ((start + b) << k) | a
    x = ((best_code >> np.arange(n)) & 1).astype(np.uint8)
    return x, qubo.energy(x)


def brute_force_program(program: BinaryProgram, max_vars: int = 20,
                        tol: float = 1e-9) -> tuple[np.ndarray, float]:
    """The best feasible assignment of ``program`` by full enumeration.

    Returns ``(x: uint8[n], objective)``; ties go to the smaller integer
    ``sum_i x_i 2^i``.  Raises :class:`InstanceError` if no assignment is feasible.
    """
    n = program.num_vars
    _too_many(n, max_vars)
    sign = 1.0 if program.sense == "min" else -1.0
    best_v, best_x = np.inf, None
    step = 1 << min(n, 16)
    for start in range(0, 1 << n, step):
        X = _bits(min(step, (1 << n) - start), n, start)
        ok = np.flatnonzero(program.is_feasible(X, tol))
        if ok.size == 0:
            continue
        vals = sign * np.asarray(program.objective(X[ok]), dtype=float).reshape(-1)
        i = int(np.argmin(vals))
        if vals[i] < best_v:
            best_v, best_x = float(vals[i]), X[ok[i]]
    if best_x is None:
        raise InstanceError(f"infeasible: no assignment of {program.name!r} satisfies its "
                            f"{program.num_constraints} constraints")
    return best_x.copy(), float(program.objective(best_x))


def _linearised(program: BinaryProgram):
    """The MILP data ``(c, integrality, A, lo, hi)`` of ``min sign * objective``.

    Variables are ``x`` followed by one ``y`` per nonzero product; the program's own rows
    come first, then the linearisation rows.
    """
    n = program.num_vars
    sign = 1.0 if program.sense == "min" else -1.0
    c_x = sign * program.linear
    pairs = np.zeros((0, 2), dtype=np.int64)
    c_y = np.zeros(0)
    if program.quadratic is not None:
        Q = sign * program.quadratic
        c_x = c_x + np.diag(Q)                         # x_i^2 = x_i
        P = np.triu(Q, 1) + np.triu(Q.T, 1)            # coefficient of x_i x_j, i < j
        pairs = np.argwhere(P != 0)
        c_y = P[pairs[:, 0], pairs[:, 1]]
    m = len(pairs)
    rows = [sp.hstack([sp.csr_array(program.A_le), sp.csr_array((len(program.b_le), m))]),
            sp.hstack([sp.csr_array(program.A_eq), sp.csr_array((len(program.b_eq), m))])]
    lo = [np.full(len(program.b_le), -np.inf), program.b_eq]
    hi = [program.b_le, program.b_eq]
    y = n + np.arange(m)
    pos, neg = np.flatnonzero(c_y > 0), np.flatnonzero(c_y < 0)
    if pos.size:                                       # x_i + x_j - y <= 1
        r = np.arange(pos.size)
        rows.append(sp.csr_array(
            (np.r_[np.ones(2 * pos.size), -np.ones(pos.size)],
             (np.r_[r, r, r], np.r_[pairs[pos, 0], pairs[pos, 1], y[pos]])),
            shape=(pos.size, n + m)))
        lo.append(np.full(pos.size, -np.inf))
        hi.append(np.ones(pos.size))
    for side in (0, 1):                                # y - x_side <= 0
        if neg.size:
            r = np.arange(neg.size)
            rows.append(sp.csr_array(
                (np.r_[np.ones(neg.size), -np.ones(neg.size)],
                 (np.r_[r, r], np.r_[y[neg], pairs[neg, side]])),
                shape=(neg.size, n + m)))
            lo.append(np.full(neg.size, -np.inf))
            hi.append(np.zeros(neg.size))
    c = np.r_[c_x, c_y]
    integrality = np.r_[np.ones(n), np.zeros(m)]
    return c, integrality, sp.vstack(rows, format="csr"), np.concatenate(lo), np.concatenate(hi)


def solve_milp(program: BinaryProgram, time_limit: float = 60) -> tuple[np.ndarray, float]:
    """Solve ``program`` exactly with HiGHS (``scipy.optimize.milp``).

    Linear objectives go in directly; quadratic ones are linearised (module docstring).
    Returns ``(x: uint8[n], objective)`` with the objective recomputed by
    ``program.objective`` (constant included).  Raises :class:`InstanceError` when HiGHS
    proves the program infeasible.  If the time limit stops HiGHS with a feasible but
    unproven solution, that solution is returned with a :class:`RuntimeWarning`; with none
    at all, :class:`RuntimeError` is raised.
    """
    n = program.num_vars
    if n == 0:
        if not program.is_feasible(np.zeros(0)):
            raise InstanceError(f"infeasible: {program.name!r} has no variables and "
                                "unsatisfiable constraints")
        return np.zeros(0, np.uint8), float(program.objective(np.zeros(0)))
    c, integrality, A, lo, hi = _linearised(program)
    constraints = [LinearConstraint(A, lo, hi)] if A.shape[0] else []
    res = milp(c, integrality=integrality, bounds=Bounds(0, 1), constraints=constraints,
               options={"time_limit": float(time_limit)})
    if res.status == 2:
        raise InstanceError(f"infeasible: HiGHS proved {program.name!r} has no feasible "
                            f"assignment ({res.message})")
    if res.x is None:
        raise RuntimeError(f"HiGHS found no solution for {program.name!r}: {res.message}")
    if res.status != 0:
        warnings.warn(f"{program.name!r}: HiGHS stopped before proving optimality "
                      f"({res.message}); returning its best solution", RuntimeWarning,
                      stacklevel=2)
    x = np.round(res.x[:n]).astype(np.uint8)
    return x, float(program.objective(x))


def solve_qubo_milp(qubo: QUBO, time_limit: float = 60) -> tuple[np.ndarray, float]:
    """The minimum of ``qubo`` by the linearised MILP: ``(x: uint8[n], energy)``."""
    Q = qubo.Q
    program = BinaryProgram("qubo", "min", np.diag(Q).copy(), quadratic=np.triu(Q, 1),
                            constant=qubo.offset)
    x, _ = solve_milp(program, time_limit=time_limit)
    return x, qubo.energy(x)
