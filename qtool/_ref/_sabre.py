"""Reference twin of :mod:`qtool._ext._sabre` (same algorithm, same choices, same output).

Written for clarity with plain Python lists; the compiled kernel must agree with it exactly
(the differential tests compare every output array), so loop orders and the float
operations of the scores mirror the kernel line by line.
"""
from __future__ import annotations

import numpy as np

__all__ = ["sabre_route", "build_dag"]

EPS = 1e-10
_MASK = (1 << 64) - 1


class _SplitMix:
    def __init__(self, seed: int):
        self.state = int(seed) & _MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)


KIND_1Q, KIND_2Q, KIND_BLOCK, KIND_FINAL, KIND_JOIN = 0, 1, 2, 3, 4


def build_dag(ptr, wires, axis, num_wires):
    """See :func:`qtool._ext._sabre.build_dag`."""
    nrows = len(ptr) - 1
    if any(int(a) > 2 for a in axis):
        raise ValueError("axis must be 0, 1 or 2")
    if any(not 0 <= int(w) < num_wires for w in wires):
        raise ValueError("wire out of range")
    anchor = [-1] * num_wires
    run: list[list[int]] = [[] for _ in range(num_wires)]   # rows of the current run
    run_axis = [0] * num_wires
    edges: list[tuple[int, int]] = []
    njoin = 0
    for r in range(nrows):
        for e in range(int(ptr[r]), int(ptr[r + 1])):
            w, a = int(wires[e]), int(axis[e])
            if a != 0 and run[w] and run_axis[w] == a:
                run[w].append(r)
            else:
                if len(run[w]) == 1:
                    anchor[w] = run[w][0]
                elif len(run[w]) > 1:
                    node = nrows + njoin
                    njoin += 1
                    edges += [(m, node) for m in reversed(run[w])]
                    anchor[w] = node
                run[w] = [r]
                run_axis[w] = a
            if anchor[w] >= 0:
                edges.append((anchor[w], r))
    nnodes = nrows + njoin
    succ: list[list[int]] = [[] for _ in range(nnodes)]
    for a, b in edges:
        succ[a].append(b)
    succ_ptr = np.zeros(nnodes + 1, dtype=np.int32)
    np.cumsum([len(x) for x in succ], out=succ_ptr[1:])
    flat = np.array([b for x in succ for b in x], dtype=np.int32)
    return succ_ptr, flat, nnodes


def sabre_route(ptr, wires, succ_ptr, succ, kind, num_qubits, nbr_ptr, nbr, dist, hops,
                layout, seed, weights, decay_delta=0.001, decay_reset=5, attempt_limit=1000,
                merge_weight=0.0):
    """See :func:`qtool._ext._sabre.sabre_route`."""
    ptr = [int(x) for x in ptr]
    wires = [int(x) for x in wires]
    succ_ptr = [int(x) for x in succ_ptr]
    succ = [int(x) for x in succ]
    kind = [int(x) for x in kind]
    nrows = len(ptr) - 1
    nnodes = len(kind)
    if any(k > KIND_JOIN or (k == KIND_JOIN) != (i >= nrows) for i, k in enumerate(kind)):
        raise ValueError("row kinds must be 0..3 and join nodes (ids >= nrows) 4")
    nq = int(num_qubits)
    nbr_ptr = [int(x) for x in nbr_ptr]
    nbr = [int(x) for x in nbr]
    dist = [[float(x) for x in row] for row in np.asarray(dist)]
    hops = [[int(x) for x in row] for row in np.asarray(hops)]
    weights = [float(w) for w in weights]
    nnz = len(wires)
    nlayers = len(weights) - 1
    if sorted(int(x) for x in layout) != list(range(nq)):
        raise ValueError("layout is not a permutation")
    if decay_reset < 1 or attempt_limit < 1:
        raise ValueError("decay_reset and attempt_limit must be positive")
    rng = _SplitMix(seed)

    l2p = [int(x) for x in layout]
    p2l = [0] * nq
    for q, p in enumerate(l2p):
        p2l[p] = q
    remaining = [0] * nnodes
    for s in succ:
        remaining[s] += 1
    ent_phys = [-1] * nnz
    order: list[int] = []
    swaps: list[tuple[int, int]] = []
    queue: list[int] = []
    qhead = 0
    ready: list[int] = []     # ready two-qubit gates not yet executable
    front: list[int] = []     # a matching of them, nearest first
    partner = [[-1] * nq for _ in range(nlayers + 1)]
    lrows: list[list[int]] = [[] for _ in range(nlayers)]
    decay = [1.0] * nq
    last2q = [0] * nq

    def qubits(r):
        return wires[ptr[r]], wires[ptr[r] + 1]

    def coupled(r):
        a, b = qubits(r)
        return hops[l2p[a]][l2p[b]] == 1

    def emit(r):
        if kind[r] != KIND_JOIN:
            order.append(r)
            for e in range(ptr[r], ptr[r + 1]):
                w = wires[e]
                if w < nq:
                    ent_phys[e] = l2p[w]
                    if kind[r] == KIND_2Q:
                        last2q[l2p[w]] = r + 1
                    elif kind[r] >= KIND_BLOCK:
                        last2q[l2p[w]] = 0
                else:
                    ent_phys[e] = -1
        for s in succ[succ_ptr[r]:succ_ptr[r + 1]]:
            remaining[s] -= 1
            if remaining[s] == 0:
                queue.append(s)

    def drain():
        nonlocal qhead
        while qhead < len(queue):
            r = queue[qhead]
            qhead += 1
            if kind[r] == KIND_FINAL:
                continue
            if kind[r] == KIND_2Q and not coupled(r):
                ready.append(r)
            else:
                emit(r)

    def select_front():
        for r in front:
            a, b = qubits(r)
            partner[0][a] = partner[0][b] = -1
        front.clear()
        def hop(r):
            a, b = qubits(r)
            h = hops[l2p[a]][l2p[b]]
            return h if h >= 0 else nq
        for r in sorted(ready, key=hop):     # stable: nearest first, then ready order
            a, b = qubits(r)
            if partner[0][a] < 0 and partner[0][b] < 0:
                front.append(r)
                partner[0][a] = b
                partner[0][b] = a

    def unblocked(la, lb):
        for r in ready:
            a, b = qubits(r)
            if (a == la or a == lb or b == la or b == lb) and coupled(r):
                return True
        return False

    def lookahead():
        for k in range(nlayers):
            for r in lrows[k]:
                a, b = qubits(r)
                partner[k + 1][a] = -1
                partner[k + 1][b] = -1
            lrows[k] = []
        decr = []
        for k in range(nlayers):
            start = ready if k == 0 else lrows[k - 1]
            if not start:
                break
            visit = list(start)
            j = 0
            while j < len(visit):
                node = visit[j]
                j += 1
                for s in succ[succ_ptr[node]:succ_ptr[node + 1]]:
                    remaining[s] -= 1
                    decr.append(s)
                    if remaining[s] == 0:
                        if kind[s] == KIND_2Q:
                            a, b = qubits(s)
                            if partner[k + 1][a] < 0 and partner[k + 1][b] < 0:
                                lrows[k].append(s)
                                partner[k + 1][a] = b
                                partner[k + 1][b] = a
                        elif kind[s] != KIND_FINAL:
                            visit.append(s)
        for s in decr:
            remaining[s] += 1

    def layer_delta(part, a, b, la, lb):
        d = 0.0
        c = part[la]
        if c >= 0:
            pc = l2p[c]
            if pc != b:
                d += dist[b][pc] - dist[a][pc]
        c = part[lb]
        if c >= 0:
            pc = l2p[c]
            if pc != a:
                d += dist[a][pc] - dist[b][pc]
        return d

    def choose_swap():
        base = 0.0
        nact = 0
        for k in range(nlayers + 1):
            rows = front if k == 0 else lrows[k - 1]
            if not rows:
                break
            s = 0.0
            for r in rows:
                a, b = qubits(r)
                s += dist[l2p[a]][l2p[b]]
            base += weights[k] * s
            nact = k + 1
        cand = []
        for r in front:
            for q in qubits(r):
                p = l2p[q]
                for nb in nbr[nbr_ptr[p]:nbr_ptr[p + 1]]:
                    if partner[0][p2l[nb]] < 0 or p < nb:
                        cand.append((p, nb))
        if not cand:
            raise ValueError("a two-qubit gate acts on qubits in disconnected parts of the "
                             "coupling graph")
        best = 1e300
        bests: list[int] = []
        for i, (a, b) in enumerate(cand):
            la, lb = p2l[a], p2l[b]
            s = 0.0
            for k in range(nact):
                s += weights[k] * layer_delta(partner[k], a, b, la, lb)
            if last2q[a] > 0 and last2q[a] == last2q[b]:
                s = s - merge_weight
            dec = decay[a] if decay[a] > decay[b] else decay[b]
            s = (base + s) * dec
            if s + EPS < best:
                best = s
                bests = [i]
            elif abs(s - best) < EPS:
                bests.append(i)
        pick = bests[0]
        if len(bests) > 1:
            pick = bests[rng.next() % len(bests)]
        return cand[pick]

    def swap_layout(a, b):
        la, lb = p2l[a], p2l[b]
        p2l[a], p2l[b] = lb, la
        l2p[la], l2p[lb] = b, a

    def add_swap(a, b):
        swap_layout(a, b)
        swaps.append((a, b))
        order.append(-len(swaps))
        last2q[a] = last2q[b] = -len(swaps)

    def force_route():
        bestr, besth = -1, -1
        for r in ready:
            a, b = qubits(r)
            h = hops[l2p[a]][l2p[b]]
            if h > 0 and (besth < 0 or h < besth):
                besth, bestr = h, r
        if bestr < 0:
            raise ValueError("a two-qubit gate acts on qubits in disconnected parts of the "
                             "coupling graph")
        a, b = qubits(bestr)
        pa, pb = l2p[a], l2p[b]
        path = [pa]
        cur = pa
        while cur != pb:
            for nb in nbr[nbr_ptr[cur]:nbr_ptr[cur + 1]]:
                if hops[nb][pb] == hops[cur][pb] - 1:
                    cur = nb
                    break
            path.append(cur)
        plen = len(path)
        half = (plen - 1) // 2
        for i in range(half):
            add_swap(path[i], path[i + 1])
        for i in range(plen - 2 - half):
            add_swap(path[plen - 1 - i], path[plen - 2 - i])

    for i in range(nnodes):
        if remaining[i] == 0:
            queue.append(i)
    drain()
    while ready:
        select_front()
        lookahead()
        decay = [1.0] * nq
        start = len(swaps)
        steps = 0
        while True:
            if steps >= attempt_limit:
                while len(swaps) > start:
                    a, b = swaps.pop()
                    order.pop()
                    swap_layout(a, b)
                    last2q[a] = last2q[b] = 0
                force_route()
                break
            a, b = choose_swap()
            add_swap(a, b)
            steps += 1
            if steps % decay_reset == 0:
                decay = [1.0] * nq
            else:
                decay[a] += decay_delta
                decay[b] += decay_delta
            if unblocked(p2l[a], p2l[b]):
                break
        keep = []
        for r in ready:
            if coupled(r):
                emit(r)
            else:
                keep.append(r)
        ready[:] = keep
        drain()
    for r in range(nrows):
        if kind[r] == KIND_FINAL:
            emit(r)

    if len(order) - len(swaps) != nrows:
        raise ValueError("the dependency graph has a cycle: some rows never became ready")
    # two-qubit depth of the routed sequence, swaps merging with the gate before them
    level = [0] * nq
    last = [0] * nq
    depth = merged = 0
    for v in order:
        if v < 0:
            a, b = swaps[-v - 1]
            if last[a] > 0 and last[a] == last[b]:
                merged += 1
            last[a] = last[b] = v
        elif kind[v] == KIND_2Q:
            a, b = ent_phys[ptr[v]], ent_phys[ptr[v] + 1]
            last[a] = last[b] = v + 1
        else:
            if kind[v] >= KIND_BLOCK:
                for e in range(ptr[v], ptr[v + 1]):
                    if ent_phys[e] >= 0:
                        last[ent_phys[e]] = 0
            continue
        lv = max(level[a], level[b]) + 1
        level[a] = level[b] = lv
        depth = max(depth, lv)
    return (np.array(order, dtype=np.int32), np.array(swaps, dtype=np.int32).reshape(-1, 2),
            np.array(ent_phys, dtype=np.int32), np.array(l2p, dtype=np.int32), int(depth),
            int(merged))
