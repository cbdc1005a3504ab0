# cython: language_level=3
"""Hamming-space kernels of Q-Cluster error mitigation (:mod:`qtool.mitigation.qcluster`).

Bit strings are packed into ``uint64`` keys (bit ``i`` = qubit ``i``, at most 64 bits), so the
Hamming distance of two strings is ``popcount(a ^ b)``.  The kernels work on the *unique*
observed strings, each weighted by its shot count:

* :func:`assign` -- label each string with its nearest centroid (the first one wins a tie), or
  ``-1`` when even the nearest is farther than the threshold ``t`` (``d > t``).
* :func:`update` -- move each centroid to the count-weighted, qubit-wise majority vote of its
  members (a tie gives 1; a cluster without members keeps its centroid); also returns the shots
  in each cluster.
* :func:`kmodes` -- alternate the two until the centroids stop changing or ``max_iter``
  updates have run.
* :func:`leak` -- for every string ``s`` the mass ``sum_c w_c table[d(s, c)]`` that the
  bit-flip model says leaked into it from the centroids, ``table[d] = p^d (1 - p)^(n - d)``;
  the sum runs over ``c = 0..k-1`` in order.

Every function has a numpy twin of the same name in :mod:`qtool._ref._qcluster` with the
same results (``leak`` to rounding).

Examples
--------
>>> import numpy as np
>>> from qtool._ext._qcluster import assign, kmodes
>>> keys = np.array([0b000, 0b001, 0b110, 0b111], np.uint64)
>>> assign(keys, np.array([0b000, 0b111], np.uint64), 1.0).tolist()
[0, 0, 1, 1]
>>> cent, labels, sizes, it = kmodes(keys, np.array([5, 1, 1, 5]), np.array([0, 7], np.uint64),
...                                  1.0, 3, 300)
>>> cent.tolist(), sizes.tolist()
([0, 7], [6, 6])
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport calloc, free

cnp.import_array()


cdef extern from *:
    """
    static inline int qtool_popcount64(unsigned long long x) { return __builtin_popcountll(x); }
    """
    int qtool_popcount64(unsigned long long x) noexcept nogil


# ----------------------------------------------------------------------------- cores
cdef void _assign(const uint64_t[::1] keys, const uint64_t[::1] cent, double t,
                  int64_t[::1] labels) noexcept nogil:
    cdef Py_ssize_t i, c, m = keys.shape[0], k = cent.shape[0]
    cdef int d, best
    cdef int64_t arg
    for i in range(m):
        best = 65
        arg = -1
        for c in range(k):
            d = qtool_popcount64(keys[i] ^ cent[c])
            if d < best:
                best = d
                arg = c
        if arg >= 0 and best > t:
            arg = -1
        labels[i] = arg


cdef int _update(const uint64_t[::1] keys, const int64_t[::1] counts,
                 const int64_t[::1] labels, const uint64_t[::1] old, int num_bits,
                 uint64_t[::1] new, int64_t[::1] sizes) noexcept nogil:
    """Majority vote; returns 1 if any centroid moved, 0 if none did, -1 out of memory."""
    cdef Py_ssize_t i, c, b, m = keys.shape[0], k = old.shape[0]
    cdef int64_t lab, w
    cdef uint64_t key, cen
    cdef int moved = 0
    cdef int64_t* ones = <int64_t*>calloc(k * num_bits + 1, sizeof(int64_t))
    if ones == NULL:
        return -1
    for c in range(k):
        sizes[c] = 0
    for i in range(m):
        lab = labels[i]
        if lab < 0:
            continue
        w = counts[i]
        sizes[lab] += w
        key = keys[i]
        b = 0
        while key:
            if key & 1:
                ones[lab * num_bits + b] += w
            key >>= 1
            b += 1
    for c in range(k):
        if sizes[c] == 0:
            cen = old[c]
        else:
            cen = 0
            for b in range(num_bits):
                if 2 * ones[c * num_bits + b] >= sizes[c]:
                    cen |= (<uint64_t>1) << b
        if cen != old[c]:
            moved = 1
        new[c] = cen
    free(ones)
    return moved


cdef void _leak(const uint64_t[::1] keys, const uint64_t[::1] cent, const double[::1] w,
                const double[::1] table, double[::1] out) noexcept nogil:
    cdef Py_ssize_t i, c, m = keys.shape[0], k = cent.shape[0]
    cdef double acc
    for i in range(m):
        acc = 0.0
        for c in range(k):
            acc = acc + w[c] * table[qtool_popcount64(keys[i] ^ cent[c])]
        out[i] = acc


# ----------------------------------------------------------------------------- wrappers
def _check_bits(const uint64_t[::1] keys, const uint64_t[::1] centroids, int num_bits):
    """``num_bits`` in 0..64 and every key and centroid below ``2**num_bits``."""
    if num_bits < 0 or num_bits > 64:
        raise ValueError("num_bits must be in 0..64")
    cdef uint64_t seen = 0
    cdef Py_ssize_t i
    for i in range(keys.shape[0]):
        seen |= keys[i]
    for i in range(centroids.shape[0]):
        seen |= centroids[i]
    if num_bits < 64 and seen >> num_bits:
        raise ValueError("a key or centroid has more than num_bits bits")


def assign(const uint64_t[::1] keys, const uint64_t[::1] centroids, double threshold):
    """Labels ``int64[m]``: index of the Hamming-nearest centroid (first wins a tie), or -1
    when that distance exceeds ``threshold`` (or there are no centroids)."""
    labels = np.empty(keys.shape[0], dtype=np.int64)
    cdef int64_t[::1] lab = labels
    with nogil:
        _assign(keys, centroids, threshold, lab)
    return labels


def update(const uint64_t[::1] keys, const int64_t[::1] counts, const int64_t[::1] labels,
           const uint64_t[::1] centroids, int num_bits):
    """``(new_centroids uint64[k], sizes int64[k])``: count-weighted qubit-wise majority of
    each cluster's members (ties give 1; an empty cluster keeps its centroid), and the shots
    labelled with each cluster."""
    _check_bits(keys, centroids, num_bits)
    cdef Py_ssize_t i, m = keys.shape[0], k = centroids.shape[0]
    if counts.shape[0] != m or labels.shape[0] != m:
        raise ValueError("keys, counts and labels must have the same length")
    for i in range(m):
        if labels[i] >= k or labels[i] < -1:
            raise ValueError("labels must lie in -1..k-1")
        if counts[i] < 0:
            raise ValueError("counts must be >= 0")
    new = np.empty(k, dtype=np.uint64)
    sizes = np.empty(k, dtype=np.int64)
    cdef uint64_t[::1] nv = new
    cdef int64_t[::1] sv = sizes
    cdef int rc
    with nogil:
        rc = _update(keys, counts, labels, centroids, num_bits, nv, sv)
    if rc < 0:
        raise MemoryError()
    return new, sizes


def kmodes(const uint64_t[::1] keys, const int64_t[::1] counts, const uint64_t[::1] init,
           double threshold, int num_bits, int max_iter):
    """Weighted k-modes from the centroids ``init``.

    Each round assigns (:func:`assign`) and then updates (:func:`update`); it stops after the
    first round whose update moves no centroid, or after ``max_iter`` rounds.  Returns
    ``(centroids, labels, sizes, rounds)``: the final centroids, the labels they induce, the
    shots per cluster under those labels, and the number of rounds run.
    """
    _check_bits(keys, init, num_bits)
    cdef Py_ssize_t i, m = keys.shape[0], k = init.shape[0]
    if counts.shape[0] != m:
        raise ValueError("keys and counts must have the same length")
    for i in range(m):
        if counts[i] < 0:
            raise ValueError("counts must be >= 0")
    buf = np.empty((2, k), dtype=np.uint64)
    buf[0] = init
    labels = np.empty(m, dtype=np.int64)
    sizes = np.zeros(k, dtype=np.int64)
    cdef uint64_t[:, ::1] bv = buf
    cdef int64_t[::1] lab = labels, sv = sizes
    cdef int rc = 0, rounds = 0, cur = 0
    with nogil:
        while rounds < max_iter:
            _assign(keys, bv[cur], threshold, lab)
            rc = _update(keys, counts, lab, bv[cur], num_bits, bv[1 - cur], sv)
            rounds += 1
            if rc < 0:
                break
            cur = 1 - cur
            if rc == 0:
                break
        if rc >= 0:
            _assign(keys, bv[cur], threshold, lab)
            rc = _update(keys, counts, lab, bv[cur], num_bits, bv[1 - cur], sv)
    if rc < 0:
        raise MemoryError()
    return buf[cur].copy(), labels, sizes, rounds


def leak(const uint64_t[::1] keys, const uint64_t[::1] centroids, const double[::1] weights,
         const double[::1] table):
    """``float64[m]``: ``sum_c weights[c] * table[popcount(keys[i] ^ centroids[c])]``.

    ``table`` has ``num_bits + 1`` entries; every key and centroid must fit in ``num_bits``.
    """
    cdef Py_ssize_t i, k = centroids.shape[0], m = keys.shape[0], tn = table.shape[0]
    if weights.shape[0] != k:
        raise ValueError("weights and centroids must have the same length")
    if tn < 1 or tn > 65:
        raise ValueError("table must have 1..65 entries")
    cdef uint64_t seen = 0, limit = 0
    for i in range(m):
        seen |= keys[i]
    for i in range(k):
        seen |= centroids[i]
    if tn <= 64:
        limit = ((<uint64_t>1) << (tn - 1)) - 1
        if seen & ~limit:
            raise ValueError("a key or centroid has more bits than len(table) - 1")
    out = np.empty(m, dtype=np.float64)
    cdef double[::1] ov = out
    with nogil:
        _leak(keys, centroids, weights, table, ov)
    return out
