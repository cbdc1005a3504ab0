"""Exact equivalence of Clifford circuits at any width, through stabilizer tableaux.

Compiled Clifford circuits (GHZ, graph states, Bernstein-Vazirani ...) carry their
single-qubit gates as ``rz``/``sx`` with float angles; :func:`as_clifford` snaps angles
within ``1e-9`` of a multiple of pi/2 to the named Clifford gate, then Qiskit's
``Clifford`` tableau decides equivalence up to global phase in O(n^2) per gate.
"""
from __future__ import annotations

import math

from .circuit import Circuit
from .gates import GATES

__all__ = ["as_clifford", "clifford_equivalent"]

_NAMED = {"id", "x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "cx", "cy", "cz", "swap", "ecr",
          "iswap", "dcx", "barrier"}
_Z_QUARTER = {0: (), 1: ("s",), 2: ("z",), 3: ("sdg",)}
_X_QUARTER = {0: (), 1: ("sx",), 2: ("x",), 3: ("sxdg",)}
_Y_QUARTER = {0: (), 1: ("sdg", "sx", "s"), 2: ("y",), 3: ("sdg", "sxdg", "s")}


def _quarter(theta) -> int | None:
    if not isinstance(theta, float):
        return None
    k = theta / (math.pi / 2)
    r = round(k)
    return r % 4 if abs(k - r) < 1e-9 else None


def as_clifford(circ: Circuit) -> Circuit | None:
    """The circuit with every gate as a named Clifford, or ``None`` if one is not."""
    b = circ.derive()
    for i in range(len(circ)):
        name, qs, ps = circ.name_of(i), circ.qubits_of(i), circ.params_of(i)
        if circ.cond[i] >= 0 or not GATES.by_name[name].is_unitary and name != "barrier":
            return None
        if name in _NAMED:
            b.append(name, qs)
            continue
        table = {"rz": _Z_QUARTER, "p": _Z_QUARTER, "u1": _Z_QUARTER, "rx": _X_QUARTER,
                 "ry": _Y_QUARTER}.get(name)
        k = _quarter(ps[0]) if table is not None else None
        if k is None:
            return None
        for g in table[k]:
            b.append(g, qs)
    return b.build()


def clifford_equivalent(a: Circuit, b: Circuit) -> bool | None:
    """Whether ``a`` and ``b`` (same width) act alike up to global phase; ``None`` if
    either is not Clifford."""
    ca, cb = as_clifford(a), as_clifford(b)
    if ca is None or cb is None:
        return None
    from qiskit.quantum_info import Clifford
    return bool(Clifford(ca.to_qiskit()) == Clifford(cb.to_qiskit()))
