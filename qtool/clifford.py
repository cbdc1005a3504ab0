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


def as_clifford_by_blocks(circ: Circuit) -> Circuit | None:
    """Like :func:`as_clifford`, but judging whole two-qubit blocks and one-qubit runs.

    Re-synthesised blocks of a compiled Clifford circuit often hold non-Clifford angles
    that cancel inside the block (KAK local gates); the block as a whole is Clifford.
    Each maximal block (``collect_blocks``) and each leftover one-qubit run is replaced by
    a Clifford circuit synthesised from its matrix, or ``None`` is returned.
    """
    import numpy as np
    from qiskit.exceptions import QiskitError
    from qiskit.quantum_info import Clifford, Operator

    from ._kernels import kernel
    from .interop.qiskit import from_qiskit
    from .simulate import row_matrix

    n = len(circ)
    unitary = np.array([g.is_unitary for g in GATES.gates])[circ.op]
    if (circ.cond >= 0).any() or circ.exprs:
        return None
    ar = circ.arity()
    kind = np.where(unitary & (ar == 1), 1, np.where(unitary & (ar == 2), 2, 0)).astype(np.uint8)
    ptr, wires = circ.operands()
    block_of, bq, bptr, brows = kernel("_peephole").collect_blocks(ptr, wires, kind,
                                                                    circ.num_qubits)
    last_of_block = {int(brows[bptr[k + 1] - 1]): k for k in range(len(bptr) - 1)}
    in_block = np.zeros(n, dtype=bool)
    in_block[brows] = True
    b = circ.derive()
    pending: dict[int, np.ndarray] = {}

    def emit(qc_matrix, qubits) -> bool:
        flat = qc_matrix.reshape(-1)
        lead = flat[np.argmax(np.abs(flat) > 1e-6)]
        try:   # from_matrix wants the global phase removed
            cl = Clifford.from_matrix(qc_matrix * (abs(lead) / lead))
        except QiskitError:
            return False
        sub = from_qiskit(cl.to_circuit())
        b.extend(sub, qubit_map=list(qubits))
        return True

    def flush(q) -> bool:
        m = pending.pop(q, None)
        return m is None or emit(m, (q,))

    for i in range(n):
        qs = circ.qubits_of(i)
        if in_block[i]:
            k = last_of_block.get(i)
            if k is None:
                continue
            pair = [int(x) for x in bq[k]]
            for q in pair:
                if not flush(q):
                    return None
            rows = brows[bptr[k]:bptr[k + 1]]
            sub = Circuit.builder(2)
            for r in rows.tolist():
                sub.append(int(circ.op[r]), tuple(pair.index(q) for q in circ.qubits_of(r)),
                           circ.params_of(r), matrix=circ.mats.get(r))
            # qiskit's matrices are little-endian: reverse the pair for from_matrix
            if not emit(Operator(sub.build().to_qiskit()).data, pair):
                return None
            continue
        if kind[i] == 1:
            pending[qs[0]] = row_matrix(circ, i) @ pending.get(qs[0], np.eye(2))
            continue
        for q in qs:
            if not flush(q):
                return None
        if circ.name_of(i) == "barrier":
            b.append("barrier", qs)
            continue
        if not unitary[i]:
            return None
        sub = Circuit.builder(len(qs))
        sub.append(int(circ.op[i]), tuple(range(len(qs))), circ.params_of(i),
                   matrix=circ.mats.get(i))
        if not emit(Operator(sub.build().to_qiskit()).data, qs):
            return None
    for q in sorted(pending):
        if not flush(q):
            return None
    return b.build()


def clifford_equivalent(a: Circuit, b: Circuit) -> bool | None:
    """Whether ``a`` and ``b`` (same width) act alike up to global phase; ``None`` if
    either is not Clifford."""
    ca = as_clifford(a) or as_clifford_by_blocks(a)
    if ca is None:
        return None
    cb = as_clifford(b) or as_clifford_by_blocks(b)
    if cb is None:
        return None
    from qiskit.quantum_info import Clifford
    return bool(Clifford(ca.to_qiskit()) == Clifford(cb.to_qiskit()))
