# cython: language_level=3
"""Kernels of unfolding through a circuit's flip channel (:mod:`qtool.mitigation.unfold`).

Flip masks are packed into ``uint64`` (bit ``j`` = classical bit ``j``).

* :func:`convolve` -- the distribution over masks of the XOR of independent error
  locations.  Location ``j`` leaves the mask alone with probability ``stay[j]`` and XORs
  ``flips[ptr[j]:ptr[j+1]]`` with probabilities ``flip_probs[...]``; after each location
  masks of probability ``<= prune`` are dropped.  Uses an open-addressing hash table.
* :func:`pairs` -- every ``(i, j, f)`` with ``keys[i] ^ masks[f] == keys[j]`` (``keys``
  unique), in ``(i, f)`` order: the non-zero entries ``A(keys[i] | keys[j])`` of the
  channel matrix restricted to the observed strings.  Uses a hash table of the keys.
* :func:`em` -- expectation-maximisation for ``q = A pi`` over the observed strings, with
  ``A`` given as pairs ``(rows[i], src[i], w[i])``: observed string ``rows[i]`` receives
  ``w[i] * pi[src[i]]``.  Before each update it stops once ``1 - BC(A pi, q)^2 <= level``
  (the discrepancy principle).

Both have numpy twins of the same name in :mod:`qtool._ref._unfold` (same results up to
rounding; ``convolve`` returns masks sorted).

Examples
--------
>>> import numpy as np
>>> from qtool._ext._unfold import convolve
>>> m, p = convolve(np.array([1, 3], np.uint64), np.array([0.1, 0.2]),
...                 np.array([0, 1, 2]), np.array([0.9, 0.8]), 0.0)
>>> m.tolist(), np.round(p, 3).tolist()
([0, 1, 2, 3], [0.72, 0.08, 0.02, 0.18])
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport sqrt
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc, realloc

cnp.import_array()

cdef inline uint64_t _hash(uint64_t x) nogil:
    x ^= x >> 33
    x *= <uint64_t>0xff51afd7ed558ccd
    x ^= x >> 33
    return x


def convolve(const uint64_t[::1] flips, const double[::1] flip_probs,
             const int64_t[::1] ptr, const double[::1] stay, double prune):
    """``(masks, probs)`` of the XOR of the locations (module doc); masks sorted."""
    cdef Py_ssize_t nloc = stay.shape[0]
    cdef Py_ssize_t size = 1, cap, new_size, i, j, f, slot, k_lo, k_hi
    cdef uint64_t *masks = <uint64_t *>malloc(sizeof(uint64_t))
    cdef double *probs = <double *>malloc(sizeof(double))
    cdef uint64_t *tkeys
    cdef double *tvals
    cdef char *used
    cdef uint64_t m
    cdef double v, s
    masks[0] = 0
    probs[0] = 1.0
    try:
        for j in range(nloc):
            k_lo = ptr[j]
            k_hi = ptr[j + 1]
            if k_hi == k_lo:
                continue
            cap = 16
            while cap < 2 * size * (k_hi - k_lo + 1):
                cap <<= 1
            tkeys = <uint64_t *>malloc(cap * sizeof(uint64_t))
            tvals = <double *>malloc(cap * sizeof(double))
            used = <char *>malloc(cap)
            if tkeys == NULL or tvals == NULL or used == NULL:
                free(tkeys)
                free(tvals)
                free(used)
                raise MemoryError()
            for i in range(cap):
                used[i] = 0
            s = stay[j]
            for i in range(size):
                for f in range(k_lo - 1, k_hi):
                    if f < k_lo:
                        m = masks[i]
                        v = probs[i] * s
                    else:
                        m = masks[i] ^ flips[f]
                        v = probs[i] * flip_probs[f]
                    slot = <Py_ssize_t>(_hash(m) & <uint64_t>(cap - 1))
                    while used[slot] and tkeys[slot] != m:
                        slot = (slot + 1) & (cap - 1)
                    if used[slot]:
                        tvals[slot] += v
                    else:
                        used[slot] = 1
                        tkeys[slot] = m
                        tvals[slot] = v
            new_size = 0
            for i in range(cap):
                if used[i] and tvals[i] > prune:
                    new_size += 1
            free(masks)
            free(probs)
            masks = <uint64_t *>malloc((new_size if new_size else 1) * sizeof(uint64_t))
            probs = <double *>malloc((new_size if new_size else 1) * sizeof(double))
            k_lo = 0
            for i in range(cap):
                if used[i] and tvals[i] > prune:
                    masks[k_lo] = tkeys[i]
                    probs[k_lo] = tvals[i]
                    k_lo += 1
            free(tkeys)
            free(tvals)
            free(used)
            size = new_size
        out_m = np.empty(size, np.uint64)
        out_p = np.empty(size, np.float64)
        for i in range(size):
            out_m[i] = masks[i]
            out_p[i] = probs[i]
    finally:
        free(masks)
        free(probs)
    order = np.argsort(out_m, kind="stable")
    return out_m[order], out_p[order]


def em(const double[::1] q, const int64_t[::1] rows, const int64_t[::1] src,
       const double[::1] w, double level, Py_ssize_t max_iter):
    """``(pi, iterations)``: EM for ``q = A pi`` stopped by the discrepancy principle."""
    cdef Py_ssize_t n = q.shape[0], npair = rows.shape[0], i, it = 0
    pi_arr = np.array(q, dtype=np.float64)
    a_arr = np.empty(n, np.float64)
    b_arr = np.empty(n, np.float64)
    cdef double[::1] pi = pi_arr
    cdef double[::1] a = a_arr
    cdef double[::1] b = b_arr
    cdef double tot, bc
    with nogil:
        while it < max_iter:
            for i in range(n):
                a[i] = 0.0
            for i in range(npair):
                a[rows[i]] += w[i] * pi[src[i]]
            tot = 0.0
            for i in range(n):
                tot += a[i]
            bc = 0.0
            if tot > 0:
                for i in range(n):
                    bc += sqrt(a[i] / tot * q[i])
            if 1.0 - bc * bc <= level:
                break
            for i in range(n):
                a[i] = q[i] / a[i] if a[i] > 0 else 0.0
                b[i] = 0.0
            for i in range(npair):
                b[src[i]] += w[i] * a[rows[i]]
            tot = 0.0
            for i in range(n):
                pi[i] *= b[i]
                tot += pi[i]
            for i in range(n):
                pi[i] /= tot
            it += 1
    return pi_arr, it


def pairs(const uint64_t[::1] keys, const uint64_t[::1] masks):
    """``(rows, src, cols)`` int64 arrays of the matches (module doc)."""
    cdef Py_ssize_t n = keys.shape[0], nm = masks.shape[0], cap = 16, i, f, slot
    cdef Py_ssize_t size = 0, room = 1024
    cdef uint64_t want
    while cap < 2 * n:
        cap <<= 1
    cdef uint64_t *tkeys = <uint64_t *>malloc(cap * sizeof(uint64_t))
    cdef int64_t *tidx = <int64_t *>malloc(cap * sizeof(int64_t))
    cdef int64_t *buf = <int64_t *>malloc(3 * room * sizeof(int64_t))
    cdef int64_t *grown
    if tkeys == NULL or tidx == NULL or buf == NULL:
        free(tkeys)
        free(tidx)
        free(buf)
        raise MemoryError()
    try:
        for i in range(cap):
            tidx[i] = -1
        for i in range(n):
            slot = <Py_ssize_t>(_hash(keys[i]) & <uint64_t>(cap - 1))
            while tidx[slot] >= 0:
                slot = (slot + 1) & (cap - 1)
            tkeys[slot] = keys[i]
            tidx[slot] = i
        for i in range(n):
            for f in range(nm):
                want = keys[i] ^ masks[f]
                slot = <Py_ssize_t>(_hash(want) & <uint64_t>(cap - 1))
                while tidx[slot] >= 0 and tkeys[slot] != want:
                    slot = (slot + 1) & (cap - 1)
                if tidx[slot] < 0:
                    continue
                if size == room:
                    room *= 2
                    grown = <int64_t *>realloc(buf, 3 * room * sizeof(int64_t))
                    if grown == NULL:
                        raise MemoryError()
                    buf = grown
                buf[3 * size] = i
                buf[3 * size + 1] = tidx[slot]
                buf[3 * size + 2] = f
                size += 1
        out = np.empty((size, 3), np.int64)
        for i in range(size):
            out[i, 0] = buf[3 * i]
            out[i, 1] = buf[3 * i + 1]
            out[i, 2] = buf[3 * i + 2]
    finally:
        free(tkeys)
        free(tidx)
        free(buf)
    return out[:, 0].copy(), out[:, 1].copy(), out[:, 2].copy()
