# cython: language_level=3
"""SABRE routing kernel (LightSABRE-style), the hot loop of layout and routing.

The circuit is given as its operands in CSR form ``(ptr, wires)`` (qubit wires
``0..num_qubits-1`` first in every row, then classical wires) and a dependency graph over
the rows (:func:`build_dag`: plain wire order, or relaxed so that runs of commuting rows may
run in any order).  Qubit wires are *logical* qubits; ``layout[q]`` is the physical qubit
that logical ``q`` starts on (a permutation of ``0..num_qubits-1``).

A row is ready once all its predecessors in the dependency graph have been emitted.  Ready rows
that are not two-qubit gates (one-qubit gates, measurements, barriers, conditioned rows) are
emitted at once; a ready two-qubit gate is emitted when its two qubits sit on coupled
physical qubits, otherwise it joins the *front layer*.  While the front layer is blocked the
router inserts the swap with the lowest score

    ``max(decay[a], decay[b]) * sum_k weights[k] * (S_k + delta_k(a, b))``

where layer ``k = 0`` is the front layer and ``k >= 1`` are lookahead layers (the 2Q gates
that would become ready once layers ``0..k-1`` were done), ``S_k`` is the summed distance of
layer ``k`` and ``delta_k`` the change a swap makes to it (only gates on the two swapped
qubits change: relative scoring).  A swap on a pair whose last two-qubit operation was a
gate on that same pair gets ``merge_weight`` off its score (block resynthesis merges the
two).  Ties within ``1e-10`` are broken by a seeded splitmix64 generator.  After
``attempt_limit`` swaps without progress the release valve undoes them and walks the
closest front gate together along a shortest path.  Rows of kind ``KIND_FINAL`` (terminal
measurements and barriers) are held back and emitted last, on the final qubits.

Everything runs without the GIL on preallocated buffers; :mod:`qtool._ref._sabre` is the
pure Python twin (same choices, same output) used as the test oracle.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport fabs
from libc.stdint cimport uint8_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from qtool._ext._types cimport idx_t

cnp.import_array()

cdef double EPS = 1e-10   # scores closer than this are ties

cdef enum:
    KIND_1Q = 0       # row kinds: one-qubit unitary (transparent to merging)
    KIND_2Q = 1       # two-qubit gate (must be routed)
    KIND_BLOCK = 2    # measure / reset / barrier / conditioned row: ends a 2Q block
    KIND_FINAL = 3    # terminal measure / barrier: emitted after routing, on final qubits
    KIND_JOIN = 4     # not a row: a join node of the dependency graph (never emitted)
    OK = 0
    ERR_MEMORY = -1
    ERR_UNROUTABLE = -2
    ERR_CYCLE = -3


cdef struct Router:
    Py_ssize_t nrows, nq, nlayers
    const idx_t* ptr
    const idx_t* wires
    Py_ssize_t nnodes
    const idx_t* succ_ptr
    const idx_t* succ
    const uint8_t* kind
    const idx_t* nbr_ptr
    const idx_t* nbr
    const double* dist
    const idx_t* hops
    const double* weights
    double decay_delta, merge_weight
    Py_ssize_t decay_reset, attempt_limit
    uint64_t rng
    idx_t* l2p
    idx_t* p2l
    idx_t* remaining
    idx_t* queue
    Py_ssize_t qhead, qtail
    idx_t* ready        # every ready two-qubit gate that is not yet executable
    Py_ssize_t nready
    idx_t* rq_head      # per logical qubit: first slot (2 * row + side) of its ready gates
    idx_t* rq_next
    idx_t* rq_prev
    idx_t* sorted_ready
    idx_t* hcount       # nq + 1 buckets of the counting sort
    idx_t* front        # the front layer: a matching of ready gates, nearest first
    Py_ssize_t nfront
    idx_t* partner      # (nlayers + 1) * nq: logical partner of a logical qubit per layer
    idx_t* lrows        # nlayers * nq: rows of each lookahead layer
    Py_ssize_t* lcount
    double* decay
    idx_t* cand
    idx_t* best
    idx_t* decr
    idx_t* visit
    idx_t* path
    idx_t* ent_phys
    idx_t* last2q       # per physical qubit: last 2Q gate (row + 1), swap (< 0) or 0
    idx_t* order
    Py_ssize_t norder, order_cap
    idx_t* swaps
    Py_ssize_t nswaps, swaps_cap


cdef inline uint64_t _next_random(Router* R) noexcept nogil:
    """splitmix64 (the Python twin masks to 64 bits)."""
    cdef uint64_t z
    R.rng += <uint64_t>0x9E3779B97F4A7C15ULL
    z = R.rng
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef int _push_order(Router* R, idx_t v) noexcept nogil:
    cdef idx_t* grown
    if R.norder == R.order_cap:
        grown = <idx_t*>realloc(R.order, 2 * R.order_cap * sizeof(idx_t))
        if grown == NULL:
            return ERR_MEMORY
        R.order = grown
        R.order_cap *= 2
    R.order[R.norder] = v
    R.norder += 1
    return OK


cdef int _emit(Router* R, idx_t r) noexcept nogil:
    """Emit row ``r`` (a join node is only passed through) and release its successors."""
    cdef idx_t e, w, s
    cdef uint8_t k = R.kind[r]
    if k != KIND_JOIN:
        if _push_order(R, r) != OK:
            return ERR_MEMORY
        for e in range(R.ptr[r], R.ptr[r + 1]):
            w = R.wires[e]
            if w < R.nq:
                R.ent_phys[e] = R.l2p[w]
                if k == KIND_2Q:
                    R.last2q[R.l2p[w]] = r + 1
                elif k >= KIND_BLOCK:
                    R.last2q[R.l2p[w]] = 0
            else:
                R.ent_phys[e] = -1
    for e in range(R.succ_ptr[r], R.succ_ptr[r + 1]):
        s = R.succ[e]
        R.remaining[s] -= 1
        if R.remaining[s] == 0:
            R.queue[R.qtail] = s
            R.qtail += 1
    return OK


cdef inline bint _coupled(Router* R, idx_t r) noexcept nogil:
    cdef idx_t pa = R.l2p[R.wires[R.ptr[r]]], pb = R.l2p[R.wires[R.ptr[r] + 1]]
    return R.hops[pa * R.nq + pb] == 1


cdef int _drain(Router* R) noexcept nogil:
    """Emit every ready row that can run now; blocked 2Q gates join the ready list."""
    cdef idx_t r
    while R.qhead < R.qtail:
        r = R.queue[R.qhead]
        R.qhead += 1
        if R.kind[r] == KIND_FINAL:
            continue    # deferred to the end of routing
        if R.kind[r] == KIND_2Q and not _coupled(R, r):
            R.ready[R.nready] = r
            R.nready += 1
            _link_ready(R, r)
        elif _emit(R, r) != OK:
            return ERR_MEMORY
    return OK


cdef void _select_front(Router* R) noexcept nogil:
    """The front layer: ready gates, nearest first (stable counting sort on the hop
    distance), skipping any that shares a qubit with one already chosen (with a relaxed
    dependency graph several ready gates can share a qubit; without, they never do and all
    of them are chosen)."""
    cdef Py_ssize_t i, nq = R.nq, h, tot
    cdef idx_t r, a, b
    for i in range(R.nfront):
        r = R.front[i]
        R.partner[R.wires[R.ptr[r]]] = -1
        R.partner[R.wires[R.ptr[r] + 1]] = -1
    R.nfront = 0
    for h in range(nq + 1):
        R.hcount[h] = 0
    for i in range(R.nready):
        r = R.ready[i]
        h = R.hops[R.l2p[R.wires[R.ptr[r]]] * nq + R.l2p[R.wires[R.ptr[r] + 1]]]
        R.hcount[h if h >= 0 else nq] += 1
    tot = 0
    for h in range(nq + 1):
        tot += R.hcount[h]
        R.hcount[h] = tot - R.hcount[h]
    for i in range(R.nready):
        r = R.ready[i]
        h = R.hops[R.l2p[R.wires[R.ptr[r]]] * nq + R.l2p[R.wires[R.ptr[r] + 1]]]
        if h < 0:
            h = nq
        R.sorted_ready[R.hcount[h]] = r
        R.hcount[h] += 1
    for i in range(R.nready):
        r = R.sorted_ready[i]
        a = R.wires[R.ptr[r]]
        b = R.wires[R.ptr[r] + 1]
        if R.partner[a] < 0 and R.partner[b] < 0:
            R.front[R.nfront] = r
            R.nfront += 1
            R.partner[a] = b
            R.partner[b] = a


cdef void _link_ready(Router* R, idx_t r) noexcept nogil:
    """Add ready gate ``r`` to the per-qubit lists of both its qubits."""
    cdef idx_t t, q, slot, head
    for t in range(2):
        q = R.wires[R.ptr[r] + t]
        slot = 2 * r + t
        head = R.rq_head[q]
        R.rq_prev[slot] = -1
        R.rq_next[slot] = head
        if head >= 0:
            R.rq_prev[head] = slot
        R.rq_head[q] = slot


cdef void _unlink_ready(Router* R, idx_t r) noexcept nogil:
    cdef idx_t t, q, slot, prv, nxt
    for t in range(2):
        q = R.wires[R.ptr[r] + t]
        slot = 2 * r + t
        prv = R.rq_prev[slot]
        nxt = R.rq_next[slot]
        if prv >= 0:
            R.rq_next[prv] = nxt
        else:
            R.rq_head[q] = nxt
        if nxt >= 0:
            R.rq_prev[nxt] = prv


cdef bint _unblocked(Router* R, idx_t la, idx_t lb) noexcept nogil:
    """Whether some ready gate on logical qubit ``la`` or ``lb`` is now executable."""
    cdef idx_t slot
    slot = R.rq_head[la]
    while slot >= 0:
        if _coupled(R, slot >> 1):
            return True
        slot = R.rq_next[slot]
    slot = R.rq_head[lb]
    while slot >= 0:
        if _coupled(R, slot >> 1):
            return True
        slot = R.rq_next[slot]
    return False


cdef void _lookahead(Router* R) noexcept nogil:
    """Recompute the lookahead layers: layer ``k`` holds the 2Q gates that become ready
    once every ready gate and layers ``1..k-1`` are done (one gate per qubit: first come)."""
    cdef Py_ssize_t k, j, nvisit, ndecr = 0, i, nstart
    cdef idx_t node, e, s, a, b
    cdef idx_t* part
    cdef const idx_t* start
    for k in range(R.nlayers):
        part = R.partner + (k + 1) * R.nq
        for i in range(R.lcount[k]):
            node = R.lrows[k * R.nq + i]
            part[R.wires[R.ptr[node]]] = -1
            part[R.wires[R.ptr[node] + 1]] = -1
        R.lcount[k] = 0
    for k in range(R.nlayers):
        if k == 0:
            start = R.ready
            nstart = R.nready
        else:
            start = R.lrows + (k - 1) * R.nq
            nstart = R.lcount[k - 1]
        if nstart == 0:
            break
        part = R.partner + (k + 1) * R.nq
        for j in range(nstart):
            R.visit[j] = start[j]
        nvisit = nstart
        j = 0
        while j < nvisit:
            node = R.visit[j]
            j += 1
            for e in range(R.succ_ptr[node], R.succ_ptr[node + 1]):
                s = R.succ[e]
                R.remaining[s] -= 1
                R.decr[ndecr] = s
                ndecr += 1
                if R.remaining[s] == 0:
                    if R.kind[s] == KIND_2Q:
                        a = R.wires[R.ptr[s]]
                        b = R.wires[R.ptr[s] + 1]
                        if part[a] < 0 and part[b] < 0:
                            R.lrows[k * R.nq + R.lcount[k]] = s
                            R.lcount[k] += 1
                            part[a] = b
                            part[b] = a
                    elif R.kind[s] != KIND_FINAL:
                        R.visit[nvisit] = s
                        nvisit += 1
    for i in range(ndecr):
        R.remaining[R.decr[i]] += 1


cdef inline double _layer_delta(Router* R, const idx_t* part, idx_t a, idx_t b, idx_t la,
                                idx_t lb) noexcept nogil:
    cdef double d = 0.0
    cdef idx_t c, pc
    cdef Py_ssize_t nq = R.nq
    c = part[la]
    if c >= 0:
        pc = R.l2p[c]
        if pc != b:
            d += R.dist[b * nq + pc] - R.dist[a * nq + pc]
    c = part[lb]
    if c >= 0:
        pc = R.l2p[c]
        if pc != a:
            d += R.dist[a * nq + pc] - R.dist[b * nq + pc]
    return d


cdef int _choose_swap(Router* R, idx_t* out) noexcept nogil:
    """Score the candidate swaps (edges touching a front qubit); write the winner to out."""
    cdef Py_ssize_t nq = R.nq, k, i, m, ncand = 0, nbest = 0, t, nact
    cdef idx_t r, q, p, nb, a, b, la, lb, pick
    cdef double s, dec, base, best = 1e300
    cdef const idx_t* rows
    cdef Py_ssize_t nrow
    # absolute score of every layer (shared by all candidates); empty layers end the list
    base = 0.0
    nact = 0
    for k in range(R.nlayers + 1):
        if k == 0:
            rows = R.front
            nrow = R.nfront
        else:
            rows = R.lrows + (k - 1) * nq
            nrow = R.lcount[k - 1]
        if nrow == 0:
            break
        s = 0.0
        for i in range(nrow):
            r = rows[i]
            s += R.dist[R.l2p[R.wires[R.ptr[r]]] * nq + R.l2p[R.wires[R.ptr[r] + 1]]]
        base += R.weights[k] * s
        nact = k + 1
    for i in range(R.nfront):
        r = R.front[i]
        for t in range(2):
            q = R.wires[R.ptr[r] + t]
            p = R.l2p[q]
            for m in range(R.nbr_ptr[p], R.nbr_ptr[p + 1]):
                nb = R.nbr[m]
                if R.partner[R.p2l[nb]] < 0 or p < nb:
                    R.cand[2 * ncand] = p
                    R.cand[2 * ncand + 1] = nb
                    ncand += 1
    if ncand == 0:
        return ERR_UNROUTABLE
    for i in range(ncand):
        a = R.cand[2 * i]
        b = R.cand[2 * i + 1]
        la = R.p2l[a]
        lb = R.p2l[b]
        s = 0.0
        for k in range(nact):
            s += R.weights[k] * _layer_delta(R, R.partner + k * nq, a, b, la, lb)
        if R.last2q[a] > 0 and R.last2q[a] == R.last2q[b]:
            s = s - R.merge_weight
        dec = R.decay[a] if R.decay[a] > R.decay[b] else R.decay[b]
        s = (base + s) * dec
        if s + EPS < best:
            best = s
            nbest = 0
            R.best[0] = <idx_t>i
            nbest = 1
        elif fabs(s - best) < EPS:
            R.best[nbest] = <idx_t>i
            nbest += 1
    pick = R.best[0]
    if nbest > 1:
        pick = R.best[_next_random(R) % <uint64_t>nbest]
    out[0] = R.cand[2 * pick]
    out[1] = R.cand[2 * pick + 1]
    return OK


cdef void _swap_layout(Router* R, idx_t a, idx_t b) noexcept nogil:
    cdef idx_t la = R.p2l[a], lb = R.p2l[b]
    R.p2l[a] = lb
    R.p2l[b] = la
    R.l2p[la] = b
    R.l2p[lb] = a


cdef int _add_swap(Router* R, idx_t a, idx_t b) noexcept nogil:
    cdef idx_t* grown
    _swap_layout(R, a, b)
    if R.nswaps == R.swaps_cap:
        grown = <idx_t*>realloc(R.swaps, 4 * R.swaps_cap * sizeof(idx_t))
        if grown == NULL:
            return ERR_MEMORY
        R.swaps = grown
        R.swaps_cap *= 2
    R.swaps[2 * R.nswaps] = a
    R.swaps[2 * R.nswaps + 1] = b
    R.nswaps += 1
    R.last2q[a] = <idx_t>(-R.nswaps)
    R.last2q[b] = <idx_t>(-R.nswaps)
    return _push_order(R, <idx_t>(-R.nswaps))


cdef int _force_route(Router* R) noexcept nogil:
    """Release valve: bring the closest ready gate together along a shortest path."""
    cdef Py_ssize_t nq = R.nq, i, m, plen, half
    cdef idx_t r, pa, pb, h, bestr = -1, besth = -1, cur, nb
    for i in range(R.nready):
        r = R.ready[i]
        pa = R.l2p[R.wires[R.ptr[r]]]
        pb = R.l2p[R.wires[R.ptr[r] + 1]]
        h = R.hops[pa * nq + pb]
        if h > 0 and (besth < 0 or h < besth):
            besth = h
            bestr = r
    if bestr < 0:
        return ERR_UNROUTABLE
    pa = R.l2p[R.wires[R.ptr[bestr]]]
    pb = R.l2p[R.wires[R.ptr[bestr] + 1]]
    R.path[0] = pa
    plen = 1
    cur = pa
    while cur != pb:
        for m in range(R.nbr_ptr[cur], R.nbr_ptr[cur + 1]):
            nb = R.nbr[m]
            if R.hops[nb * nq + pb] == R.hops[cur * nq + pb] - 1:
                cur = nb
                break
        R.path[plen] = cur
        plen += 1
    # plen - 1 edges; a walks half of the way, b the rest, so they end adjacent
    half = (plen - 1) // 2
    for i in range(half):
        if _add_swap(R, R.path[i], R.path[i + 1]) != OK:
            return ERR_MEMORY
    for i in range(plen - 2 - half):
        if _add_swap(R, R.path[plen - 1 - i], R.path[plen - 2 - i]) != OK:
            return ERR_MEMORY
    return OK


cdef int _route(Router* R) noexcept nogil:
    cdef Py_ssize_t i, j, steps, start
    cdef idx_t r, a, b
    cdef idx_t sw[2]
    cdef int rc
    for i in range(R.nnodes):
        if R.remaining[i] == 0:
            R.queue[R.qtail] = <idx_t>i
            R.qtail += 1
    if _drain(R) != OK:
        return ERR_MEMORY
    while R.nready > 0:
        _select_front(R)
        _lookahead(R)
        for i in range(R.nq):
            R.decay[i] = 1.0
        start = R.nswaps
        steps = 0
        while True:
            if steps >= R.attempt_limit:
                # release valve: undo this round's swaps, then force the closest gate
                while R.nswaps > start:
                    R.nswaps -= 1
                    R.norder -= 1
                    a = R.swaps[2 * R.nswaps]
                    b = R.swaps[2 * R.nswaps + 1]
                    _swap_layout(R, a, b)
                    R.last2q[a] = 0
                    R.last2q[b] = 0
                rc = _force_route(R)
                if rc != OK:
                    return rc
                break
            rc = _choose_swap(R, sw)
            if rc != OK:
                return rc
            a = sw[0]
            b = sw[1]
            if _add_swap(R, a, b) != OK:
                return ERR_MEMORY
            steps += 1
            if steps % R.decay_reset == 0:
                for i in range(R.nq):
                    R.decay[i] = 1.0
            else:
                R.decay[a] += R.decay_delta
                R.decay[b] += R.decay_delta
            if _unblocked(R, R.p2l[a], R.p2l[b]):
                break
        j = 0
        for i in range(R.nready):
            r = R.ready[i]
            if _coupled(R, r):
                _unlink_ready(R, r)
                if _emit(R, r) != OK:
                    return ERR_MEMORY
            else:
                R.ready[j] = r
                j += 1
        R.nready = j
        if _drain(R) != OK:
            return ERR_MEMORY
    # terminal measurements and barriers, in input order, where their qubits ended up
    for i in range(R.nrows):
        if R.kind[i] == KIND_FINAL:
            if _emit(R, <idx_t>i) != OK:
                return ERR_MEMORY
    return OK


cdef void _stats(const idx_t* order, Py_ssize_t norder, const idx_t* swaps,
                 const idx_t* ptr, const idx_t* ent_phys, const uint8_t* kind,
                 idx_t* level, idx_t* last, Py_ssize_t nq, idx_t* depth_out,
                 idx_t* merged_out) noexcept nogil:
    """Two-qubit depth of the routed sequence (a swap is one layer) and the number of swaps
    that directly follow a 2Q gate on the same pair (only one-qubit gates in between), which
    optimisation merges into one two-qubit block."""
    cdef Py_ssize_t i, e
    cdef idx_t v, a, b, lv, depth = 0, merged = 0
    for i in range(nq):
        level[i] = 0
        last[i] = 0
    for i in range(norder):
        v = order[i]
        if v < 0:
            a = swaps[2 * (-v - 1)]
            b = swaps[2 * (-v - 1) + 1]
            if last[a] > 0 and last[a] == last[b]:
                merged += 1
            last[a] = v
            last[b] = v
        elif kind[v] == KIND_2Q:
            a = ent_phys[ptr[v]]
            b = ent_phys[ptr[v] + 1]
            last[a] = v + 1
            last[b] = v + 1
        else:
            if kind[v] >= KIND_BLOCK:
                for e in range(ptr[v], ptr[v + 1]):
                    if ent_phys[e] >= 0:
                        last[ent_phys[e]] = 0
            continue
        lv = (level[a] if level[a] > level[b] else level[b]) + 1
        level[a] = lv
        level[b] = lv
        if lv > depth:
            depth = lv
    depth_out[0] = depth
    merged_out[0] = merged


def build_dag(const idx_t[::1] ptr, const idx_t[::1] wires, const uint8_t[::1] axis,
              Py_ssize_t num_wires):
    """Dependency graph of the rows that lets commuting rows run in any order.

    On every wire the rows form maximal *runs* of consecutive operands with the same
    nonzero ``axis`` (``1``: the row is block-diagonal in the Z basis of that qubit, e.g.
    ``rz``, ``cz``, ``rzz``, a ``cx`` control; ``2``: in the X basis, e.g. ``rx``, a ``cx``
    target).  Rows of one run commute on that wire, so a row depends only on the previous
    run of each of its wires: directly on its single row, or on a *join node* (ids from
    ``nrows`` on) that completes when all rows of a longer run are done.  Two rows that
    share wires are ordered unless they sit in the same run on every shared wire, in which
    case they commute, so every topological order gives the same circuit.  ``axis = 0``
    everywhere gives the plain wire order.

    Parameters
    ----------
    ptr, wires:
        Operands in CSR form (``Circuit.operands()``).
    axis:
        Per operand: ``0`` none, ``1`` Z, ``2`` X.
    num_wires:
        Number of wires (qubits and classical bits).

    Returns
    -------
    succ_ptr, succ : int32 arrays
        Successor lists in CSR form over ``num_nodes`` nodes (rows, then join nodes); a
        successor appears once per dependency (possibly repeated).
    num_nodes : int

    Examples
    --------
    >>> import numpy as np
    >>> from qtool._ext._sabre import build_dag
    >>> ptr = np.array([0, 2, 4, 6], np.int32)      # cz 0,1 ; cz 0,2 ; cx 0,1
    >>> wires = np.array([0, 1, 0, 2, 0, 1], np.int32)
    >>> axis = np.array([1, 1, 1, 1, 1, 2], np.uint8)
    >>> sp, sc, nn = build_dag(ptr, wires, axis, 3)
    >>> nn, [sorted(sc[sp[i]:sp[i + 1]].tolist()) for i in range(nn)]
    (3, [[2], [], []])
    """
    cdef Py_ssize_t nrows = ptr.shape[0] - 1, nnz = wires.shape[0]
    cdef Py_ssize_t r, e, m, w, nedge = 0, njoin = 0, i
    cdef uint8_t a
    cdef idx_t node
    if nrows < 0 or ptr[nrows] != nnz or axis.shape[0] != nnz:
        raise ValueError("inconsistent operands")
    for e in range(nnz):
        if wires[e] < 0 or wires[e] >= num_wires:
            raise ValueError(f"wire {wires[e]} out of range")
        if axis[e] > 2:
            raise ValueError("axis must be 0, 1 or 2")
    src = np.empty(2 * nnz + 1, dtype=np.int32)
    dst = np.empty(2 * nnz + 1, dtype=np.int32)
    anchor = np.full(max(num_wires, 1), -1, dtype=np.int32)
    run_head = np.full(max(num_wires, 1), -1, dtype=np.int32)
    run_len = np.zeros(max(num_wires, 1), dtype=np.int32)
    run_axis = np.zeros(max(num_wires, 1), dtype=np.uint8)
    prev_in_run = np.full(max(nnz, 1), -1, dtype=np.int32)
    erow = np.empty(max(nnz, 1), dtype=np.int32)
    cdef idx_t[::1] src_v = src, dst_v = dst, anc_v = anchor, head_v = run_head
    cdef idx_t[::1] len_v = run_len, prev_v = prev_in_run, erow_v = erow
    cdef uint8_t[::1] rax_v = run_axis
    with nogil:
        for r in range(nrows):
            for e in range(ptr[r], ptr[r + 1]):
                erow_v[e] = <idx_t>r
                w = wires[e]
                a = axis[e]
                if a != 0 and len_v[w] > 0 and rax_v[w] == a:
                    prev_v[e] = head_v[w]
                    head_v[w] = <idx_t>e
                    len_v[w] += 1
                else:
                    if len_v[w] == 1:
                        anc_v[w] = erow_v[head_v[w]]
                    elif len_v[w] > 1:
                        node = <idx_t>(nrows + njoin)
                        njoin += 1
                        m = head_v[w]
                        while m >= 0:
                            src_v[nedge] = erow_v[m]
                            dst_v[nedge] = node
                            nedge += 1
                            m = prev_v[m]
                        anc_v[w] = node
                    prev_v[e] = -1
                    head_v[w] = <idx_t>e
                    len_v[w] = 1
                    rax_v[w] = a
                if anc_v[w] >= 0:
                    src_v[nedge] = anc_v[w]
                    dst_v[nedge] = <idx_t>r
                    nedge += 1
    nnodes = nrows + njoin
    order = np.argsort(src[:nedge], kind="stable")
    succ = np.ascontiguousarray(dst[:nedge][order])
    succ_ptr = np.zeros(nnodes + 1, dtype=np.int32)
    np.cumsum(np.bincount(src[:nedge], minlength=nnodes), out=succ_ptr[1:])
    return succ_ptr, succ, int(nnodes)


def sabre_route(const idx_t[::1] ptr, const idx_t[::1] wires, const idx_t[::1] succ_ptr,
                const idx_t[::1] succ, const uint8_t[::1] kind, Py_ssize_t num_qubits,
                const idx_t[::1] nbr_ptr, const idx_t[::1] nbr, const double[:, ::1] dist,
                const idx_t[:, ::1] hops, const idx_t[::1] layout, uint64_t seed,
                const double[::1] weights, double decay_delta=0.001,
                Py_ssize_t decay_reset=5, Py_ssize_t attempt_limit=1000,
                double merge_weight=0.0):
    """Route one circuit with one seed.

    Parameters
    ----------
    ptr, wires:
        The rows' operands (``Circuit.operands()``); qubit wires are logical qubits
        ``0..num_qubits-1``, two-qubit rows list their two qubits first.
    succ_ptr, succ:
        The dependency graph over the rows and its join nodes (:func:`build_dag`).
    kind:
        Per node: ``1`` two-qubit gate (must act on a coupled pair), ``0`` one-qubit gate,
        ``2`` any other row (measure, reset, barrier, conditioned row), which also ends the
        two-qubit blocks on its qubits for the merge bookkeeping, ``3`` a terminal
        measurement or barrier (nothing but other terminal rows after it on its wires): it
        is held back and emitted after routing, on the qubits' final positions; ``4`` for
        the join nodes (ids ``nrows`` and up) only.
    num_qubits:
        Number of physical (= logical) qubits.
    nbr_ptr, nbr:
        Coupling graph neighbours in CSR form, each list ascending.
    dist:
        ``float64[nq, nq]`` distance the heuristic minimises (hops or error-weighted).
    hops:
        ``int32[nq, nq]`` hop distance, ``-1`` between disconnected qubits.
    layout:
        ``layout[q]``: the physical qubit logical ``q`` starts on (a permutation).
    seed:
        Seed of the tie-breaking generator.
    weights:
        ``weights[0]`` weighs the front layer, ``weights[k]`` lookahead layer ``k``.
    decay_delta, decay_reset:
        The decay of recently swapped qubits and how many swaps until it resets.
    attempt_limit:
        Swaps without routing a gate before the release valve fires.
    merge_weight:
        Score bonus of a swap on a pair whose last two-qubit operation was a gate on that
        same pair (optimisation merges the two into one block: ~1 extra native 2Q gate
        instead of 3).

    Returns
    -------
    order : int32[m]
        Emission sequence: ``i >= 0`` is row ``i``, ``-k - 1`` is swap ``k``.
    swaps : int32[S, 2]
        Physical qubit pairs of the inserted swaps.
    ent_phys : int32[nnz]
        Physical qubit of every qubit operand when its row was emitted (``-1`` for
        classical operands).
    final : int32[nq]
        Physical qubit of every logical qubit at the end.
    depth : int
        Two-qubit depth of the routed circuit, swaps included.
    merged : int
        Swaps directly after a two-qubit gate on the same pair.

    Examples
    --------
    >>> import numpy as np
    >>> from qtool._ext._sabre import build_dag, sabre_route
    >>> ptr = np.array([0, 2], np.int32); wires = np.array([0, 2], np.int32)
    >>> sp, sc, nn = build_dag(ptr, wires, np.zeros(2, np.uint8), 3)
    >>> nbr_ptr = np.array([0, 1, 3, 4], np.int32); nbr = np.array([1, 0, 2, 1], np.int32)
    >>> hops = np.array([[0, 1, 2], [1, 0, 1], [2, 1, 0]], np.int32)
    >>> order, swaps, ent, final, depth, merged = sabre_route(
    ...     ptr, wires, sp, sc, np.array([1], np.uint8), 3, nbr_ptr, nbr,
    ...     hops.astype(float), hops, np.arange(3, dtype=np.int32), 7, np.array([1.0]))
    >>> len(swaps), depth
    (1, 2)
    """
    cdef Py_ssize_t nrows = ptr.shape[0] - 1, nq = num_qubits, nnz = wires.shape[0]
    cdef Py_ssize_t nnodes = kind.shape[0], nsucc = succ.shape[0]
    cdef Py_ssize_t nlayers = weights.shape[0] - 1, i, nedge = nbr.shape[0]
    cdef Router R
    cdef int rc = OK
    cdef idx_t depth = 0, merged = 0
    if nrows < 0 or ptr[nrows] != nnz or nnodes < nrows:
        raise ValueError("inconsistent operands")
    if succ_ptr.shape[0] != nnodes + 1 or succ_ptr[nnodes] != nsucc:
        raise ValueError("succ_ptr does not match kind / succ")
    if nq < 1 or layout.shape[0] != nq or nbr_ptr.shape[0] != nq + 1:
        raise ValueError("layout / coupling size does not match num_qubits")
    if dist.shape[0] != nq or dist.shape[1] != nq or hops.shape[0] != nq or hops.shape[1] != nq:
        raise ValueError("distance matrices must be num_qubits x num_qubits")
    if nlayers < 0:
        raise ValueError("weights needs at least the front-layer weight")
    if decay_reset < 1 or attempt_limit < 1:
        raise ValueError("decay_reset and attempt_limit must be positive")
    seen = np.zeros(nq, dtype=np.uint8)
    for i in range(nq):
        if layout[i] < 0 or layout[i] >= nq or seen[layout[i]]:
            raise ValueError("layout is not a permutation")
        seen[layout[i]] = 1
    for i in range(nnodes):
        if (kind[i] == KIND_JOIN) != (i >= nrows) or kind[i] > KIND_JOIN:
            raise ValueError("row kinds must be 0..3 and join nodes (ids >= nrows) 4")
        if kind[i] == KIND_2Q and (ptr[i + 1] - ptr[i] < 2 or wires[ptr[i]] >= nq
                                   or wires[ptr[i] + 1] >= nq
                                   or wires[ptr[i]] == wires[ptr[i] + 1]):
            raise ValueError(f"row {i} is marked two-qubit but has no two distinct qubits")
    for i in range(nnz):
        if wires[i] < 0:
            raise ValueError("wire index out of range")
    for i in range(nsucc):
        if succ[i] < 0 or succ[i] >= nnodes:
            raise ValueError("successor out of range")
    for i in range(nedge):
        if nbr[i] < 0 or nbr[i] >= nq:
            raise ValueError("neighbour out of range")

    ent_phys = np.full(nnz, -1, dtype=np.int32)
    final = np.empty(nq, dtype=np.int32)
    remaining = np.zeros(max(nnodes, 1), dtype=np.int32)
    for i in range(nsucc):
        remaining[succ[i]] += 1
    p2l = np.empty(nq, dtype=np.int32)
    for i in range(nq):
        final[i] = layout[i]
        p2l[layout[i]] = i
    queue = np.empty(max(nnodes, 1), dtype=np.int32)
    visit = np.empty(max(nnodes, 1), dtype=np.int32)
    decr = np.empty(max(nsucc, 1), dtype=np.int32)
    front = np.empty(nq, dtype=np.int32)
    ready = np.empty(max(nnodes, 1), dtype=np.int32)
    rq_head = np.full(nq, -1, dtype=np.int32)
    sorted_ready = np.empty(max(nnodes, 1), dtype=np.int32)
    hcount = np.zeros(nq + 1, dtype=np.int32)
    rq_next = np.empty(2 * max(nrows, 1), dtype=np.int32)
    rq_prev = np.empty(2 * max(nrows, 1), dtype=np.int32)
    partner = np.full((nlayers + 1) * nq, -1, dtype=np.int32)
    lrows = np.empty(max(nlayers, 1) * nq, dtype=np.int32)
    lcount = np.zeros(max(nlayers, 1), dtype=np.intp)
    decay = np.ones(nq, dtype=np.float64)
    cand = np.empty(2 * nedge + 2, dtype=np.int32)
    best = np.empty(nedge + 1, dtype=np.int32)
    path = np.empty(nq + 1, dtype=np.int32)
    level = np.empty(nq, dtype=np.int32)
    last2q = np.zeros(nq, dtype=np.int32)

    cdef idx_t[::1] ent_v = ent_phys, final_v = final, rem_v = remaining, p2l_v = p2l
    cdef idx_t[::1] queue_v = queue, visit_v = visit, decr_v = decr, front_v = front
    cdef idx_t[::1] ready_v = ready, rqh_v = rq_head, rqn_v = rq_next, rqp_v = rq_prev
    cdef idx_t[::1] sr_v = sorted_ready, hc_v = hcount
    cdef idx_t[::1] partner_v = partner, lrows_v = lrows, cand_v = cand, best_v = best
    cdef idx_t[::1] path_v = path, level_v = level, last_v = last2q
    cdef Py_ssize_t[::1] lcount_v = lcount
    cdef double[::1] decay_v = decay
    cdef idx_t dummy = 0
    cdef idx_t[::1] order_v
    cdef idx_t[:, ::1] swaps_v

    R.nrows = nrows
    R.nnodes = nnodes
    R.nq = nq
    R.nlayers = nlayers
    R.ptr = &ptr[0]
    R.wires = &wires[0] if nnz else &dummy
    R.succ_ptr = &succ_ptr[0]
    R.succ = &succ[0] if nsucc else &dummy
    R.kind = &kind[0] if nnodes else <const uint8_t*>&dummy
    R.nbr_ptr = &nbr_ptr[0]
    R.nbr = &nbr[0] if nedge else &dummy
    R.dist = &dist[0, 0]
    R.hops = &hops[0, 0]
    R.weights = &weights[0]
    R.decay_delta = decay_delta
    R.merge_weight = merge_weight
    R.decay_reset = decay_reset
    R.attempt_limit = attempt_limit
    R.rng = seed
    R.l2p = &final_v[0]
    R.p2l = &p2l_v[0]
    R.remaining = &rem_v[0]
    R.queue = &queue_v[0]
    R.qhead = 0
    R.qtail = 0
    R.front = &front_v[0]
    R.nfront = 0
    R.ready = &ready_v[0]
    R.nready = 0
    R.rq_head = &rqh_v[0]
    R.sorted_ready = &sr_v[0]
    R.hcount = &hc_v[0]
    R.rq_next = &rqn_v[0]
    R.rq_prev = &rqp_v[0]
    R.partner = &partner_v[0]
    R.lrows = &lrows_v[0]
    R.lcount = &lcount_v[0]
    R.decay = &decay_v[0]
    R.cand = &cand_v[0]
    R.best = &best_v[0]
    R.decr = &decr_v[0]
    R.visit = &visit_v[0]
    R.path = &path_v[0]
    R.ent_phys = &ent_v[0] if nnz else &dummy
    R.last2q = &last_v[0]
    R.norder = 0
    R.order_cap = nrows + 64
    R.nswaps = 0
    R.swaps_cap = 64
    R.order = <idx_t*>malloc(R.order_cap * sizeof(idx_t))
    R.swaps = <idx_t*>malloc(2 * R.swaps_cap * sizeof(idx_t))
    try:
        if R.order == NULL or R.swaps == NULL:
            raise MemoryError()
        with nogil:
            rc = _route(&R)
            if rc == OK and R.norder - R.nswaps != nrows:
                rc = ERR_CYCLE
            if rc == OK:
                _stats(R.order, R.norder, R.swaps, R.ptr, R.ent_phys, R.kind, &level_v[0],
                       R.last2q, nq, &depth, &merged)
        if rc == ERR_MEMORY:
            raise MemoryError()
        if rc == ERR_UNROUTABLE:
            raise ValueError("a two-qubit gate acts on qubits in disconnected parts of the "
                             "coupling graph")
        if rc == ERR_CYCLE:
            raise ValueError("the dependency graph has a cycle: some rows never became ready")
        order = np.empty(R.norder, dtype=np.int32)
        swaps = np.empty((R.nswaps, 2), dtype=np.int32)
        order_v = order
        swaps_v = swaps
        for i in range(R.norder):
            order_v[i] = R.order[i]
        for i in range(R.nswaps):
            swaps_v[i, 0] = R.swaps[2 * i]
            swaps_v[i, 1] = R.swaps[2 * i + 1]
    finally:
        free(R.order)
        free(R.swaps)
    return order, swaps, ent_phys, final, int(depth), int(merged)
