"""Reference twins of :mod:`qtool._ext._qcluster` (same names, signatures and results).

Distances come from ``np.bitwise_count`` on a broadcast ``keys[:, None] ^ centroids[None, :]``
(an ``m x k`` matrix), ``argmin`` gives the first nearest centroid, and the majority vote is a
``bincount`` of counts per (cluster, bit).  ``leak`` sums over the centroids in index order,
like the kernel, so results agree to rounding.
"""
from __future__ import annotations

import numpy as np


def _check_bits(keys: np.ndarray, centroids: np.ndarray, num_bits: int) -> None:
    if num_bits < 0 or num_bits > 64:
        raise ValueError("num_bits must be in 0..64")
    seen = np.bitwise_or.reduce(np.concatenate([keys, centroids]).astype(np.uint64),
                                initial=np.uint64(0))
    if num_bits < 64 and int(seen) >> num_bits:
        raise ValueError("a key or centroid has more than num_bits bits")


def _distances(keys: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    return np.bitwise_count(np.asarray(keys, np.uint64)[:, None]
                            ^ np.asarray(centroids, np.uint64)[None, :])


def assign(keys: np.ndarray, centroids: np.ndarray, threshold: float) -> np.ndarray:
    """Labels ``int64[m]``: nearest centroid (first wins a tie), -1 beyond ``threshold``."""
    keys = np.asarray(keys, np.uint64)
    if len(centroids) == 0:
        return np.full(len(keys), -1, np.int64)
    d = _distances(keys, centroids)
    labels = np.argmin(d, axis=1).astype(np.int64)
    best = d[np.arange(len(keys)), labels]
    labels[best > threshold] = -1
    return labels


def update(keys: np.ndarray, counts: np.ndarray, labels: np.ndarray, centroids: np.ndarray,
           num_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """``(new_centroids, sizes)``: count-weighted qubit-wise majority (ties give 1; an empty
    cluster keeps its centroid) and the shots labelled with each cluster."""
    keys = np.asarray(keys, np.uint64)
    counts = np.asarray(counts, np.int64)
    labels = np.asarray(labels, np.int64)
    centroids = np.asarray(centroids, np.uint64)
    _check_bits(keys, centroids, num_bits)
    k = len(centroids)
    if len(counts) != len(keys) or len(labels) != len(keys):
        raise ValueError("keys, counts and labels must have the same length")
    if np.any(labels >= k) or np.any(labels < -1):
        raise ValueError("labels must lie in -1..k-1")
    if np.any(counts < 0):
        raise ValueError("counts must be >= 0")
    member = labels >= 0
    lab, w, kk = labels[member], counts[member], keys[member]
    sizes = np.bincount(lab, weights=w, minlength=k).astype(np.int64) if k else \
        np.zeros(0, np.int64)
    new = centroids.copy()
    if k == 0 or num_bits == 0:
        return new, sizes
    bits = ((kk[:, None] >> np.arange(num_bits, dtype=np.uint64)) & np.uint64(1)).astype(bool)
    ones = np.zeros((k, num_bits), np.int64)
    np.add.at(ones, lab, bits * w[:, None])
    vote = 2 * ones >= sizes[:, None]
    packed = (vote.astype(np.uint64) << np.arange(num_bits, dtype=np.uint64)).sum(
        axis=1, dtype=np.uint64)
    filled = sizes > 0
    new[filled] = packed[filled]
    return new, sizes


def kmodes(keys: np.ndarray, counts: np.ndarray, init: np.ndarray, threshold: float,
           num_bits: int, max_iter: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Weighted k-modes from ``init``; see :func:`qtool._ext._qcluster.kmodes`."""
    keys = np.asarray(keys, np.uint64)
    counts = np.asarray(counts, np.int64)
    cur = np.array(init, dtype=np.uint64)
    _check_bits(keys, cur, num_bits)
    if len(counts) != len(keys):
        raise ValueError("keys and counts must have the same length")
    if np.any(counts < 0):
        raise ValueError("counts must be >= 0")
    rounds = 0
    while rounds < max_iter:
        labels = assign(keys, cur, threshold)
        new, _ = update(keys, counts, labels, cur, num_bits)
        rounds += 1
        moved = not np.array_equal(new, cur)
        cur = new
        if not moved:
            break
    labels = assign(keys, cur, threshold)
    _, sizes = update(keys, counts, labels, cur, num_bits)
    return cur, labels, sizes, rounds


def leak(keys: np.ndarray, centroids: np.ndarray, weights: np.ndarray,
         table: np.ndarray) -> np.ndarray:
    """``float64[m]``: ``sum_c weights[c] * table[popcount(keys[i] ^ centroids[c])]``."""
    keys = np.asarray(keys, np.uint64)
    centroids = np.asarray(centroids, np.uint64)
    weights = np.asarray(weights, np.float64)
    table = np.asarray(table, np.float64)
    if len(weights) != len(centroids):
        raise ValueError("weights and centroids must have the same length")
    if not 1 <= len(table) <= 65:
        raise ValueError("table must have 1..65 entries")
    _check_bits(keys, centroids, len(table) - 1)
    out = np.zeros(len(keys), np.float64)
    if len(centroids) == 0:
        return out
    terms = weights[None, :] * table[_distances(keys, centroids)]
    for c in range(len(centroids)):      # in index order, as the kernel adds
        out = out + terms[:, c]
    return out
