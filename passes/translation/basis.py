"""Translation of every gate into the target's native gate set.

One-qubit gates are Euler-decomposed into the target's one-qubit basis (consecutive ones on a
qubit are fused first, see :mod:`.emit`); two-qubit gates are lowered with exact rules
(symbolic angles stay symbolic, papers.md section 6.8) or cached KAK templates into the
native two-qubit gate, written in an allowed direction on directed targets; gates on three
or more qubits are decomposed first (:mod:`qtool.passes.init.decompose`).  ``unitary`` rows
are synthesised numerically.  Directives, measurements and resets are copied.

Examples
--------
>>> from qtool import Circuit
>>> from qtool.targets import Target, in_basis
>>> c = Circuit.from_instructions(2, [("h", (0,)), ("swap", (0, 1))])
>>> t = Target("t", 2, [(0, 1)], gate_2q="ecr", directed=True)
>>> out = translate_to_basis(c, t)
>>> in_basis(out, t), out.count_ops()["ecr"]
(True, 3)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from qtool.circuit import FLAG_COND_VAL, Circuit
from qtool.errors import CompileError
from qtool.gates import GATES
from qtool.params import is_symbolic
from qtool.passmanager import Context, Pass
from qtool.synthesis import kak_count, kak_decompose

from ..init.decompose import decompose_row
from .emit import NativeEmitter
from .rows import TableWriter
from .rules import RULES, rule_cost

__all__ = ["TranslateToBasis", "translate_to_basis", "lower_gate"]


def lower_gate(em: NativeEmitter, name: str, qubits, params=(), matrix=None) -> None:
    """Lower one gate through the emitter ``em`` (any arity)."""
    n = len(qubits)
    if n == 1:
        if name == "unitary":
            em.matrix_1q(qubits[0], matrix)
        else:
            em.gate_1q(qubits[0], name, params)
    elif n == 2:
        _lower_2q(em, name, qubits[0], qubits[1], params, matrix)
    else:
        pieces, ph = decompose_row(name, qubits, params, matrix)
        em.add_phase(ph)
        for pn, pq, pp, pm in pieces:
            lower_gate(em, pn, pq, pp, pm)


def _lower_2q(em: NativeEmitter, name, a, b, params, matrix) -> None:
    native = em.native
    if name == native:
        em.native_gate(a, b, params)
        return
    if name == "cx":
        em.cx(a, b)
        return
    if name in ("swap", "dcx") and native == "iswap":
        em.fixed(name, a, b)      # KAK: 3 and 1 iswap, where the CX rules would need 6 and 4
        return
    if name == "swap":
        # three alternating CX; on a directed target the outer two run natively
        if em.directed and not em.target.allows(a, b) and em.target.allows(b, a):
            a, b = b, a
        em.cx(a, b)
        em.cx(b, a)
        em.cx(a, b)
        return
    if name == "dcx":
        em.cx(a, b)
        em.cx(b, a)
        return
    if name == "unitary":
        ops, ph = kak_decompose(matrix, native)
        em.kak(ops, ph, (a, b))
        return
    rule = RULES.get(name)
    if not params:
        if rule is not None and native == "rzz":
            rule(em, a, b)
        else:
            em.fixed(name, a, b)
        return
    if not any(is_symbolic(p) for p in params):
        cost = rule_cost(name, native)
        if cost > 1:
            mat = GATES.by_name[name].matrix(*(float(p) for p in params))
            if kak_count(mat, native) < cost:
                ops, ph = kak_decompose(mat, native)
                if sum(1 for op in ops if op[0] == "2q") < cost:
                    em.kak(ops, ph, (a, b))
                    return
    rule(em, a, b, *params)


def translate_to_basis(circ: Circuit, target) -> Circuit:
    """Function form of :class:`TranslateToBasis` for an explicit target."""
    b = TableWriter(circ)
    em = NativeEmitter(b, target)
    for i in range(len(circ)):
        g = circ.gate(i)
        if not g.is_unitary:
            em.copy_row(circ, i)
            continue
        qs = circ.qubits_of(i)
        ps = circ.params_of(i)
        m = circ.mats.get(i)
        cond = int(circ.cond[i])
        if cond >= 0:
            em.begin_condition(qs, cond, int(circ.flags[i] & FLAG_COND_VAL))
            lower_gate(em, g.name, qs, ps, m)
            em.end_condition(qs)
        else:
            lower_gate(em, g.name, qs, ps, m)
    em.finish()
    return b.build()


@dataclass(frozen=True)
class TranslateToBasis(Pass):
    """Rewrite every gate into ``ctx.target``'s native gates (exactly, phase included)."""

    establishes: ClassVar[frozenset] = frozenset({"in_basis", "decomposed"})
    invalidates: ClassVar[frozenset] = frozenset()
    stage: ClassVar[str] = "translation"

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        if ctx.target is None:
            raise CompileError("TranslateToBasis needs a target (ctx.target is None)")
        return translate_to_basis(circ, ctx.target)
