# cython: language_level=3
"""Noiseless statevector kernels of architecture search (:mod:`qtool.qas.statevector`).

A circuit is the gate program of :mod:`qtool.qas.ansatz` (``kinds``: 0 cx, 1 rx, 2 ry, 3 rz;
``q0``/``q1``; one angle per rotation in gate order), run on ``|init>`` (a basis state,
little-endian: qubit ``q`` is bit ``q`` of an index).

The Hamiltonian comes grouped by X-mask: ``H = sum_g X^{xs[g]} diag(d[g])``, i.e.
``(H psi)[k ^ xs[g]] += d[g, k] * psi[k]``.  Every Pauli term ``c i^{ny} X^x Z^z`` adds
``c i^{ny} (-1)^{popcount(k & z)}`` to ``d[x-group, k]``, so one pass over the groups costs
(number of distinct X-masks) x 2^n -- for chemistry Hamiltonians far less than terms x 2^n.

* :func:`energy` -- ``<psi(theta)|H|psi(theta)>``.
* :func:`energy_grad` -- the same plus the exact gradient in every angle, by the adjoint
  method: one forward pass, then a backward sweep that un-applies each gate to both the
  state and ``H|psi>``; the derivative of ``exp(-i theta P/2)`` at gate ``k`` is
  ``Im <phi_k| P |psi_k>``.  About three forward passes in all, whatever the angle count.

The numpy twin is :mod:`qtool._ref._statevec`.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport cos, sin
from libc.stdlib cimport malloc, free
from libc.string cimport memset

cnp.import_array()

ctypedef double complex cplx


cdef inline void _rot(cplx* psi, Py_ssize_t dim, int kind, int q, double theta) noexcept nogil:
    """Apply exp(-i theta P / 2), P = X, Y or Z (kind 1, 2, 3), to qubit q."""
    cdef double c = cos(0.5 * theta), s = sin(0.5 * theta)
    cdef Py_ssize_t bit = (<Py_ssize_t> 1) << q, k
    cdef cplx a, b, ph0, ph1
    if kind == 3:
        ph0 = c - 1j * s
        ph1 = c + 1j * s
        for k in range(dim):
            if k & bit:
                psi[k] = psi[k] * ph1
            else:
                psi[k] = psi[k] * ph0
        return
    for k in range(dim):
        if k & bit:
            continue
        a = psi[k]
        b = psi[k | bit]
        if kind == 1:      # [[c, -is], [-is, c]]
            psi[k] = c * a - 1j * s * b
            psi[k | bit] = -1j * s * a + c * b
        else:              # [[c, -s], [s, c]]
            psi[k] = c * a - s * b
            psi[k | bit] = s * a + c * b


cdef inline void _cx(cplx* psi, Py_ssize_t dim, int ctrl, int targ) noexcept nogil:
    cdef Py_ssize_t cb = (<Py_ssize_t> 1) << ctrl, tb = (<Py_ssize_t> 1) << targ, k
    cdef cplx t
    for k in range(dim):
        if (k & cb) and not (k & tb):
            t = psi[k]
            psi[k] = psi[k | tb]
            psi[k | tb] = t


cdef inline cplx _pauli_overlap(cplx* phi, cplx* psi, Py_ssize_t dim, int kind,
                                int q) noexcept nogil:
    """<phi| P_q |psi> for P = X, Y, Z (kind 1, 2, 3)."""
    cdef Py_ssize_t bit = (<Py_ssize_t> 1) << q, k
    cdef cplx acc = 0
    for k in range(dim):
        if kind == 3:
            if k & bit:
                acc -= phi[k].conjugate() * psi[k]
            else:
                acc += phi[k].conjugate() * psi[k]
        elif kind == 1:
            acc += phi[k].conjugate() * psi[k ^ bit]
        else:              # Y|0> = i|1>, Y|1> = -i|0>: (Y psi)[k] = +-i psi[k ^ bit]
            if k & bit:
                acc += phi[k].conjugate() * (1j * psi[k ^ bit])
            else:
                acc += phi[k].conjugate() * (-1j * psi[k ^ bit])
    return acc


cdef void _run(cplx* psi, Py_ssize_t dim, const int[::1] kinds, const int[::1] q0,
               const int[::1] q1, const double[::1] thetas) noexcept nogil:
    cdef Py_ssize_t g, p = 0
    for g in range(kinds.shape[0]):
        if kinds[g] == 0:
            _cx(psi, dim, q0[g], q1[g])
        else:
            _rot(psi, dim, kinds[g], q0[g], thetas[p])
            p += 1


cdef void _apply_h(cplx* out, const cplx* psi, Py_ssize_t dim, const long long[::1] xs,
                   const cplx[:, ::1] d) noexcept nogil:
    cdef Py_ssize_t g, k
    cdef long long x
    memset(out, 0, dim * sizeof(cplx))
    for g in range(xs.shape[0]):
        x = xs[g]
        for k in range(dim):
            out[k ^ x] = out[k ^ x] + d[g, k] * psi[k]


cdef double _expect(const cplx* psi, const cplx* hpsi, Py_ssize_t dim) noexcept nogil:
    cdef double e = 0
    cdef Py_ssize_t k
    for k in range(dim):
        e += (psi[k].conjugate() * hpsi[k]).real
    return e


def _check(int n, kinds, q0, q1, thetas, long long init, xs=None, d=None):
    if n < 1 or n > 30:
        raise ValueError(f"{n} qubits is outside 1..30")
    if not 0 <= init < (1 << n):
        raise ValueError(f"initial basis state {init} outside {n} qubits")
    if not (kinds.shape[0] == q0.shape[0] == q1.shape[0]):
        raise ValueError("kinds, q0 and q1 differ in length")
    if d is not None and (d.shape[0] != xs.shape[0] or d.shape[1] != (1 << n)):
        raise ValueError("Hamiltonian tables do not match the qubit count")
    cdef Py_ssize_t g, nrot = 0
    for g in range(kinds.shape[0]):
        if kinds[g] < 0 or kinds[g] > 3:
            raise ValueError(f"gate {g}: unknown kind {kinds[g]}")
        if not 0 <= q0[g] < n or (kinds[g] == 0 and not (0 <= q1[g] < n and q1[g] != q0[g])):
            raise ValueError(f"gate {g}: qubit out of range")
        nrot += kinds[g] != 0
    if thetas.shape[0] != nrot:
        raise ValueError(f"{thetas.shape[0]} angles for {nrot} rotations")


def statevector(int n, const int[::1] kinds, const int[::1] q0, const int[::1] q1,
                const double[::1] thetas, long long init=0):
    """The final state as a complex array of length ``2**n``."""
    _check(n, kinds, q0, q1, thetas, init)
    cdef Py_ssize_t dim = (<Py_ssize_t> 1) << n
    out = np.zeros(dim, dtype=np.complex128)
    cdef cplx[::1] psi = out
    psi[init] = 1
    with nogil:
        _run(&psi[0], dim, kinds, q0, q1, thetas)
    return out


def energy(int n, const int[::1] kinds, const int[::1] q0, const int[::1] q1,
           const double[::1] thetas, const long long[::1] xs, const cplx[:, ::1] d,
           long long init=0):
    """``<psi|H|psi>`` for the circuit on ``|init>`` (see the module docstring)."""
    _check(n, kinds, q0, q1, thetas, init, xs, d)
    cdef Py_ssize_t dim = (<Py_ssize_t> 1) << n
    cdef cplx* psi = <cplx*> malloc(2 * dim * sizeof(cplx))
    cdef double e
    if psi == NULL:
        raise MemoryError()
    try:
        with nogil:
            memset(psi, 0, dim * sizeof(cplx))
            psi[init] = 1
            _run(psi, dim, kinds, q0, q1, thetas)
            _apply_h(psi + dim, psi, dim, xs, d)
            e = _expect(psi, psi + dim, dim)
    finally:
        free(psi)
    return e


def energy_grad(int n, const int[::1] kinds, const int[::1] q0, const int[::1] q1,
                const double[::1] thetas, const long long[::1] xs, const cplx[:, ::1] d,
                double[::1] grad, long long init=0):
    """Energy, with its gradient in every angle written to ``grad`` (adjoint method)."""
    _check(n, kinds, q0, q1, thetas, init, xs, d)
    if grad.shape[0] != thetas.shape[0]:
        raise ValueError("grad and thetas differ in length")
    cdef Py_ssize_t dim = (<Py_ssize_t> 1) << n, g, p = thetas.shape[0]
    cdef cplx* psi = <cplx*> malloc(2 * dim * sizeof(cplx))
    cdef cplx* phi
    cdef double e
    if psi == NULL:
        raise MemoryError()
    phi = psi + dim
    try:
        with nogil:
            memset(psi, 0, dim * sizeof(cplx))
            psi[init] = 1
            _run(psi, dim, kinds, q0, q1, thetas)
            _apply_h(phi, psi, dim, xs, d)
            e = _expect(psi, phi, dim)
            for g in range(kinds.shape[0] - 1, -1, -1):
                if kinds[g] == 0:
                    _cx(psi, dim, q0[g], q1[g])          # cx is its own inverse
                    _cx(phi, dim, q0[g], q1[g])
                else:
                    p -= 1
                    # dE/dtheta = 2 Re <phi| (-i/2) P |psi> = Im <phi|P|psi>
                    grad[p] = _pauli_overlap(phi, psi, dim, kinds[g], q0[g]).imag
                    _rot(psi, dim, kinds[g], q0[g], -thetas[p])
                    _rot(phi, dim, kinds[g], q0[g], -thetas[p])
    finally:
        free(psi)
    return e
