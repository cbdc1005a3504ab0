"""Decomposition of gates on three or more qubits into one- and two-qubit gates.

* ``ccx`` -- the textbook 6-CX, 7-T construction (Nielsen & Chuang fig. 4.9);
* ``ccz`` -- the same without the target's Hadamards;
* ``cswap`` -- ``cx c,b; ccx a,b,c; cx c,b``;
* opaque ``unitary`` rows on three or more qubits -- quantum Shannon decomposition
  (:func:`qiskit.synthesis.qs_decomposition`, through :func:`qtool.synthesis.qsd_decompose`).

One- and two-qubit rows (``unitary`` included), barriers, measurements and resets are kept.
A conditioned row's pieces all carry its condition.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import FLAG_COND_VAL, Circuit
from qtool.gates import BARRIER
from qtool.passmanager import Context, Pass
from qtool.synthesis import qsd_decompose, zyz_angles

__all__ = ["DecomposeMultiQubit", "decompose_multi_qubit", "decompose_row"]


def _ccz_body(a, b, c):
    return [("cx", (b, c)), ("tdg", (c,)), ("cx", (a, c)), ("t", (c,)), ("cx", (b, c)),
            ("tdg", (c,)), ("cx", (a, c)), ("t", (b,)), ("t", (c,)), ("cx", (a, b)),
            ("t", (a,)), ("tdg", (b,)), ("cx", (a, b))]


def decompose_row(name: str, qubits, params=(), matrix: np.ndarray | None = None):
    """Pieces of a gate on >= 3 qubits: ``([(name, qubits, params, matrix)], phase)``.

    Rows on fewer qubits come back unchanged.
    """
    qs = tuple(qubits)
    if len(qs) < 3:
        return [(name, qs, tuple(params), matrix)], 0.0
    if name == "ccz":
        return [(n, q, (), None) for n, q in _ccz_body(*qs)], 0.0
    if name == "ccx":
        a, b, c = qs
        body = [("h", (c,))] + _ccz_body(a, b, c) + [("h", (c,))]
        return [(n, q, (), None) for n, q in body], 0.0
    if name == "cswap":
        a, b, c = qs
        inner, ph = decompose_row("ccx", (a, b, c))
        return [("cx", (c, b), (), None)] + inner + [("cx", (c, b), (), None)], ph
    if name == "unitary":
        ops, phase = qsd_decompose(matrix)
        out = []
        for n, q, ps in ops:
            mq = tuple(qs[k] for k in q)
            if n == "unitary" and len(q) == 1:     # prefer a named gate for 1Q pieces
                theta, phi, lam, ph = zyz_angles(ps)
                out.append(("u", mq, (theta, phi, lam), None))
                phase += ph
            elif n == "unitary":
                out.append((n, mq, (), ps))
            else:
                out.append((n, mq, ps, None))
        return out, phase
    raise ValueError(f"cannot decompose {name} on {len(qs)} qubits")


@dataclass(frozen=True)
class DecomposeMultiQubit(Pass):
    """Rewrite every gate on three or more qubits into one- and two-qubit gates."""

    establishes: ClassVar[frozenset] = frozenset({"decomposed"})
    invalidates: ClassVar[frozenset] = frozenset({"in_basis"})
    stage: ClassVar[str] = "init"

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        ar = circ.arity()
        big = np.flatnonzero((ar >= 3) & (circ.op != BARRIER))
        if not len(big):
            return circ
        b = circ.derive()
        start = 0
        phase = 0.0
        for i in big.tolist():
            b.extend(circ, range(start, i))
            start = i + 1
            g = circ.gate(i)
            pieces, ph = decompose_row(g.name, circ.qubits_of(i), circ.params_of(i),
                                       circ.mats.get(i))
            cond = int(circ.cond[i])
            cval = int(circ.flags[i] & FLAG_COND_VAL)
            if cond < 0:
                phase += ph
            for n, q, ps, m in pieces:
                b.append(n, q, ps, cond=cond, cond_val=cval, matrix=m)
        b.extend(circ, range(start, len(circ)))
        b.global_phase = b.global_phase + phase
        return b.build()


def decompose_multi_qubit(circ: Circuit, ctx: Context | None = None) -> Circuit:
    """Function form of :class:`DecomposeMultiQubit`."""
    return DecomposeMultiQubit()(circ, ctx)

