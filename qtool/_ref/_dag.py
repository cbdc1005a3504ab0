"""Reference twins of :mod:`qtool._ext._dag`."""
import numpy as np


def build_wire_index(ptr, wires, num_wires):
    nnz = len(wires)
    prev = np.empty(nnz, np.int32)
    nxt = np.full(nnz, -1, np.int32)
    first = np.full(num_wires, -1, np.int32)
    last = np.full(num_wires, -1, np.int32)
    last_entry = [-1] * num_wires
    for i in range(len(ptr) - 1):
        for e in range(ptr[i], ptr[i + 1]):
            w = wires[e]
            if last_entry[w] < 0:
                first[w] = i
                prev[e] = -1
            else:
                prev[e] = last[w]
                nxt[last_entry[w]] = i
            last[w] = i
            last_entry[w] = e
    return prev, nxt, first, last


def circuit_depth(ptr, wires, weight, num_wires):
    level = np.zeros(num_wires, np.int64)
    best = 0
    for i in range(len(ptr) - 1):
        ws = wires[ptr[i]:ptr[i + 1]]
        m = (level[ws].max() if len(ws) else 0) + weight[i]
        level[ws] = m
        best = max(best, m)
    return int(best)
