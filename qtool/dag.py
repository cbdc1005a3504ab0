"""Derived graph views of a :class:`~qtool.Circuit`: the wire index and depth.

The DAG is not a class: it is the wire index, an array of predecessor/successor rows per
operand, built in one Cython pass and cached on the circuit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._kernels import kernel
from .gates import BARRIER

__all__ = ["WireIndex", "wire_index", "depth"]


@dataclass(frozen=True)
class WireIndex:
    """Operands in CSR form with, per operand, the previous and next row on its wire.

    ``ptr[i]:ptr[i+1]`` are the operand entries of row ``i``; entry ``e`` is on wire
    ``wires[e]`` (qubits first, then ``num_qubits + clbit``) and ``prev[e]``/``next[e]`` are
    rows (``-1`` at the ends).  ``first[w]``/``last[w]`` are the end rows of each wire.
    """

    ptr: np.ndarray
    wires: np.ndarray
    prev: np.ndarray
    next: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def entry(self, row: int, wire: int) -> int:
        for e in range(self.ptr[row], self.ptr[row + 1]):
            if self.wires[e] == wire:
                return e
        raise KeyError(f"row {row} does not touch wire {wire}")

    def next_on(self, row: int, wire: int) -> int:
        return int(self.next[self.entry(row, wire)])

    def prev_on(self, row: int, wire: int) -> int:
        return int(self.prev[self.entry(row, wire)])

    def successors(self, row: int) -> set[int]:
        return {int(x) for x in self.next[self.ptr[row]:self.ptr[row + 1]] if x >= 0}

    def predecessors(self, row: int) -> set[int]:
        return {int(x) for x in self.prev[self.ptr[row]:self.ptr[row + 1]] if x >= 0}


def wire_index(circ) -> WireIndex:
    ptr, wires = circ.operands()
    nw = circ.num_qubits + circ.num_clbits
    prev, nxt, first, last = kernel("_dag").build_wire_index(ptr, wires, nw)
    for a in (prev, nxt, first, last):
        a.flags.writeable = False
    return WireIndex(ptr, wires, prev, nxt, first, last)


def depth(circ, two_qubit_only: bool = False) -> int:
    """Longest chain of rows; barriers count 0 and, with ``two_qubit_only``, so does every
    row that is not a two-qubit gate."""
    ptr, wires = circ.operands()
    if two_qubit_only:
        w = circ.two_qubit_mask()
    else:
        w = circ.op != BARRIER
    return kernel("_dag").circuit_depth(ptr, wires, np.ascontiguousarray(w, dtype=np.uint8),
                                        circ.num_qubits + circ.num_clbits)
