"""Simulated annealing and greedy descent for QUBOs: qtool's classical samplers.

:func:`simulated_annealing` is single-flip Metropolis annealing on a geometric inverse-
temperature schedule.  The sweeps run in the compiled kernel :mod:`qtool._ext._anneal`
(numpy twin :mod:`qtool._ref._anneal` under ``QTOOL_PURE_PYTHON=1``); this module turns a
:class:`~qtool.qubo.program.QUBO` into the kernel's inputs, picks the schedule and derives
one generator seed per read from the caller's ``np.random.Generator``, so results are
deterministic for a given generator state.  :class:`SASampler` packages the settings as a
*sampler* ``sampler(qubo, num_reads, rng) -> uint8[num_reads, n]``.

:func:`greedy_descent` polishes samples: steepest single-flip descent to a local minimum.

Examples
--------
>>> import numpy as np
>>> from qtool.qubo import QUBO
>>> from qtool.qubo.anneal import SASampler, greedy_descent
>>> q = QUBO(np.array([[-1.0, 2.0], [0.0, -1.0]]))     # minima 01 and 10
>>> x = SASampler(sweeps=200)(q, 8, np.random.default_rng(1))
>>> x.shape, x.dtype, sorted(set(q.energy(x).tolist()))
((8, 2), dtype('uint8'), [-1.0])
>>> greedy_descent(q, np.array([1, 1], np.uint8)).tolist()
[0, 1]
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._kernels import kernel
from .program import QUBO

__all__ = ["simulated_annealing", "SASampler", "greedy_descent", "default_beta_range",
           "beta_schedule"]

_DENSE_FILL = 0.25       # above this fill of J the dense kernel's vectorised updates win


def _couplings(qubo: QUBO) -> tuple[np.ndarray, np.ndarray]:
    """``(J, h)``: symmetric zero-diagonal couplings and linear terms, ``E = h.x + x^T J x / 2``
    (without the offset)."""
    off = np.triu(qubo.Q, 1)
    return off + off.T, np.diag(qubo.Q).copy()


def default_beta_range(qubo: QUBO) -> tuple[float, float]:
    """``(beta_hot, beta_cold)`` from the coefficient scale (the rule dwave-neal uses).

    Hot: the largest possible flip cost ``max_i |h_i| + sum_j |J_ij|`` is accepted with
    probability 1/2.  Cold: the smallest nonzero coefficient is accepted with probability
    1/100.  A QUBO with no nonzero coefficient gets ``(1, 1)``.
    """
    J, h = _couplings(qubo)
    big = float((np.abs(h) + np.abs(J).sum(axis=1)).max()) if h.size else 0.0
    coeffs = np.abs(np.concatenate([h, J[np.triu_indices_from(J, 1)]]))
    coeffs = coeffs[coeffs > 0]
    if big <= 0 or coeffs.size == 0:
        return 1.0, 1.0
    return math.log(2.0) / big, math.log(100.0) / float(coeffs.min())


def beta_schedule(beta_range: tuple[float, float], sweeps: int) -> np.ndarray:
    """Geometric inverse temperatures from ``beta_range[0]`` to ``beta_range[1]``."""
    lo, hi = (float(b) for b in beta_range)
    if not (0 < lo and 0 < hi and math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"beta_range must be two positive finite numbers, got {beta_range}")
    return np.geomspace(lo, hi, sweeps) if sweeps > 1 else np.array([hi])


def _initial_states(initial, num_reads: int, n: int, rng: np.random.Generator) -> np.ndarray:
    if initial is None:
        return rng.integers(0, 2, size=(num_reads, n), dtype=np.uint8)
    x = np.asarray(initial)
    if x.ndim == 1:
        x = np.broadcast_to(x, (num_reads, x.size))
    if x.shape != (num_reads, n):
        raise ValueError(f"initial must have shape ({n},) or ({num_reads}, {n}), got {x.shape}")
    if not np.isin(x, (0, 1)).all():
        raise ValueError("initial must hold 0/1 values")
    return np.ascontiguousarray(x, dtype=np.uint8)


def simulated_annealing(qubo: QUBO, num_reads: int, rng: np.random.Generator, *,
                        sweeps: int = 1000, beta_range: tuple[float, float] | None = None,
                        initial=None) -> np.ndarray:
    """Sample ``num_reads`` low-energy states of ``qubo`` by simulated annealing.

    Parameters
    ----------
    qubo : QUBO
    num_reads : int
        Independent annealing runs; one sample each.
    rng : numpy.random.Generator
        Source of the random start states and of one kernel seed per read.
    sweeps : int
        Sweeps per read (each visits every variable once).
    beta_range : (float, float), optional
        ``(beta_hot, beta_cold)`` of the geometric schedule; :func:`default_beta_range`
        when omitted.
    initial : array of 0/1, optional
        Start state(s), ``(n,)`` or ``(num_reads, n)``, instead of random ones.

    Returns
    -------
    numpy.ndarray
        ``uint8[num_reads, n]``, the final state of every read.
    """
    return _anneal(qubo, num_reads, rng, sweeps, beta_range, initial)[0]


def _anneal(qubo, num_reads, rng, sweeps, beta_range, initial):
    """States and energies (offset included) of :func:`simulated_annealing`."""
    if num_reads < 0:
        raise ValueError(f"num_reads must be >= 0, got {num_reads}")
    if sweeps < 1:
        raise ValueError(f"sweeps must be >= 1, got {sweeps}")
    n = qubo.num_vars
    betas = beta_schedule(beta_range or default_beta_range(qubo), sweeps)
    x0 = _initial_states(initial, num_reads, n, rng)
    seeds = rng.integers(0, np.iinfo(np.uint64).max, size=num_reads, dtype=np.uint64,
                         endpoint=True)
    J, h = _couplings(qubo)
    k = kernel("_anneal")
    if np.count_nonzero(J) >= _DENSE_FILL * n * n:
        states, energies = k.anneal_dense(np.ascontiguousarray(J), h, betas, seeds, x0)
    else:
        csr = sp.csr_array(J)
        csr.sort_indices()
        states, energies = k.anneal_csr(csr.indptr.astype(np.int32),
                                        csr.indices.astype(np.int32),
                                        csr.data.astype(np.float64), h, betas, seeds, x0)
    return states, energies + qubo.offset


@dataclass(frozen=True)
class SASampler:
    """:func:`simulated_annealing` with fixed settings, as a sampler
    ``sampler(qubo, num_reads, rng) -> uint8[num_reads, n]``."""

    sweeps: int = 1000
    beta_range: tuple[float, float] | None = None

    def __post_init__(self):
        if int(self.sweeps) != self.sweeps or self.sweeps < 1:
            raise ValueError(f"sweeps must be a positive integer, got {self.sweeps}")
        if self.beta_range is not None:
            beta_schedule(self.beta_range, 2)          # validates
            object.__setattr__(self, "beta_range", tuple(float(b) for b in self.beta_range))

    def __call__(self, qubo: QUBO, num_reads: int, rng: np.random.Generator, *,
                 initial=None) -> np.ndarray:
        return simulated_annealing(qubo, num_reads, rng, sweeps=int(self.sweeps),
                                   beta_range=self.beta_range, initial=initial)


def greedy_descent(qubo: QUBO, x, *, max_flips: int | None = None) -> np.ndarray:
    """Steepest single-flip descent from ``x`` (one state or a batch ``(..., n)``).

    Each step flips, in every state that still improves, the variable whose flip lowers the
    energy most (the lowest index on ties), until no flip lowers it by more than a
    rounding tolerance: the result is a 1-flip local minimum.  Every step lowers the
    energy, so it stops; ``max_flips`` (default ``10 n``) bounds it anyway.
    """
    x = np.asarray(x)
    shape = x.shape
    n = qubo.num_vars
    if shape[-1:] != (n,):
        raise ValueError(f"x must end in a dimension of {n}, got shape {shape}")
    X = x.reshape(-1, n).astype(np.uint8).copy()
    if n == 0 or X.shape[0] == 0:
        return X.reshape(shape)
    J, h = _couplings(qubo)
    tol = 1e-12 * max(1.0, qubo.max_abs_coefficient())
    field = h + X @ J
    rows = np.arange(X.shape[0])
    for _ in range(max_flips if max_flips is not None else 10 * n):
        delta = np.where(X == 1, -field, field)
        k = delta.argmin(axis=1)
        act = delta[rows, k] < -tol
        if not act.any():
            break
        r, k = rows[act], k[act]
        sign = np.where(X[r, k] == 1, -1.0, 1.0)
        X[r, k] ^= 1
        field[r] += sign[:, None] * J[k]
    return X.reshape(shape)
