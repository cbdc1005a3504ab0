"""Reference twins of :mod:`qtool._ext._peephole` (same names, signatures and results)."""
import numpy as np

from ._dag import build_wire_index


def _csr_by_label(label, k):
    label = np.asarray(label)
    rows = np.flatnonzero(label >= 0)
    order = np.argsort(label[rows], kind="stable")
    out_rows = rows[order].astype(np.int32)
    counts = np.bincount(label[rows], minlength=k)[:k] if k else np.zeros(0, np.int64)
    out_ptr = np.zeros(k + 1, np.int32)
    np.cumsum(counts, out=out_ptr[1:])
    return out_ptr, out_rows


def _check(ptr, wires):
    if len(ptr) < 1 or ptr[0] != 0 or ptr[-1] != len(wires):
        raise ValueError("ptr does not match wires")
    if np.any(np.diff(ptr) < 0):
        raise ValueError("ptr is not monotone")
    if len(wires) and np.min(wires) < 0:
        raise ValueError("wire out of range")


def collect_runs(ptr, wires, eligible, num_qubits):
    _check(ptr, wires)
    n = len(ptr) - 1
    if len(eligible) != n:
        raise ValueError("eligible has the wrong length")
    run_of = np.full(n, -1, np.int32)
    cur = [-1] * max(num_qubits, 1)
    nruns = 0
    for i in range(n):
        lo, hi = int(ptr[i]), int(ptr[i + 1])
        if eligible[i]:
            if hi - lo != 1 or wires[lo] >= num_qubits:
                raise ValueError(f"eligible row {i} is not a one-qubit row")
            q = int(wires[lo])
            if cur[q] < 0:
                cur[q] = nruns
                nruns += 1
            run_of[i] = cur[q]
        else:
            for w in wires[lo:hi].tolist():
                if w < num_qubits:
                    cur[w] = -1
    run_ptr, run_rows = _csr_by_label(run_of, nruns)
    return run_of, run_ptr, run_rows


def collect_blocks(ptr, wires, kind, num_qubits):
    _check(ptr, wires)
    n = len(ptr) - 1
    if len(kind) != n:
        raise ValueError("kind has the wrong length")
    nq = max(num_qubits, 1)
    block_of = np.full(n, -1, np.int32)
    bq: list[tuple[int, int]] = []
    open_ = [-1] * nq
    pend: list[list[int]] = [[] for _ in range(nq)]

    def close(q):
        blk = open_[q]
        if blk >= 0:
            a, b = bq[blk]
            open_[a] = open_[b] = -1

    for i in range(n):
        lo, hi = int(ptr[i]), int(ptr[i + 1])
        k = int(kind[i])
        if k > 2:
            raise ValueError("kind must be 0, 1 or 2")
        if k and hi - lo != k:
            raise ValueError(f"row {i}: kind {k} but {hi - lo} operands")
        if k == 1:
            q = int(wires[lo])
            if q >= num_qubits:
                raise ValueError(f"row {i} is not on a qubit")
            if open_[q] >= 0:
                block_of[i] = open_[q]
            else:
                pend[q].append(i)
        elif k == 2:
            a, b = int(wires[lo]), int(wires[lo + 1])
            if a >= num_qubits or b >= num_qubits:
                raise ValueError(f"row {i} is not on two qubits")
            if open_[a] >= 0 and open_[a] == open_[b]:
                block_of[i] = open_[a]
                continue
            close(a)
            close(b)
            blk = len(bq)
            bq.append((a, b))
            open_[a] = open_[b] = blk
            for q in (a, b):
                block_of[pend[q]] = blk
                pend[q] = []
            block_of[i] = blk
        else:
            for w in wires[lo:hi].tolist():
                if w < num_qubits:
                    close(w)
                    pend[w] = []
    block_ptr, block_rows = _csr_by_label(block_of, len(bq))
    return block_of, np.array(bq, np.int32).reshape(-1, 2), block_ptr, block_rows


def cancel_inverses(ptr, wires, key, ikey, sym, num_wires):
    _check(ptr, wires)
    n = len(ptr) - 1
    if len(key) != n or len(ikey) != n or len(sym) != n:
        raise ValueError("key, ikey and sym need one entry per row")
    if len(wires) and np.max(wires) >= num_wires:
        raise ValueError("wire out of range")
    prv, nxt, _, _ = build_wire_index(ptr, wires, num_wires)
    prv, nxt = prv.tolist(), nxt.tolist()
    ptr_l, wires_l = [int(x) for x in ptr], [int(x) for x in wires]
    key_l, ikey_l = [int(x) for x in key], [int(x) for x in ikey]
    alive = [True] * n

    def entry(row, w):
        for e in range(ptr_l[row], ptr_l[row + 1]):
            if wires_l[e] == w:
                return e
        return -1

    def is_pair(i, j):
        lo, hi = ptr_l[i], ptr_l[i + 1]
        if key_l[j] < 0 or key_l[j] != ikey_l[i] or ptr_l[j + 1] - ptr_l[j] != hi - lo:
            return False
        if any(nxt[e] != j for e in range(lo, hi)):
            return False
        if not sym[i]:
            return wires_l[lo:hi] == wires_l[ptr_l[j]:ptr_l[j + 1]]
        return True

    for i0 in range(n):
        stack = [i0]
        while stack:
            i = stack.pop()
            if not alive[i] or key_l[i] < 0 or ptr_l[i + 1] == ptr_l[i]:
                continue
            j = nxt[ptr_l[i]]
            if j < 0 or not alive[j] or not is_pair(i, j):
                continue
            alive[i] = alive[j] = False
            for e in range(ptr_l[i], ptr_l[i + 1]):
                w = wires_l[e]
                p = prv[e]
                q = nxt[entry(j, w)]
                if p >= 0:
                    nxt[entry(p, w)] = q
                if q >= 0:
                    prv[entry(q, w)] = p
                if p >= 0:
                    stack.append(p)
    return np.array(alive, dtype=np.uint8)


def commutation_groups(ptr, wires, cls, num_qubits):
    _check(ptr, wires)
    if len(cls) != len(wires):
        raise ValueError("cls needs one entry per operand")
    group = np.empty(len(wires), np.int32)
    cur = [-1] * max(num_qubits, 1)
    cur_cls = [0] * max(num_qubits, 1)
    ng = 0
    for e, w in enumerate(wires.tolist() if hasattr(wires, "tolist") else wires):
        if w >= num_qubits:
            group[e] = -1
            continue
        c = int(cls[e])
        if c == 0 or c != cur_cls[w] or cur[w] < 0:
            cur[w] = ng
            ng += 1
            cur_cls[w] = c
        group[e] = cur[w]
    return group
