# cython: language_level=3
"""Simulated-annealing kernels for QUBOs: single-flip Metropolis over ``x in {0,1}^n``.

The energy is ``E(x) = h.x + 1/2 x^T J x`` with ``J`` symmetric and zero on the diagonal
(``QUBO.Q``'s off-diagonal part mirrored, ``h`` its diagonal; :mod:`qtool.qubo.anneal`
does the conversion).  Each read keeps the local fields ``f_i = h_i + sum_j J_ij x_j``;
flipping ``x_i`` changes the energy by ``(1 - 2 x_i) f_i``, and an accepted flip adds
``+-J[i]`` to the fields.  ``anneal_csr`` takes ``J`` in CSR form (a flip costs the degree
of ``i``), ``anneal_dense`` as a C-contiguous matrix (a flip costs ``n`` contiguous adds,
which the compiler vectorises: faster once ``J`` is more than about a quarter full).  Both
make the same decisions, so they return the same samples.

Sweep ``t`` visits ``i = 0..n-1`` in order at inverse temperature ``betas[t]``.  A flip with
``delta <= 0`` is always taken; otherwise one uniform ``u`` is drawn and the flip is taken
iff ``beta * delta < 40`` and ``u < exp(-beta * delta)``.  Every read has its own
xorshift64* generator seeded through splitmix64 from ``seeds[r]`` and its own rows of the
work arrays, so reads are independent (a ``prange`` over them would need no other change)
and the numpy twin :mod:`qtool._ref._anneal` reproduces the samples bit for bit.

Examples
--------
>>> import numpy as np
>>> from qtool._ext._anneal import anneal_csr, anneal_dense
>>> # E = -x0 - x1 + 2 x0 x1: the minima are 01 and 10, energy -1
>>> J = np.array([[0.0, 2.0], [2.0, 0.0]]); h = np.array([-1.0, -1.0])
>>> betas = np.geomspace(0.1, 10.0, 50)
>>> seeds = np.arange(4, dtype=np.uint64); x0 = np.zeros((4, 2), np.uint8)
>>> states, energies = anneal_dense(J, h, betas, seeds, x0)
>>> states.sum(axis=1).tolist(), energies.tolist()
([1, 1, 1, 1], [-1.0, -1.0, -1.0, -1.0])
>>> indptr = np.array([0, 1, 2], np.int32); indices = np.array([1, 0], np.int32)
>>> same, _ = anneal_csr(indptr, indices, np.array([2.0, 2.0]), h, betas, seeds, x0)
>>> bool((same == states).all())
True
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, isfinite
from libc.stdint cimport uint8_t, uint64_t
from qtool._ext._types cimport idx_t, float_t

cnp.import_array()

cdef double _MAX_EXPONENT = 40.0       # exp(-40) < 5e-18: such a flip is never taken


# ----------------------------------------------------------------------------- PRNG
cdef inline uint64_t _seed_state(uint64_t seed) noexcept nogil:
    """splitmix64 of ``seed``: a well-mixed, nonzero xorshift state."""
    cdef uint64_t z = seed + <uint64_t>0x9E3779B97F4A7C15ULL
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    z = z ^ (z >> 31)
    if z == 0:
        z = <uint64_t>0x9E3779B97F4A7C15ULL
    return z


cdef inline double _uniform(uint64_t* state) noexcept nogil:
    """xorshift64* step; the top 53 bits of the output as a double in ``[0, 1)``."""
    cdef uint64_t x = state[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    state[0] = x
    return <double>((x * <uint64_t>0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0)


cdef inline bint _accept(double d, double beta, uint64_t* state) noexcept nogil:
    """Metropolis test of a flip that changes the energy by ``d``."""
    cdef double u, bd
    if d <= 0:
        return True
    u = _uniform(state)
    bd = beta * d
    return bd < _MAX_EXPONENT and u < exp(-bd)


# ----------------------------------------------------------------------------- CSR
cdef void _anneal_read_csr(const idx_t[::1] indptr, const idx_t[::1] indices,
                           const float_t[::1] data, const float_t[::1] h,
                           const float_t[::1] betas, uint64_t seed, Py_ssize_t r,
                           uint8_t[:, ::1] x, float_t[:, ::1] field,
                           float_t[::1] energy) noexcept nogil:
    """Anneal read ``r`` in place: ``x[r]`` holds its start and receives its end state."""
    cdef Py_ssize_t n = h.shape[0], t, i, e
    cdef uint64_t state = _seed_state(seed)
    cdef double f, beta, en
    for i in range(n):
        f = h[i]
        for e in range(indptr[i], indptr[i + 1]):
            f += data[e] * x[r, indices[e]]
        field[r, i] = f
    for t in range(betas.shape[0]):
        beta = betas[t]
        for i in range(n):
            if not _accept(-field[r, i] if x[r, i] else field[r, i], beta, &state):
                continue
            if x[r, i]:
                x[r, i] = 0
                for e in range(indptr[i], indptr[i + 1]):
                    field[r, indices[e]] -= data[e]
            else:
                x[r, i] = 1
                for e in range(indptr[i], indptr[i + 1]):
                    field[r, indices[e]] += data[e]
    en = 0.0
    for i in range(n):
        if x[r, i]:
            en += h[i]
            for e in range(indptr[i], indptr[i + 1]):
                if indices[e] > i and x[r, indices[e]]:
                    en += data[e]
    energy[r] = en


# ----------------------------------------------------------------------------- dense
cdef void _anneal_read_dense(const float_t[:, ::1] J, const float_t[::1] h,
                             const float_t[::1] betas, uint64_t seed, Py_ssize_t r,
                             uint8_t[:, ::1] x, float_t[:, ::1] field,
                             float_t[::1] energy) noexcept nogil:
    """Dense twin of :func:`_anneal_read_csr` (absent entries are zeros: same decisions)."""
    cdef Py_ssize_t n = h.shape[0], t, i, j
    cdef uint64_t state = _seed_state(seed)
    cdef double f, beta, en
    cdef float_t* fr
    cdef const float_t* jr
    for i in range(n):
        f = h[i]
        for j in range(n):
            f += J[i, j] * x[r, j]
        field[r, i] = f
    if n == 0:
        energy[r] = 0.0
        return
    fr = &field[r, 0]
    for t in range(betas.shape[0]):
        beta = betas[t]
        for i in range(n):
            if not _accept(-fr[i] if x[r, i] else fr[i], beta, &state):
                continue
            jr = &J[i, 0]
            if x[r, i]:
                x[r, i] = 0
                for j in range(n):
                    fr[j] -= jr[j]
            else:
                x[r, i] = 1
                for j in range(n):
                    fr[j] += jr[j]
    en = 0.0
    for i in range(n):
        if x[r, i]:
            en += h[i]
            for j in range(i + 1, n):
                if x[r, j]:
                    en += J[i, j]
    energy[r] = en


# ----------------------------------------------------------------------------- wrappers
def _check_common(const float_t[::1] h, const float_t[::1] betas, const uint64_t[::1] seeds,
                  const uint8_t[:, ::1] initial):
    cdef Py_ssize_t i, r, n = h.shape[0], reads = seeds.shape[0]
    for i in range(n):
        if not isfinite(h[i]):
            raise ValueError("h is not finite")
    for i in range(betas.shape[0]):
        if not isfinite(betas[i]) or betas[i] < 0:
            raise ValueError("betas must be finite and >= 0")
    if initial.shape[0] != reads or initial.shape[1] != n:
        raise ValueError(f"initial must have shape ({reads}, {n})")
    for r in range(reads):
        for i in range(n):
            if initial[r, i] > 1:
                raise ValueError("initial must hold 0/1 values")


cdef bint _has_mirror(const idx_t[::1] indptr, const idx_t[::1] indices,
                      const float_t[::1] data, Py_ssize_t i, Py_ssize_t e):
    """Does row ``indices[e]`` hold entry ``(indices[e], i)`` equal to ``data[e]``?"""
    cdef Py_ssize_t lo = indptr[indices[e]], hi = indptr[indices[e] + 1], mid
    while lo < hi:                      # binary search: rows are sorted
        mid = (lo + hi) // 2
        if indices[mid] < i:
            lo = mid + 1
        else:
            hi = mid
    return lo < indptr[indices[e] + 1] and indices[lo] == i and data[lo] == data[e]


def _outputs(h, betas, seeds, initial):
    """Check the inputs both kernels share; allocate the states (from ``initial``), the
    local fields and the energies."""
    _check_common(h, betas, seeds, initial)
    reads, n = seeds.shape[0], h.shape[0]
    return (np.array(initial, dtype=np.uint8, copy=True).reshape(reads, n),
            np.empty((reads, n), dtype=np.float64), np.empty(reads, dtype=np.float64))


def anneal_csr(const idx_t[::1] indptr, const idx_t[::1] indices, const float_t[::1] data,
               const float_t[::1] h, const float_t[::1] betas, const uint64_t[::1] seeds,
               const uint8_t[:, ::1] initial):
    """Run one annealing read per row of ``initial``, couplings in CSR form.

    Parameters
    ----------
    indptr, indices, data : CSR of the symmetric coupling matrix ``J`` (int32, int32,
        float64): columns increasing along each row, no stored diagonal entries.
    h : float64[n]
        Linear terms.
    betas : float64[sweeps]
        Inverse temperature of each sweep (finite, >= 0).
    seeds : uint64[reads]
        One generator seed per read.
    initial : uint8[reads, n]
        Start states, 0/1.

    Returns
    -------
    states : uint8[reads, n]
        Final states.
    energies : float64[reads]
        ``h.x + sum_{i<j} J_ij x_i x_j`` of each final state (no offset).
    """
    cdef Py_ssize_t n = h.shape[0], reads = seeds.shape[0], i, e, r
    if indptr.shape[0] != n + 1 or indptr[0] != 0 or indptr[n] != indices.shape[0]:
        raise ValueError("indptr does not match h and indices")
    if data.shape[0] != indices.shape[0]:
        raise ValueError("data and indices differ in length")
    for i in range(n):
        if indptr[i + 1] < indptr[i]:
            raise ValueError("indptr is not monotone")
        for e in range(indptr[i], indptr[i + 1]):
            if indices[e] < 0 or indices[e] >= n:
                raise ValueError(f"column {indices[e]} out of range")
            if indices[e] == i:
                raise ValueError("J must have no diagonal entries")
            if e > indptr[i] and indices[e] <= indices[e - 1]:
                raise ValueError("column indices must increase along each row")
            if not isfinite(data[e]):
                raise ValueError("J is not finite")
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            if not _has_mirror(indptr, indices, data, i, e):
                raise ValueError("J must be symmetric")
    states, field, energies = _outputs(h, betas, seeds, initial)
    cdef uint8_t[:, ::1] xv = states
    cdef float_t[:, ::1] fv = field
    cdef float_t[::1] ev = energies
    with nogil:
        for r in range(reads):
            _anneal_read_csr(indptr, indices, data, h, betas, seeds[r], r, xv, fv, ev)
    return states, energies


def anneal_dense(const float_t[:, ::1] J, const float_t[::1] h, const float_t[::1] betas,
                 const uint64_t[::1] seeds, const uint8_t[:, ::1] initial):
    """:func:`anneal_csr` with ``J`` as a dense C-contiguous ``float64[n, n]`` matrix
    (symmetric, zero diagonal).  Same results as ``anneal_csr`` on ``J``'s CSR form."""
    cdef Py_ssize_t n = h.shape[0], reads = seeds.shape[0], i, j, r
    if J.shape[0] != n or J.shape[1] != n:
        raise ValueError(f"J must have shape ({n}, {n})")
    for i in range(n):
        if J[i, i] != 0:
            raise ValueError("J must have a zero diagonal")
        for j in range(i + 1, n):
            if not isfinite(J[i, j]):
                raise ValueError("J is not finite")
            if J[i, j] != J[j, i]:
                raise ValueError("J must be symmetric")
    states, field, energies = _outputs(h, betas, seeds, initial)
    cdef uint8_t[:, ::1] xv = states
    cdef float_t[:, ::1] fv = field
    cdef float_t[::1] ev = energies
    with nogil:
        for r in range(reads):
            _anneal_read_dense(J, h, betas, seeds[r], r, xv, fv, ev)
    return states, energies
