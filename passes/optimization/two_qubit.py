"""Resynthesis of two-qubit blocks with KAK.

A *block* is a maximal set of gates on one pair of qubits (with the one-qubit gates between
and just before them), collected by the Cython kernel
``qtool._ext._peephole.collect_blocks``.  Each block's 4x4 unitary is re-synthesised with
:func:`qtool.synthesis.kak_decompose` in the target's native 2Q gate (exact, no
approximation) when that strictly lowers the native-2Q count, or keeps it and either brings
non-native gates into the basis or shortens the block.  Output is native and in allowed
directions, on the same pair of qubits, so ``routed`` and ``in_basis`` survive.  Blocks
with symbolic parameters are left alone (numeric resynthesis is deferred to bind time).

This is the main lever on routing artefacts: ``swap`` followed by ``cx`` on the same pair
is 4 CX as written and 2 after consolidation.

Examples
--------
>>> from qtool import Circuit
>>> c = Circuit.from_instructions(2, [("swap", (0, 1)), ("cx", (0, 1))])
>>> consolidate_two_qubit_blocks(c).count_ops()["cx"]
2
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit
from qtool.gates import GATES, UNITARY_OP
from qtool.passmanager import Context, Pass
from qtool.synthesis import kak_count, kak_decompose, matrices_1q

from ..translation.emit import NativeEmitter
from ..translation.euler import OneQubitBasis
from ..translation.rows import TableWriter
from ._rewrite import IS_UNITARY, peephole, symbolic_rows

__all__ = ["ConsolidateTwoQubitBlocks", "consolidate_two_qubit_blocks"]


@lru_cache(maxsize=None)
def _fixed_cost(name: str, native: str) -> int:
    return kak_count(GATES.by_name[name].matrix(), native)


def _row_cost(circ: Circuit, i: int, native: str) -> int:
    """Native 2Q gates row ``i`` needs on its own."""
    g = circ.gate(i)
    if g.name == native:
        return 1
    if g.op == UNITARY_OP:
        return kak_count(circ.mats[i], native)
    if g.num_params == 0:
        return _fixed_cost(g.name, native)
    return kak_count(g.matrix(*circ.params_of(i)), native)


def _kron2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x[:, None, :, None] * y[None, :, None, :]).reshape(4, 4)


def _block_unitary(circ: Circuit, rows, pair, m1: dict, q0: list, q1: list) -> np.ndarray:
    """4x4 unitary (big-endian on ``pair``) of the block's rows, in order.

    One-qubit rows are multiplied per qubit and applied once before the next 2Q row.
    ``q0``/``q1`` are the first two qubit columns of the table, as lists."""
    a, b = pair
    u = None
    pa = pb = None
    for i in rows:
        if q1[i] < 0:
            m = m1[i]
            if q0[i] == a:
                pa = m if pa is None else m @ pa
            else:
                pb = m if pb is None else m @ pb
            continue
        g = circ.gate(i)
        m = circ.mats[i] if g.op == UNITARY_OP else g.matrix(*circ.params_of(i))
        if q0[i] != a:
            m = m.reshape(2, 2, 2, 2).transpose(1, 0, 3, 2).reshape(4, 4)
        if pa is not None or pb is not None:
            m = m @ _kron2(_I2 if pa is None else pa, _I2 if pb is None else pb)
            pa = pb = None
        u = m if u is None else m @ u
    if pa is not None or pb is not None:
        k = _kron2(_I2 if pa is None else pa, _I2 if pb is None else pb)
        u = k if u is None else k @ u
    return np.eye(4, dtype=complex) if u is None else u


_I2 = np.eye(2, dtype=complex)


def consolidate_two_qubit_blocks(circ: Circuit, target=None) -> Circuit:
    """Function form of :class:`ConsolidateTwoQubitBlocks` for an explicit target (or none)."""
    n = len(circ)
    if n == 0:
        return circ
    native = "cx" if target is None else target.gate_2q
    basis = OneQubitBasis.for_target(target)
    ar = circ.arity()
    ok = IS_UNITARY[circ.op] & (circ.cond < 0) & ~symbolic_rows(circ)
    kind = np.where(ok & (ar == 1), 1, np.where(ok & (ar == 2), 2, 0)).astype(np.uint8)
    ptr, wires = circ.operands()
    _, bq, bptr, brows = peephole().collect_blocks(ptr, wires, kind, circ.num_qubits)
    if len(bq) == 0:
        return circ
    natives = _native_names(target)
    two = kind == 2
    non_native = ~natives[circ.op]
    # rows that may change: blocks with two or more 2Q rows or a non-native row
    n2 = np.add.reduceat(two[brows].astype(np.int64), bptr[:-1])
    nn = np.add.reduceat(non_native[brows].astype(np.int64), bptr[:-1])
    cand = np.flatnonzero((n2 >= 2) | (nn > 0))
    if not len(cand):
        return circ
    cand_rows = np.concatenate([brows[bptr[k]:bptr[k + 1]] for k in cand])
    one = cand_rows[kind[cand_rows] == 1]
    m1 = dict(zip(one.tolist(), matrices_1q(circ, one)))
    q0 = circ.qargs[:, 0].tolist()
    q1 = circ.qargs[:, 1].tolist()
    replace: dict[int, tuple] = {}          # last row -> (block index, ops, phase)
    for k in cand.tolist():
        rows = brows[bptr[k]:bptr[k + 1]].tolist()
        pair = (int(bq[k, 0]), int(bq[k, 1]))
        old = sum(_row_cost(circ, i, native) for i in rows if kind[i] == 2)
        u = _block_unitary(circ, rows, pair, m1, q0, q1)
        new = kak_count(u, native)
        if new > old or (new == old and nn[k] == 0 and n2[k] <= 1):
            continue
        ops, ph = kak_decompose(u, native)
        new = sum(1 for op in ops if op[0] == "2q")   # exact synthesis may need one more
        if new > old or (new == old and nn[k] == 0 and n2[k] <= 1):
            continue
        if new == old and nn[k] == 0:
            # same 2Q count, all native already: only worth it if the block gets shorter
            if _synth_len(circ, target, basis, ops, ph, pair) >= len(rows):
                continue
        replace[rows[-1]] = (k, ops, ph)
    if not replace:
        return circ
    skip = np.zeros(n, dtype=bool)
    for k, _, _ in replace.values():
        skip[brows[bptr[k]:bptr[k + 1]]] = True
    b = TableWriter(circ)
    em = NativeEmitter(b, target, basis)
    start = 0
    for last in sorted(replace):
        b.extend(circ, np.flatnonzero(~skip[start:last + 1]) + start)
        k, ops, ph = replace[last]
        pair = (int(bq[k, 0]), int(bq[k, 1]))
        em.kak(ops, ph, pair)
        em.flush(pair[0])
        em.flush(pair[1])
        start = last + 1
    b.extend(circ, np.flatnonzero(~skip[start:]) + start)
    em.finish()
    return b.build()


def _synth_len(circ, target, basis, ops, ph, pair) -> int:
    scratch = TableWriter(circ)
    em = NativeEmitter(scratch, target, basis)
    em.kak(ops, ph, pair)
    em.flush_all()
    return len(scratch)


def _native_names(target) -> np.ndarray:
    if target is None:
        m = np.array([g.num_qubits != 2 or g.name == "cx" for g in GATES.gates], dtype=bool)
    else:
        m = np.array([g.name in target.native_gates for g in GATES.gates], dtype=bool)
    m[UNITARY_OP] = False
    return m


@dataclass(frozen=True)
class ConsolidateTwoQubitBlocks(Pass):
    """Re-synthesise two-qubit blocks with KAK when that lowers the native-2Q count."""

    invalidates: ClassVar[frozenset] = frozenset()
    stage: ClassVar[str] = "optimization"

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        return consolidate_two_qubit_blocks(circ, ctx.target)

