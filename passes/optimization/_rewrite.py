"""Small helpers shared by the optimisation passes: row masks and table rebuilding."""
from __future__ import annotations

import numpy as np

from qtool.circuit import Circuit
from qtool.gates import GATES, UNITARY_OP

from ..translation.rows import splice

__all__ = ["IS_UNITARY", "symbolic_rows", "rebuild", "peephole"]

#: op id -> whether the gate is unitary (``unitary`` rows included; directives excluded)
IS_UNITARY = np.array([g.is_unitary for g in GATES.gates], dtype=bool)
#: op id -> whether the gate is a named unitary (no opaque matrix)
IS_NAMED = IS_UNITARY.copy()
IS_NAMED[UNITARY_OP] = False


def peephole():
    from qtool._kernels import kernel
    return kernel("_peephole")


def symbolic_rows(circ: Circuit) -> np.ndarray:
    """Rows with at least one symbolic parameter."""
    n = len(circ)
    out = np.zeros(n, dtype=bool)
    if not circ.exprs:
        return out
    k = GATES.nparams[circ.op]
    rows = np.flatnonzero(k > 0)
    counts = k[rows]
    starts = np.repeat(circ.pidx[rows], counts)
    offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    slot_row = np.full(len(circ.params), -1, dtype=np.int64)
    slot_row[starts + offs] = np.repeat(rows, counts)
    out[slot_row[np.fromiter(circ.exprs, dtype=np.int64, count=len(circ.exprs))]] = True
    return out


def rebuild(circ: Circuit, keep: np.ndarray, at: dict | None = None,
            phase=0.0) -> Circuit:
    """A copy of ``circ`` with the rows where ``keep`` is False removed, and after row ``i``
    (kept or not) the gates ``at[i]`` -- tuples ``(name, qubits, params)`` -- appended.
    ``phase`` is added to the global phase (see :func:`qtool.passes.translation.rows.splice`).
    """
    return splice(circ, keep, at, phase)
