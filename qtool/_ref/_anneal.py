"""Reference twins of :mod:`qtool._ext._anneal` (same names, signatures and samples).

Reads are independent, so this twin runs them side by side as numpy vectors: one step of
the sweep handles spin ``i`` of every read at once.  The per-read arithmetic is the kernel's,
in the same order (local fields built and updated entry by entry in CSR order, the same
xorshift64* generator drawn only when ``delta > 0``, ``math.exp`` -- the C library's ``exp``
-- for the acceptance test), so the states are bit-identical to the kernel's.  The final
energies are summed in a different order and agree to rounding only.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

_MAX_EXPONENT = 40.0
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STAR = np.uint64(0x2545F4914F6CDD1D)


def _seed_state(seeds: np.ndarray) -> np.ndarray:
    """splitmix64 of each seed (uint64 arithmetic wraps, as in C)."""
    z = np.asarray(seeds, dtype=np.uint64) + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    z[z == 0] = _GOLDEN
    return z


def _uniform(state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One xorshift64* step of every state: ``(new_state, u in [0, 1))``."""
    x = state ^ (state >> np.uint64(12))
    x = x ^ (x << np.uint64(25))
    x = x ^ (x >> np.uint64(27))
    u = ((x * _STAR) >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
    return x, u


def _check_common(h, betas, seeds, initial) -> None:
    n = len(h)
    if not np.all(np.isfinite(h)):
        raise ValueError("h is not finite")
    if not np.all(np.isfinite(betas)) or np.any(betas < 0):
        raise ValueError("betas must be finite and >= 0")
    if initial.shape != (len(seeds), n):
        raise ValueError(f"initial must have shape ({len(seeds)}, {n})")
    if initial.size and initial.max() > 1:
        raise ValueError("initial must hold 0/1 values")


def _check_csr(indptr, indices, data, n) -> None:
    nnz = len(indices)
    if len(indptr) != n + 1 or indptr[0] != 0 or indptr[-1] != nnz:
        raise ValueError("indptr does not match h and indices")
    if len(data) != nnz:
        raise ValueError("data and indices differ in length")
    if np.any(np.diff(indptr) < 0):
        raise ValueError("indptr is not monotone")
    if nnz and (indices.min() < 0 or indices.max() >= n):
        raise ValueError("column out of range")
    rows = np.repeat(np.arange(n), np.diff(indptr))
    if np.any(indices == rows):
        raise ValueError("J must have no diagonal entries")
    if np.any((np.diff(indices) <= 0) & (rows[1:] == rows[:-1])):
        raise ValueError("column indices must increase along each row")
    if not np.all(np.isfinite(data)):
        raise ValueError("J is not finite")
    J = sp.csr_array((data, indices, indptr), shape=(n, n))
    if (J != J.T).nnz:
        raise ValueError("J must be symmetric")


def anneal_dense(J, h, betas, seeds, initial):
    J = np.asarray(J, dtype=np.float64)
    n = len(h)
    if J.shape != (n, n):
        raise ValueError(f"J must have shape ({n}, {n})")
    if np.any(np.diag(J) != 0):
        raise ValueError("J must have a zero diagonal")
    if not np.all(np.isfinite(J)):
        raise ValueError("J is not finite")
    if np.any(J != J.T):
        raise ValueError("J must be symmetric")
    # absent entries only ever add zeros in the kernel: the CSR run makes the same decisions
    csr = sp.csr_array(J)
    csr.sort_indices()
    return anneal_csr(csr.indptr, csr.indices, csr.data, h, betas, seeds, initial)


def anneal_csr(indptr, indices, data, h, betas, seeds, initial):
    indptr = np.asarray(indptr, dtype=np.int32)
    indices = np.asarray(indices, dtype=np.int32)
    data = np.asarray(data, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    betas = np.asarray(betas, dtype=np.float64)
    seeds = np.asarray(seeds, dtype=np.uint64)
    initial = np.asarray(initial, dtype=np.uint8)
    _check_csr(indptr, indices, data, len(h))
    _check_common(h, betas, seeds, initial)
    n, reads = len(h), len(seeds)
    x = initial.reshape(reads, n).copy()
    field = np.empty((reads, n), dtype=np.float64)
    for i in range(n):
        f = np.full(reads, h[i])
        for e in range(indptr[i], indptr[i + 1]):
            f = f + data[e] * x[:, indices[e]]
        field[:, i] = f
    state = _seed_state(seeds)
    rows = [(indices[indptr[i]:indptr[i + 1]], data[indptr[i]:indptr[i + 1]])
            for i in range(n)]
    for beta in betas.tolist():
        for i in range(n):
            d = np.where(x[:, i] == 1, -field[:, i], field[:, i])
            accept = d <= 0
            pos = np.flatnonzero(~accept)
            if pos.size:
                state[pos], u = _uniform(state[pos])
                bd = (beta * d[pos]).tolist()
                p = np.array([math.exp(-v) if v < _MAX_EXPONENT else 0.0 for v in bd])
                accept[pos] = u < p
            flip = np.flatnonzero(accept)
            if flip.size == 0:
                continue
            cols, vals = rows[i]
            up = x[flip, i] == 0
            x[flip, i] ^= 1
            if cols.size:
                sub = field[np.ix_(flip, cols)]
                field[np.ix_(flip, cols)] = np.where(up[:, None], sub + vals, sub - vals)
    off = np.zeros((n, n))
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            if indices[e] > i:
                off[i, indices[e]] = data[e]
    xf = x.astype(np.float64)
    energies = xf @ h + np.einsum("ri,ij,rj->r", xf, off, xf)
    return x, energies
