"""Predicates of a circuit against a target (the ``routed`` and ``in_basis`` properties)."""
from __future__ import annotations

import numpy as np

from ..gates import BARRIER, GATES

__all__ = ["respects_coupling", "in_basis", "coupling_violations", "non_native_ops"]


def coupling_violations(circ, target) -> list[int]:
    """Rows whose qubits are not coupled on ``target`` (2Q gates: in the allowed direction
    for directed targets only when ``gate_2q`` is the row's gate)."""
    if circ.num_qubits > target.num_qubits:
        return list(range(len(circ)))
    bad = []
    ar = circ.arity()
    for i in np.flatnonzero((ar >= 2) & (circ.op != BARRIER)).tolist():
        qs = circ.qubits_of(i)
        if len(qs) != 2:
            bad.append(i)
            continue
        a, b = qs
        name = GATES[int(circ.op[i])].name
        ok = target.allows(a, b) if (target.directed and name == target.gate_2q) \
            else target.has_edge(a, b)
        if not ok:
            bad.append(i)
    return bad


def respects_coupling(circ, target) -> bool:
    return not coupling_violations(circ, target)


def non_native_ops(circ, target) -> set[str]:
    names = {GATES[int(o)].name for o in np.unique(circ.op)}
    return names - target.native_gates


def in_basis(circ, target) -> bool:
    return not non_native_ops(circ, target)
