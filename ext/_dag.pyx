# cython: language_level=3
"""Wire-index kernels: predecessor/successor of every operand, and circuit depth.

Operands come in CSR form ``(ptr, wires)`` as produced by ``Circuit.operands()``.
"""
import numpy as np
cimport numpy as cnp
from qtool._ext._types cimport idx_t

cnp.import_array()


cdef void _wire_index(const idx_t[::1] ptr, const idx_t[::1] wires, idx_t[::1] prev,
                      idx_t[::1] nxt, idx_t[::1] first, idx_t[::1] last,
                      idx_t[::1] last_entry) noexcept nogil:
    cdef Py_ssize_t n = ptr.shape[0] - 1
    cdef Py_ssize_t i, e, w, pe
    for i in range(n):
        for e in range(ptr[i], ptr[i + 1]):
            w = wires[e]
            pe = last_entry[w]
            if pe < 0:
                first[w] = <idx_t>i
                prev[e] = -1
            else:
                prev[e] = last[w]
                nxt[pe] = <idx_t>i
            last[w] = <idx_t>i
            last_entry[w] = <idx_t>e
            nxt[e] = -1


def build_wire_index(const idx_t[::1] ptr, const idx_t[::1] wires, Py_ssize_t num_wires):
    """Return ``(prev, next, first, last)``.

    ``prev[e]``/``next[e]`` are the rows before/after the row of operand ``e`` on the same
    wire (``-1`` at the ends); ``first[w]``/``last[w]`` the first/last row on wire ``w``.
    """
    cdef Py_ssize_t nnz = wires.shape[0]
    cdef Py_ssize_t e
    if ptr.shape[0] < 1 or ptr[ptr.shape[0] - 1] != nnz:
        raise ValueError("ptr does not match wires")
    for e in range(nnz):
        if wires[e] < 0 or wires[e] >= num_wires:
            raise ValueError(f"wire {wires[e]} out of range")
    prev = np.empty(nnz, dtype=np.int32)
    nxt = np.empty(nnz, dtype=np.int32)
    first = np.full(num_wires, -1, dtype=np.int32)
    last = np.full(num_wires, -1, dtype=np.int32)
    last_entry = np.full(num_wires, -1, dtype=np.int32)
    cdef idx_t[::1] prev_v = prev, nxt_v = nxt, first_v = first, last_v = last
    cdef idx_t[::1] le_v = last_entry
    with nogil:
        _wire_index(ptr, wires, prev_v, nxt_v, first_v, last_v, le_v)
    return prev, nxt, first, last


cdef idx_t _depth(const idx_t[::1] ptr, const idx_t[::1] wires, const cnp.uint8_t[::1] weight,
                  idx_t[::1] level) noexcept nogil:
    cdef Py_ssize_t n = ptr.shape[0] - 1
    cdef Py_ssize_t i, e
    cdef idx_t m, best = 0
    for i in range(n):
        m = 0
        for e in range(ptr[i], ptr[i + 1]):
            if level[wires[e]] > m:
                m = level[wires[e]]
        m += weight[i]
        for e in range(ptr[i], ptr[i + 1]):
            level[wires[e]] = m
        if m > best:
            best = m
    return best


def circuit_depth(const idx_t[::1] ptr, const idx_t[::1] wires, const cnp.uint8_t[::1] weight,
                  Py_ssize_t num_wires):
    """Longest path through the rows, each row counting ``weight[i]`` (0 or 1)."""
    level = np.zeros(num_wires, dtype=np.int32)
    cdef idx_t[::1] lv = level
    cdef idx_t d
    if weight.shape[0] != ptr.shape[0] - 1:
        raise ValueError("weight has the wrong length")
    with nogil:
        d = _depth(ptr, wires, weight, lv)
    return int(d)
