"""Fusion of one-qubit runs into the target's one-qubit basis.

A *run* is a maximal sequence of unconditioned one-qubit gates on one qubit with nothing
else on that qubit in between (collected by the Cython kernel
``qtool._ext._peephole.collect_runs``).  Numeric runs are multiplied out (batched with
numpy) and Euler-decomposed; a run is replaced only when it holds a gate outside the basis
or the new sequence is no longer and strictly cheaper (fewer pulses, then fewer gates).
Runs with symbolic parameters are never evaluated: only their numeric stretches are fused,
and rotations about the same axis that meet are merged by adding angles
(``rz(a) rz(b) -> rz(a + b)``), which is exact for every value (papers.md section 6.8).
Numeric identities vanish (their phase goes to the global phase).

Examples
--------
>>> from qtool import Circuit
>>> c = Circuit.from_instructions(1, [("h", (0,)), ("s", (0,)), ("h", (0,))])
>>> merge_one_qubit_runs(c).count_ops()
{'u': 1}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit
from qtool.gates import GATES, UNITARY_OP
from qtool.passmanager import Context, Pass
from qtool.synthesis import matrices_1q, zyz_angles

from ..translation.euler import OneQubitBasis
from ._rewrite import IS_UNITARY, peephole, rebuild, symbolic_rows

__all__ = ["MergeOneQubitRuns", "merge_one_qubit_runs"]


def _run_products(mats: np.ndarray, run_ptr: np.ndarray) -> np.ndarray:
    """Product (last @ ... @ first) of each run's matrices, batched over runs."""
    nruns = len(run_ptr) - 1
    lens = np.diff(run_ptr)
    acc = np.broadcast_to(np.eye(2, dtype=complex), (nruns, 2, 2)).copy()
    for k in range(int(lens.max()) if nruns else 0):
        active = np.flatnonzero(lens > k)
        acc[active] = mats[run_ptr[active] + k] @ acc[active]
    return acc


def merge_one_qubit_runs(circ: Circuit, target=None) -> Circuit:
    """Function form of :class:`MergeOneQubitRuns` for an explicit target (or none)."""
    n = len(circ)
    if n == 0:
        return circ
    basis = OneQubitBasis.for_target(target)
    eligible = (circ.arity() == 1) & IS_UNITARY[circ.op] & (circ.cond < 0)
    ptr, wires = circ.operands()
    _, run_ptr, run_rows = peephole().collect_runs(ptr, wires, eligible.astype(np.uint8),
                                                   circ.num_qubits)
    nruns = len(run_ptr) - 1
    if nruns == 0:
        return circ
    sym = symbolic_rows(circ)
    run_sym = np.add.reduceat(sym[run_rows].astype(np.int64), run_ptr[:-1]) > 0 \
        if len(run_rows) else np.zeros(0, bool)
    # batched numeric path: products and Euler angles of every all-numeric run
    num_runs = np.flatnonzero(~run_sym)
    numeric = {}
    if len(num_runs):
        sel_lens = np.diff(run_ptr)[num_runs]
        sub_ptr = np.zeros(len(num_runs) + 1, np.int64)
        np.cumsum(sel_lens, out=sub_ptr[1:])
        rows = np.concatenate([run_rows[run_ptr[r]:run_ptr[r + 1]] for r in num_runs])
        prods = _run_products(matrices_1q(circ, rows), sub_ptr)
        th, ph, la, al = zyz_angles(prods)
        for k, r in enumerate(num_runs.tolist()):
            numeric[r] = (float(th[k]), float(ph[k]), float(la[k]), float(al[k]))
    native = _native_mask(basis)
    op = circ.op
    keep = np.ones(n, dtype=bool)
    at: dict[int, list] = {}
    phase = 0.0
    for r in range(nruns):
        rows = run_rows[run_ptr[r]:run_ptr[r + 1]]
        if r in numeric:
            theta, phi, lam, alpha = numeric[r]
            gates, ph = basis.synth_u(theta, phi, lam)
            ph = alpha + ph
        else:
            items, ph = [], 0.0
            for i in rows.tolist():
                if op[i] == UNITARY_OP:
                    items.append(("m", circ.mats[i]))
                    continue
                it, p = basis.items_of(GATES[int(op[i])].name, circ.params_of(i))
                items += it
                ph = ph + p
            gates, p = basis.fuse(items)
            ph = ph + p
        old_native = bool(native[op[rows]].all())
        if old_native:
            old = [(GATES[int(o)].name, None) for o in op[rows]]
            if not (len(gates) <= len(rows) and basis.cost(gates) < basis.cost(old)):
                continue
        q = int(wires[ptr[rows[0]]])
        keep[rows] = False
        at[int(rows[-1])] = [(g, (q,), ps) for g, ps in gates]
        phase = phase + ph
    if not at:
        return circ
    return rebuild(circ, keep, at, phase)


def _native_mask(basis: OneQubitBasis) -> np.ndarray:
    m = np.array([basis.allows(g.name) for g in GATES.gates], dtype=bool)
    m[UNITARY_OP] = False
    return m


@dataclass(frozen=True)
class MergeOneQubitRuns(Pass):
    """Fuse every maximal one-qubit run into the target's basis when that is cheaper."""

    invalidates: ClassVar[frozenset] = frozenset()
    stage: ClassVar[str] = "optimization"

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        return merge_one_qubit_runs(circ, ctx.target)
