# cython: language_level=3
"""Pauli-transfer-matrix (Pauli--Liouville) kernels: noisy expectation values and their
exact gradients for CX / RX / RY / RZ gate programs.

A state is the real vector ``r[i] = tr(P_i rho)`` over the ``4^n`` Pauli strings, with
component index ``i = sum_q p_q 4^q`` and ``p in {0: I, 1: X, 2: Y, 3: Z}`` (so ``r[0] = 1``).
A gate followed by its noise channel is a local PTM ``R_ij = 2^-k tr(P_i E(P_j))`` acting on
one base-4 digit (``k = 1``) or two (``k = 2``), and ``<H> = sum_i w_i r_i``.

:class:`PTMKernel` holds the per-(gate, qubit) matrices that :mod:`qtool.qas.ptm` builds:

* ``rot[kind - 1, q, m]`` (``m`` = 0, 1, 2) are the row-major 4x4 matrices ``N A``, ``N B``,
  ``N C`` of a rotation of kind ``kind`` on qubit ``q`` followed by its noise ``N``; the
  gate's PTM at angle ``theta`` is ``cos^2(theta/2) NA + sin^2(theta/2) NB +
  cos(theta/2) sin(theta/2) NC``.  Row 0 of each must be ``(1, 0, 0, 0)`` (trace
  preservation), which the kernels rely on and do not compute.
* ``cx_*[c, t]``: the noisy CX PTM on control ``c`` and target ``t`` as a sparse list of
  ``(row, col, value)`` entries with local index ``p_c + 4 p_t``.

``energy`` runs a whole circuit in one call, ``energy_and_grad`` adds the adjoint pass: the
forward pass keeps the vector in front of every rotation (noisy PTMs are not orthogonal and
inverting them would be ill-conditioned), the backward pass carries ``lambda^T = w^T
M_L ... M_{k+1}`` through the transposed PTMs and reads ``dE/dtheta_k = lambda^T
(dM_k/dtheta) r_{k-1}`` group by group, without a temporary vector.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport cos, sin
from libc.string cimport memcpy
from libc.stdint cimport int32_t, int64_t

cnp.import_array()

cdef enum:
    MAX_NNZ = 256      # entries of a dense 16x16 local PTM
    BATCH = 32         # groups of 16 components a 2Q update handles at once


# ----------------------------------------------------------------------------- 1Q
cdef void _rotation_matrix(const double* abc, double theta, double* m) noexcept nogil:
    """``m = c^2 A + s^2 B + c s C`` (rows 1..3; row 0 is the identity row)."""
    cdef double c = cos(0.5 * theta), s = sin(0.5 * theta)
    cdef double wa = c * c, wb = s * s, wc = c * s
    cdef int k
    for k in range(4, 16):
        m[k] = wa * abc[k] + wb * abc[16 + k] + wc * abc[32 + k]


cdef void _rotation_derivative(const double* abc, double theta, double* m) noexcept nogil:
    """``d/dtheta`` of :func:`_rotation_matrix`: ``c s (B - A) + cos(theta)/2 C``."""
    cdef double cs = cos(0.5 * theta) * sin(0.5 * theta), h = 0.5 * cos(theta)
    cdef int k
    for k in range(4, 16):
        m[k] = cs * (abc[16 + k] - abc[k]) + h * abc[32 + k]


cdef void _apply_1q(double* r, Py_ssize_t dim, Py_ssize_t s, const double* m) noexcept nogil:
    """``r <- M r`` on the digit of stride ``s`` (``M`` row 0 is the identity row)."""
    cdef Py_ssize_t hi, lo
    cdef double x0, x1, x2, x3
    cdef double* p
    for hi in range(dim // (4 * s)):
        for lo in range(s):
            p = r + hi * 4 * s + lo
            x0 = p[0]
            x1 = p[s]
            x2 = p[2 * s]
            x3 = p[3 * s]
            p[s] = m[4] * x0 + m[5] * x1 + m[6] * x2 + m[7] * x3
            p[2 * s] = m[8] * x0 + m[9] * x1 + m[10] * x2 + m[11] * x3
            p[3 * s] = m[12] * x0 + m[13] * x1 + m[14] * x2 + m[15] * x3


cdef void _apply_1q_t(double* r, Py_ssize_t dim, Py_ssize_t s, const double* m) noexcept nogil:
    """``r <- M^T r`` on the digit of stride ``s`` (the backward pass)."""
    cdef Py_ssize_t hi, lo
    cdef double x1, x2, x3
    cdef double* p
    for hi in range(dim // (4 * s)):
        for lo in range(s):
            p = r + hi * 4 * s + lo
            x1 = p[s]
            x2 = p[2 * s]
            x3 = p[3 * s]
            p[0] = p[0] + m[4] * x1 + m[8] * x2 + m[12] * x3
            p[s] = m[5] * x1 + m[9] * x2 + m[13] * x3
            p[2 * s] = m[6] * x1 + m[10] * x2 + m[14] * x3
            p[3 * s] = m[7] * x1 + m[11] * x2 + m[15] * x3


cdef double _bilinear_1q(const double* lam, const double* r, Py_ssize_t dim, Py_ssize_t s,
                         const double* m) noexcept nogil:
    """``lam^T M r`` for ``M`` on the digit of stride ``s`` with a zero row 0."""
    cdef Py_ssize_t hi, lo, o
    cdef double x0, x1, x2, x3, acc = 0.0
    for hi in range(dim // (4 * s)):
        for lo in range(s):
            o = hi * 4 * s + lo
            x0 = r[o]
            x1 = r[o + s]
            x2 = r[o + 2 * s]
            x3 = r[o + 3 * s]
            acc += (lam[o + s] * (m[4] * x0 + m[5] * x1 + m[6] * x2 + m[7] * x3)
                    + lam[o + 2 * s] * (m[8] * x0 + m[9] * x1 + m[10] * x2 + m[11] * x3)
                    + lam[o + 3 * s] * (m[12] * x0 + m[13] * x1 + m[14] * x2 + m[15] * x3))
    return acc


# ----------------------------------------------------------------------------- 2Q
cdef inline Py_ssize_t _spread(Py_ssize_t g, int lo, int hi) noexcept nogil:
    """The ``g``-th index whose base-4 digits ``lo < hi`` are zero: ``g``'s digits spread
    around those two positions."""
    cdef Py_ssize_t low = g & (((<Py_ssize_t>1) << (2 * lo)) - 1)
    cdef Py_ssize_t rest = g >> (2 * lo)
    cdef Py_ssize_t mid = rest & (((<Py_ssize_t>1) << (2 * (hi - lo - 1))) - 1)
    return low | (mid << (2 * lo + 2)) | ((rest >> (2 * (hi - lo - 1))) << (2 * hi + 2))


cdef void _apply_2q(double* r, int n, int a, int b, int nnz, const int32_t* out_idx,
                    const int32_t* in_idx, const double* val) noexcept nogil:
    """``r <- M r`` for a sparse 16x16 ``M`` on digits ``a`` (local digit 0) and ``b``
    (local digit 1); pass rows as ``in_idx`` and columns as ``out_idx`` for ``M^T``.

    Groups of 16 components are gathered ``BATCH`` at a time so that each sparse entry is
    one vectorisable loop over the batch instead of a dependent scalar update."""
    cdef Py_ssize_t off[16]
    cdef Py_ssize_t base[BATCH]
    cdef double x[16][BATCH]
    cdef double y[16][BATCH]
    cdef Py_ssize_t ngroups = (<Py_ssize_t>1) << (2 * (n - 2))
    cdef Py_ssize_t nb = BATCH if ngroups > BATCH else ngroups
    cdef Py_ssize_t blk, j
    cdef int k, e, lo = a if a < b else b, hi = b if a < b else a
    cdef double v
    cdef double* xi
    cdef double* yo
    for k in range(16):
        off[k] = ((k & 3) << (2 * a)) + ((k >> 2) << (2 * b))
    for blk in range(ngroups // nb):
        for j in range(nb):
            base[j] = _spread(blk * nb + j, lo, hi)
        for k in range(16):
            for j in range(nb):
                x[k][j] = r[base[j] + off[k]]
                y[k][j] = 0.0
        for e in range(nnz):
            v = val[e]
            xi = &x[in_idx[e]][0]
            yo = &y[out_idx[e]][0]
            for j in range(nb):
                yo[j] += v * xi[j]
        for k in range(16):
            for j in range(nb):
                r[base[j] + off[k]] = y[k][j]


# ----------------------------------------------------------------------------- kernel
cdef class PTMKernel:
    """Precomputed gate matrices of one (noise model, observable) pair plus work buffers.

    Parameters
    ----------
    rot: float64[3, n, 3, 16]
        ``N A``, ``N B``, ``N C`` per rotation kind (RX, RY, RZ) and qubit, row-major 4x4.
    cx_nnz: int32[n, n]; cx_row, cx_col: int32[n, n, 256]; cx_val: float64[n, n, 256]
        The noisy CX on ``(c, t)`` as sparse entries (local index ``p_c + 4 p_t``).
    r0: float64[4^n]
        The initial Pauli vector.
    obs_idx: int64[m], obs_w: float64[m]
        The nonzero observable weights: ``<H> = sum_k obs_w[k] r[obs_idx[k]]``.
    """

    cdef readonly int num_qubits
    cdef Py_ssize_t dim
    cdef double[:, :, :, ::1] rot
    cdef int32_t[:, ::1] cx_nnz
    cdef int32_t[:, :, ::1] cx_row
    cdef int32_t[:, :, ::1] cx_col
    cdef double[:, :, ::1] cx_val
    cdef double[::1] r0
    cdef int64_t[::1] obs_idx
    cdef double[::1] obs_w
    cdef double[::1] r
    cdef double[::1] lam
    cdef double[:, ::1] saved

    def __init__(self, double[:, :, :, ::1] rot, int32_t[:, ::1] cx_nnz,
                 int32_t[:, :, ::1] cx_row, int32_t[:, :, ::1] cx_col,
                 double[:, :, ::1] cx_val, double[::1] r0, int64_t[::1] obs_idx,
                 double[::1] obs_w):
        cdef int n = rot.shape[1]
        cdef Py_ssize_t dim = (<Py_ssize_t>1) << (2 * n)
        if (rot.shape[0] != 3 or rot.shape[2] != 3 or rot.shape[3] != 16
                or cx_nnz.shape[0] != n or cx_nnz.shape[1] != n
                or cx_row.shape[2] != MAX_NNZ or cx_col.shape[2] != MAX_NNZ
                or cx_val.shape[2] != MAX_NNZ or r0.shape[0] != dim
                or obs_idx.shape[0] != obs_w.shape[0]):
            raise ValueError("inconsistent PTM table shapes")
        for k in range(obs_idx.shape[0]):
            if not 0 <= obs_idx[k] < dim:
                raise ValueError("observable index out of range")
        self.num_qubits = n
        self.dim = dim
        self.rot, self.cx_nnz, self.cx_row, self.cx_col, self.cx_val = (
            rot, cx_nnz, cx_row, cx_col, cx_val)
        self.r0, self.obs_idx, self.obs_w = r0, obs_idx, obs_w
        self.r = np.empty(dim, dtype=np.float64)
        self.lam = np.empty(dim, dtype=np.float64)
        self.saved = np.empty((0, dim), dtype=np.float64)

    cdef Py_ssize_t _check(self, const int32_t[::1] kinds, const int32_t[::1] q0,
                           const int32_t[::1] q1, const double[::1] thetas) except -1:
        """Validate a gate program; returns its number of rotations."""
        cdef Py_ssize_t g, L = kinds.shape[0], nrot = 0
        cdef int n = self.num_qubits
        if q0.shape[0] != L or q1.shape[0] != L:
            raise ValueError(f"kinds, q0, q1 have different lengths "
                             f"({L}, {q0.shape[0]}, {q1.shape[0]})")
        for g in range(L):
            if not 0 <= q0[g] < n:
                raise ValueError(f"gate {g}: qubit {q0[g]} out of range 0..{n - 1}")
            if kinds[g] == 0:
                if not 0 <= q1[g] < n or q1[g] == q0[g]:
                    raise ValueError(f"gate {g}: cx on qubits ({q0[g]}, {q1[g]}) of {n}")
            elif 1 <= kinds[g] <= 3:
                nrot += 1
            else:
                raise ValueError(f"gate {g}: unknown gate kind {kinds[g]}")
        if thetas.shape[0] != nrot:
            raise ValueError(f"{nrot} rotations but {thetas.shape[0]} angles")
        return nrot

    cdef void _forward(self, const int32_t[::1] kinds, const int32_t[::1] q0,
                       const int32_t[::1] q1, const double[::1] thetas,
                       bint keep) noexcept nogil:
        """Run the circuit on ``self.r`` from ``r0``; with ``keep``, store the vector in
        front of rotation ``p`` in ``saved[p]``."""
        cdef double* r = &self.r[0]
        cdef double m[16]
        cdef Py_ssize_t g, p = 0, dim = self.dim
        cdef int c, t
        memcpy(r, &self.r0[0], dim * sizeof(double))
        for g in range(kinds.shape[0]):
            if kinds[g] == 0:
                c = q0[g]
                t = q1[g]
                _apply_2q(r, self.num_qubits, c, t, self.cx_nnz[c, t], &self.cx_row[c, t, 0],
                          &self.cx_col[c, t, 0], &self.cx_val[c, t, 0])
            else:
                if keep:
                    memcpy(&self.saved[p, 0], r, dim * sizeof(double))
                _rotation_matrix(&self.rot[kinds[g] - 1, q0[g], 0, 0], thetas[p], m)
                _apply_1q(r, dim, (<Py_ssize_t>1) << (2 * q0[g]), m)
                p += 1

    cdef double _observe(self) noexcept nogil:
        cdef Py_ssize_t k
        cdef double acc = 0.0
        for k in range(self.obs_idx.shape[0]):
            acc += self.obs_w[k] * self.r[self.obs_idx[k]]
        return acc

    def energy(self, const int32_t[::1] kinds, const int32_t[::1] q0,
               const int32_t[::1] q1, const double[::1] thetas):
        """``<H>`` after the circuit, from ``|0...0>``."""
        cdef double e
        self._check(kinds, q0, q1, thetas)
        with nogil:
            self._forward(kinds, q0, q1, thetas, False)
            e = self._observe()
        return e

    def pauli_vector(self, const int32_t[::1] kinds, const int32_t[::1] q0,
                     const int32_t[::1] q1, const double[::1] thetas):
        """The final Pauli vector (a new float64 array)."""
        self._check(kinds, q0, q1, thetas)
        with nogil:
            self._forward(kinds, q0, q1, thetas, False)
        return np.array(self.r, copy=True)

    def energy_and_grad(self, const int32_t[::1] kinds, const int32_t[::1] q0,
                        const int32_t[::1] q1, const double[::1] thetas,
                        double[::1] grad):
        """``<H>``; writes ``d<H>/dtheta`` into ``grad`` (the adjoint method)."""
        cdef Py_ssize_t nrot = self._check(kinds, q0, q1, thetas)
        cdef double e
        if grad.shape[0] != nrot:
            raise ValueError(f"grad has {grad.shape[0]} entries, expected {nrot}")
        if self.saved.shape[0] < nrot:
            self.saved = np.empty((max(nrot, 2 * self.saved.shape[0]), self.dim),
                                  dtype=np.float64)
        with nogil:
            self._forward(kinds, q0, q1, thetas, True)
            e = self._observe()
            self._backward(kinds, q0, q1, thetas, grad)
        return e

    cdef void _backward(self, const int32_t[::1] kinds, const int32_t[::1] q0,
                        const int32_t[::1] q1, const double[::1] thetas,
                        double[::1] grad) noexcept nogil:
        """Adjoint pass: ``lam`` starts as the observable and moves back gate by gate."""
        cdef double* lam = &self.lam[0]
        cdef const double* abc
        cdef double m[16]
        cdef Py_ssize_t g, k, s, dim = self.dim, p = thetas.shape[0]
        cdef int c, t
        for k in range(dim):
            lam[k] = 0.0
        for k in range(self.obs_idx.shape[0]):
            lam[self.obs_idx[k]] += self.obs_w[k]
        g = kinds.shape[0]
        while g > 0 and p > 0:
            g -= 1
            if kinds[g] == 0:
                c = q0[g]
                t = q1[g]
                _apply_2q(lam, self.num_qubits, c, t, self.cx_nnz[c, t], &self.cx_col[c, t, 0],
                          &self.cx_row[c, t, 0], &self.cx_val[c, t, 0])
                continue
            p -= 1
            s = (<Py_ssize_t>1) << (2 * q0[g])
            abc = &self.rot[kinds[g] - 1, q0[g], 0, 0]
            _rotation_derivative(abc, thetas[p], m)
            grad[p] = _bilinear_1q(lam, &self.saved[p, 0], dim, s, m)
            if p > 0:
                _rotation_matrix(abc, thetas[p], m)
                _apply_1q_t(lam, dim, s, m)
