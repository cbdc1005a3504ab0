"""A fast, append-only writer of instruction tables for rewriting passes.

:class:`TableWriter` has the part of :class:`~qtool.CircuitBuilder`'s interface that
rewriting passes use (``append``, ``extend``, ``global_phase``, ``build``, ``len``), but
copies rows of an existing circuit as index ranges and assembles the final arrays with
numpy in :meth:`build`.  Appended rows are trusted (they come from passes, not users): no
validation beyond the gate table lookup.  Copying 100k rows costs milliseconds instead of
the builder's per-row Python work.

Examples
--------
>>> from qtool import Circuit
>>> c = Circuit.from_instructions(2, [("h", (0,)), ("cx", (0, 1)), ("rz", (1,), (0.5,))])
>>> w = TableWriter(c)
>>> w.extend(c, [0, 2]); _ = w.append("x", (1,))
>>> w.build().count_ops()
{'h': 1, 'rz': 1, 'x': 1}
"""
from __future__ import annotations

import numpy as np

from qtool.circuit import push_params, FLAG_COND_VAL, FLAG_WIDE, Circuit
from qtool.gates import GATES, UNITARY_OP
from qtool.params import Expr

__all__ = ["TableWriter", "splice"]

_NP = GATES.nparams
_OP = {g.name: g.op for g in GATES.gates}


class TableWriter:
    """Rows copied from circuits and rows appended, assembled into a new :class:`Circuit`
    carrying ``base``'s registers, layout, name and global phase."""

    def __init__(self, base: Circuit):
        self.base = base
        self.num_qubits = base.num_qubits
        self.num_clbits = base.num_clbits
        self.global_phase = base.global_phase
        self._chunks: list = []          # ("rows", circ, idx) | ("new", start, stop)
        self._n = 0
        # appended rows
        self._op: list[int] = []
        self._q: list[tuple] = []
        self._cond: list[int] = []
        self._flags: list[int] = []
        self._params: list[float] = []
        self._pstart: list[int] = []
        self._exprs: dict[int, Expr] = {}
        self._mats: dict[int, np.ndarray] = {}
        self._open = -1                  # start (in appended rows) of the open "new" chunk

    def __len__(self) -> int:
        return self._n

    def _close(self) -> None:
        if self._open >= 0:
            self._chunks.append(("new", self._open, len(self._op)))
            self._open = -1

    def extend(self, circ: Circuit, rows=None) -> None:
        """Copy rows (all, or the indices ``rows``) of ``circ`` unchanged."""
        idx = np.arange(len(circ)) if rows is None else np.asarray(rows, dtype=np.int64)
        if not len(idx):
            return
        self._close()
        self._chunks.append(("rows", circ, idx))
        self._n += len(idx)

    def append(self, gate, qubits, params=(), *, cond: int = -1, cond_val: int = 1,
               matrix: np.ndarray | None = None) -> int:
        """Append one row (``gate`` is a name or op id; at most 3 qubits)."""
        op = _OP[gate] if type(gate) is str else int(gate)
        if self._open < 0:
            self._open = len(self._op)
        k = len(self._op)
        self._op.append(op)
        nq = len(qubits)
        if nq == 1:
            self._q.append((qubits[0], -1, -1))
        elif nq == 2:
            self._q.append((qubits[0], qubits[1], -1))
        else:
            self._q.append(tuple(qubits) + (-1,) * (3 - nq))
        self._cond.append(cond)
        self._flags.append(FLAG_COND_VAL if cond_val else 0)
        self._pstart.append(len(self._params))
        push_params(params, self._params, self._exprs)
        if op == UNITARY_OP:
            self._mats[k] = np.asarray(matrix, dtype=complex)
        self._n += 1
        return self._n - 1

    def build(self) -> Circuit:
        self._close()
        n = self._n
        op = np.empty(n, np.uint16)
        qargs = np.empty((n, 3), np.int32)
        cargs = np.empty(n, np.int32)
        cond = np.empty(n, np.int32)
        flags = np.empty(n, np.uint8)
        # output positions of each source's rows and of the appended rows
        by_src: dict[int, tuple[Circuit, list, list]] = {}
        new_pos = np.empty(len(self._op), np.int64)
        pos = 0
        for ch in self._chunks:
            if ch[0] == "rows":
                c, idx = ch[1], ch[2]
                ent = by_src.setdefault(id(c), (c, [], []))
                ent[1].append(idx)
                ent[2].append(np.arange(pos, pos + len(idx)))
                pos += len(idx)
            else:
                a, b = ch[1], ch[2]
                new_pos[a:b] = np.arange(pos, pos + b - a)
                pos += b - a
        srcs = []
        for c, idxs, poss in by_src.values():
            rows = np.concatenate(idxs)
            at = np.concatenate(poss)
            srcs.append((c, rows, at))
            op[at] = c.op[rows]
            qargs[at] = c.qargs[rows]
            cargs[at] = c.cargs[rows]
            cond[at] = c.cond[rows]
            flags[at] = c.flags[rows]
        if len(self._op):
            op[new_pos] = self._op
            qargs[new_pos] = np.array(self._q, np.int32).reshape(-1, 3)
            cargs[new_pos] = -1
            cond[new_pos] = self._cond
            flags[new_pos] = self._flags
        k = _NP[op].astype(np.int64)
        pidx = np.zeros(n, np.int64)
        if n:
            np.cumsum(k[:-1], out=pidx[1:])
        params = np.empty(int(k.sum()), np.float64)
        exprs: dict[int, Expr] = {}
        wide: dict[int, tuple] = {}
        mats: dict[int, np.ndarray] = {}
        for c, rows, at in srcs:
            src, dst = _slots(c.pidx[rows].astype(np.int64), pidx[at], k[at])
            params[dst] = c.params[src]
            if c.exprs:
                m = np.full(len(c.params), -1, np.int64)
                m[src] = dst
                for s, e in c.exprs.items():
                    if m[s] >= 0:
                        exprs[int(m[s])] = e
            if c.wide or c.mats:
                rm = np.full(len(c), -1, np.int64)
                rm[rows] = at
                for i, w in c.wide.items():
                    if rm[i] >= 0:
                        wide[int(rm[i])] = w
                for i, mt in c.mats.items():
                    if rm[i] >= 0:
                        mats[int(rm[i])] = mt
        if len(self._op):
            src, dst = _slots(np.array(self._pstart, np.int64), pidx[new_pos], k[new_pos])
            params[dst] = np.array(self._params, np.float64)[src]
            if self._exprs:
                m = np.full(len(self._params), -1, np.int64)
                m[src] = dst
                for s, e in self._exprs.items():
                    exprs[int(m[s])] = e
            for j, mt in self._mats.items():
                mats[int(new_pos[j])] = mt
        for i in wide:
            flags[i] |= FLAG_WIDE
        b = self.base
        return Circuit(self.num_qubits, self.num_clbits, op, qargs, cargs, cond, flags,
                       pidx.astype(np.int32), params, exprs=exprs, wide=wide, mats=mats,
                       qregs=b.qregs, cregs=b.cregs, global_phase=self.global_phase,
                       layout=b.layout, name=b.name)


def _slots(starts: np.ndarray, dst_starts: np.ndarray, counts: np.ndarray):
    """Source and destination parameter slots of rows with ``counts`` parameters each."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    offs = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + offs, np.repeat(dst_starts, counts) + offs


def splice(circ: Circuit, keep: np.ndarray, at: dict | None = None, phase=0.0) -> Circuit:
    """``circ`` without the rows where ``keep`` is False, with the gates ``at[i]`` --
    tuples ``(name, qubits, params)`` -- inserted after row ``i`` (kept or not), and
    ``phase`` added to the global phase."""
    w = TableWriter(circ)
    keep = np.asarray(keep, dtype=bool)
    start = 0
    for p in sorted(at or ()):
        w.extend(circ, np.flatnonzero(keep[start:p + 1]) + start)
        for g in at[p]:
            w.append(*g)
        start = p + 1
    w.extend(circ, np.flatnonzero(keep[start:]) + start)
    if not (isinstance(phase, float) and phase == 0.0):
        w.global_phase = w.global_phase + phase
    return w.build()
