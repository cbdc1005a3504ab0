"""Small dense simulators, for verification and tests (up to ~14 qubits for unitaries,
~26 for statevectors).

Convention: big-endian, qubit 0 is the most significant bit of a basis index (so the
matrix of a one-row circuit equals the gate's matrix).  Measurements, resets and
conditions are rejected: these simulate unitary circuits only.
"""
from __future__ import annotations

import numpy as np

from .gates import BARRIER, GATES, UNITARY_OP
from .params import Expr

__all__ = ["unitary", "statevector", "apply_rows", "row_matrix"]


def row_matrix(circ, i: int) -> np.ndarray:
    """The matrix of row ``i`` (parameters must be bound)."""
    op = int(circ.op[i])
    if op == UNITARY_OP:
        return circ.mats[i]
    g = GATES[op]
    if not g.is_unitary:
        raise ValueError(f"row {i}: {g.name} is not unitary")
    ps = circ.params_of(i)
    if any(isinstance(p, Expr) for p in ps):
        raise ValueError(f"row {i}: {g.name} has unbound parameters; bind them first")
    return g.matrix(*ps)


def apply_rows(state: np.ndarray, circ, num_qubits: int) -> np.ndarray:
    """Apply every row of ``circ`` to ``state`` shaped ``(2,)*n + rest``; returns new array."""
    for i in range(len(circ)):
        if circ.op[i] == BARRIER:
            continue
        if circ.cond[i] >= 0:
            raise ValueError(f"row {i}: conditioned rows cannot be simulated as a unitary")
        qs = circ.qubits_of(i)
        m = row_matrix(circ, i)
        k = len(qs)
        t = m.reshape((2,) * (2 * k))
        state = np.tensordot(t, state, axes=(list(range(k, 2 * k)), list(qs)))
        # tensordot puts the k output axes first: move them back into place
        state = np.moveaxis(state, list(range(k)), list(qs))
    return state


def _phase(circ) -> complex:
    gp = circ.global_phase
    if isinstance(gp, Expr):
        gp = float(gp)  # raises for unbound symbols
    return np.exp(1j * gp)


def unitary(circ) -> np.ndarray:
    n = circ.num_qubits
    if n > 14:
        raise ValueError(f"{n} qubits is too many for a dense unitary")
    state = np.eye(1 << n, dtype=complex).reshape((2,) * n + (1 << n,))
    state = apply_rows(state, circ, n)
    return _phase(circ) * state.reshape(1 << n, 1 << n)


def statevector(circ, initial: np.ndarray | None = None) -> np.ndarray:
    n = circ.num_qubits
    if n > 28:
        raise ValueError(f"{n} qubits is too many for a dense statevector")
    if initial is None:
        state = np.zeros(1 << n, dtype=complex)
        state[0] = 1
    else:
        state = np.asarray(initial, dtype=complex)
    state = apply_rows(state.reshape((2,) * n), circ, n)
    return _phase(circ) * state.reshape(-1)
