# cython: language_level=3
"""Peephole kernels: run and block collection, inverse cancellation, commutation groups.

All kernels take a circuit's operands in CSR form ``(ptr, wires)`` (``Circuit.operands()``:
wires ``0..num_qubits-1`` are qubits, larger ones classical bits) plus per-row flags computed
in Python, and return plain index arrays.  The numpy/Python twins in
:mod:`qtool._ref._peephole` have the same names, signatures and results.

Examples
--------
>>> import numpy as np
>>> from qtool._ext._peephole import collect_runs
>>> ptr = np.array([0, 1, 2, 4, 5], np.int32)          # h 0; t 0; cx 0,1; h 0
>>> wires = np.array([0, 0, 0, 1, 0], np.int32)
>>> run_of, run_ptr, run_rows = collect_runs(ptr, wires, np.array([1, 1, 0, 1], np.uint8), 2)
>>> run_of.tolist(), run_ptr.tolist(), run_rows.tolist()
([0, 0, -1, 1], [0, 2, 3], [0, 1, 3])
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, uint8_t
from qtool._ext._types cimport idx_t

cnp.import_array()

cdef Py_ssize_t _ANY_WIRE = 2147483647   # classical wires may follow the qubits


def _check_csr(const idx_t[::1] ptr, const idx_t[::1] wires, Py_ssize_t num_wires):
    cdef Py_ssize_t e, n = ptr.shape[0] - 1
    if n < 0 or ptr[0] != 0 or ptr[n] != wires.shape[0]:
        raise ValueError("ptr does not match wires")
    for e in range(n):
        if ptr[e + 1] < ptr[e]:
            raise ValueError("ptr is not monotone")
    for e in range(wires.shape[0]):
        if wires[e] < 0 or wires[e] >= num_wires:
            raise ValueError(f"wire {wires[e]} out of range")


cdef void _csr_by_label(const idx_t[::1] label, idx_t[::1] out_ptr,
                        idx_t[::1] out_rows) noexcept nogil:
    """Group rows by ``label`` (>= 0) into CSR, rows ascending within a group."""
    cdef Py_ssize_t i, n = label.shape[0], k = out_ptr.shape[0] - 1
    for i in range(k + 1):
        out_ptr[i] = 0
    for i in range(n):
        if label[i] >= 0:
            out_ptr[label[i] + 1] += 1
    for i in range(k):
        out_ptr[i + 1] += out_ptr[i]
    # reuse the tail of out_ptr semantics with a cursor pass
    for i in range(n):
        if label[i] >= 0:
            out_rows[out_ptr[label[i]]] = <idx_t>i
            out_ptr[label[i]] += 1
    for i in range(k, 0, -1):
        out_ptr[i] = out_ptr[i - 1]
    if k >= 0:
        out_ptr[0] = 0


# ----------------------------------------------------------------------------- runs
cdef idx_t _collect_runs(const idx_t[::1] ptr, const idx_t[::1] wires,
                         const uint8_t[::1] eligible, Py_ssize_t num_qubits,
                         idx_t[::1] run_of, idx_t[::1] cur) noexcept nogil:
    cdef Py_ssize_t i, e, n = ptr.shape[0] - 1
    cdef idx_t q, nruns = 0
    for i in range(n):
        if eligible[i]:
            q = wires[ptr[i]]
            if cur[q] < 0:
                cur[q] = nruns
                nruns += 1
            run_of[i] = cur[q]
        else:
            run_of[i] = -1
            for e in range(ptr[i], ptr[i + 1]):
                if wires[e] < num_qubits:
                    cur[wires[e]] = -1
    return nruns


def collect_runs(const idx_t[::1] ptr, const idx_t[::1] wires, const uint8_t[::1] eligible,
                 Py_ssize_t num_qubits):
    """Maximal runs of consecutive ``eligible`` one-qubit rows on each qubit.

    Returns ``(run_of, run_ptr, run_rows)``: the run of every row (``-1`` if none) and the
    runs in CSR form, numbered by their first row, rows ascending.  An eligible row must
    have exactly one operand, a qubit.
    """
    cdef Py_ssize_t i, n = ptr.shape[0] - 1
    _check_csr(ptr, wires, _ANY_WIRE)
    if eligible.shape[0] != n:
        raise ValueError("eligible has the wrong length")
    for i in range(n):
        if eligible[i] and (ptr[i + 1] - ptr[i] != 1 or wires[ptr[i]] >= num_qubits):
            raise ValueError(f"eligible row {i} is not a one-qubit row")
    run_of = np.empty(n, dtype=np.int32)
    cur = np.full(max(num_qubits, 1), -1, dtype=np.int32)
    cdef idx_t[::1] run_v = run_of, cur_v = cur
    cdef idx_t nruns
    with nogil:
        nruns = _collect_runs(ptr, wires, eligible, num_qubits, run_v, cur_v)
    run_ptr = np.empty(nruns + 1, dtype=np.int32)
    run_rows = np.empty(int((run_of >= 0).sum()), dtype=np.int32)
    cdef idx_t[::1] rp = run_ptr, rr = run_rows
    with nogil:
        _csr_by_label(run_v, rp, rr)
    return run_of, run_ptr, run_rows


# ----------------------------------------------------------------------------- blocks
cdef inline void _close(idx_t q, idx_t[::1] open_, idx_t[:, ::1] bq) noexcept nogil:
    cdef idx_t blk = open_[q]
    if blk >= 0:
        open_[bq[blk, 0]] = -1
        open_[bq[blk, 1]] = -1


cdef inline void _absorb(idx_t q, idx_t blk, idx_t[::1] head, idx_t[::1] tail,
                         idx_t[::1] pnext, idx_t[::1] block_of) noexcept nogil:
    cdef idx_t r = head[q]
    while r >= 0:
        block_of[r] = blk
        r = pnext[r]
    head[q] = -1
    tail[q] = -1


cdef idx_t _collect_blocks(const idx_t[::1] ptr, const idx_t[::1] wires,
                           const uint8_t[::1] kind, Py_ssize_t num_qubits,
                           idx_t[::1] block_of, idx_t[:, ::1] bq, idx_t[::1] open_,
                           idx_t[::1] head, idx_t[::1] tail,
                           idx_t[::1] pnext) noexcept nogil:
    cdef Py_ssize_t i, e, n = ptr.shape[0] - 1
    cdef idx_t q, a, b, w, nblk = 0
    for i in range(n):
        block_of[i] = -1
        pnext[i] = -1
        if kind[i] == 1:
            q = wires[ptr[i]]
            if open_[q] >= 0:
                block_of[i] = open_[q]
            elif head[q] < 0:
                head[q] = <idx_t>i
                tail[q] = <idx_t>i
            else:
                pnext[tail[q]] = <idx_t>i
                tail[q] = <idx_t>i
        elif kind[i] == 2:
            a = wires[ptr[i]]
            b = wires[ptr[i] + 1]
            if open_[a] >= 0 and open_[a] == open_[b]:
                block_of[i] = open_[a]
                continue
            _close(a, open_, bq)
            _close(b, open_, bq)
            bq[nblk, 0] = a
            bq[nblk, 1] = b
            open_[a] = nblk
            open_[b] = nblk
            _absorb(a, nblk, head, tail, pnext, block_of)
            _absorb(b, nblk, head, tail, pnext, block_of)
            block_of[i] = nblk
            nblk += 1
        else:
            for e in range(ptr[i], ptr[i + 1]):
                w = wires[e]
                if w < num_qubits:
                    _close(w, open_, bq)
                    head[w] = -1
                    tail[w] = -1
    return nblk


def collect_blocks(const idx_t[::1] ptr, const idx_t[::1] wires, const uint8_t[::1] kind,
                   Py_ssize_t num_qubits):
    """Maximal blocks of rows acting on one pair of qubits.

    ``kind[i]`` is 2 for a two-qubit row that may join a block, 1 for such a one-qubit row,
    0 for anything else (it ends the blocks on its qubits).  A block starts at a kind-2 row,
    takes the kind-1 rows directly before it on its two qubits, and grows while only its
    own rows touch its qubits.  Returns ``(block_of, block_qubits, block_ptr, block_rows)``;
    ``block_qubits[k]`` is the qubit order of the block's first two-qubit row.
    """
    cdef Py_ssize_t i, n = ptr.shape[0] - 1
    cdef Py_ssize_t nq = max(num_qubits, 1)
    _check_csr(ptr, wires, _ANY_WIRE)
    if kind.shape[0] != n:
        raise ValueError("kind has the wrong length")
    for i in range(n):
        if kind[i] > 2:
            raise ValueError("kind must be 0, 1 or 2")
        if kind[i] and ptr[i + 1] - ptr[i] != kind[i]:
            raise ValueError(f"row {i}: kind {kind[i]} but {ptr[i + 1] - ptr[i]} operands")
        if kind[i] == 1 and wires[ptr[i]] >= num_qubits:
            raise ValueError(f"row {i} is not on a qubit")
        if kind[i] == 2 and (wires[ptr[i]] >= num_qubits or wires[ptr[i] + 1] >= num_qubits):
            raise ValueError(f"row {i} is not on two qubits")
    block_of = np.empty(n, dtype=np.int32)
    bq = np.empty((max(n, 1), 2), dtype=np.int32)
    open_ = np.full(nq, -1, dtype=np.int32)
    head = np.full(nq, -1, dtype=np.int32)
    tail = np.full(nq, -1, dtype=np.int32)
    pnext = np.empty(max(n, 1), dtype=np.int32)
    cdef idx_t[::1] bo = block_of, ov = open_, hv = head, tv = tail, pv = pnext
    cdef idx_t[:, ::1] bqv = bq
    cdef idx_t nblk
    with nogil:
        nblk = _collect_blocks(ptr, wires, kind, num_qubits, bo, bqv, ov, hv, tv, pv)
    block_ptr = np.empty(nblk + 1, dtype=np.int32)
    block_rows = np.empty(int((block_of >= 0).sum()), dtype=np.int32)
    cdef idx_t[::1] bp = block_ptr, br = block_rows
    with nogil:
        _csr_by_label(bo, bp, br)
    return block_of, bq[:nblk].copy(), block_ptr, block_rows


# ----------------------------------------------------------------------------- cancellation
cdef inline Py_ssize_t _entry(const idx_t[::1] ptr, const idx_t[::1] wires, idx_t row,
                              idx_t w) noexcept nogil:
    cdef Py_ssize_t e
    for e in range(ptr[row], ptr[row + 1]):
        if wires[e] == w:
            return e
    return -1


cdef bint _is_pair(const idx_t[::1] ptr, const idx_t[::1] wires, const int64_t[::1] key,
                   const int64_t[::1] ikey, const uint8_t[::1] sym, idx_t[::1] nxt,
                   idx_t i, idx_t j) noexcept nogil:
    cdef Py_ssize_t k, m = ptr[i + 1] - ptr[i]
    if key[j] < 0 or key[j] != ikey[i] or ptr[j + 1] - ptr[j] != m:
        return False
    for k in range(m):
        if nxt[ptr[i] + k] != j:
            return False
    if not sym[i]:
        for k in range(m):
            if wires[ptr[i] + k] != wires[ptr[j] + k]:
                return False
    return True


cdef Py_ssize_t _cancel(const idx_t[::1] ptr, const idx_t[::1] wires, const int64_t[::1] key,
                        const int64_t[::1] ikey, const uint8_t[::1] sym, idx_t[::1] prv,
                        idx_t[::1] nxt, uint8_t[::1] alive, idx_t[::1] stack) noexcept nogil:
    cdef Py_ssize_t n = ptr.shape[0] - 1, i0, top = 0, e, ep, en, removed = 0
    cdef idx_t i, j, p, q, w
    for i0 in range(n):
        stack[0] = <idx_t>i0
        top = 1
        while top > 0:
            top -= 1
            i = stack[top]
            if not alive[i] or key[i] < 0 or ptr[i + 1] == ptr[i]:
                continue
            j = nxt[ptr[i]]
            if j < 0 or not alive[j] or not _is_pair(ptr, wires, key, ikey, sym, nxt, i, j):
                continue
            alive[i] = 0
            alive[j] = 0
            removed += 2
            for e in range(ptr[i], ptr[i + 1]):
                w = wires[e]
                p = prv[e]
                en = _entry(ptr, wires, j, w)
                q = nxt[en]
                if p >= 0:
                    ep = _entry(ptr, wires, p, w)
                    nxt[ep] = q
                if q >= 0:
                    prv[_entry(ptr, wires, q, w)] = p
                if p >= 0 and top < stack.shape[0]:
                    stack[top] = p
                    top += 1
    return removed


def cancel_inverses(const idx_t[::1] ptr, const idx_t[::1] wires, const int64_t[::1] key,
                    const int64_t[::1] ikey, const uint8_t[::1] sym, Py_ssize_t num_wires):
    """Remove adjacent inverse pairs until none is left; returns ``keep: uint8[n]``.

    Rows ``i`` then ``j`` cancel when ``j`` follows ``i`` directly on every wire of ``i``,
    they have the same wires (in the same order unless ``sym[i]``), and
    ``key[j] == ikey[i] >= 0`` (``key`` identifies a row's gate and parameters, ``ikey`` the
    inverse's; ``-1`` never cancels).  Pairs that become adjacent are retried at once.
    """
    cdef Py_ssize_t n = ptr.shape[0] - 1
    _check_csr(ptr, wires, num_wires)
    if key.shape[0] != n or ikey.shape[0] != n or sym.shape[0] != n:
        raise ValueError("key, ikey and sym need one entry per row")
    from qtool._ext._dag import build_wire_index
    prv, nxt, _, _ = build_wire_index(ptr, wires, num_wires)
    alive = np.ones(n, dtype=np.uint8)
    stack = np.empty(max(4 * n, 1), dtype=np.int32)
    cdef idx_t[::1] pv = prv, nv = nxt, sv = stack
    cdef uint8_t[::1] av = alive
    with nogil:
        _cancel(ptr, wires, key, ikey, sym, pv, nv, av, sv)
    return alive


# ----------------------------------------------------------------------------- commutation
cdef idx_t _groups(const idx_t[::1] ptr, const idx_t[::1] wires, const uint8_t[::1] cls,
                   Py_ssize_t num_qubits, idx_t[::1] group, idx_t[::1] cur,
                   uint8_t[::1] cur_cls) noexcept nogil:
    cdef Py_ssize_t e
    cdef idx_t w, ng = 0
    cdef uint8_t c
    for e in range(wires.shape[0]):
        w = wires[e]
        if w >= num_qubits:
            group[e] = -1
            continue
        c = cls[e]
        if c == 0 or c != cur_cls[w] or cur[w] < 0:
            cur[w] = ng
            ng += 1
            cur_cls[w] = c
        group[e] = cur[w]
    return ng


def commutation_groups(const idx_t[::1] ptr, const idx_t[::1] wires, const uint8_t[::1] cls,
                       Py_ssize_t num_qubits):
    """Split every qubit wire into runs of operands of one commutation class.

    ``cls[e]`` is the class of operand ``e`` on its qubit (1: diagonal in Z, 2: diagonal
    in X, 0: neither -- always a group of its own).  Returns ``group: int32[nnz]`` (``-1``
    on classical wires); group ids increase along the table.
    """
    _check_csr(ptr, wires, _ANY_WIRE)
    if cls.shape[0] != wires.shape[0]:
        raise ValueError("cls needs one entry per operand")
    group = np.empty(wires.shape[0], dtype=np.int32)
    cur = np.full(max(num_qubits, 1), -1, dtype=np.int32)
    cur_cls = np.zeros(max(num_qubits, 1), dtype=np.uint8)
    cdef idx_t[::1] gv = group, cv = cur
    cdef uint8_t[::1] ccv = cur_cls
    with nogil:
        _groups(ptr, wires, cls, num_qubits, gv, cv, ccv)
    return group
