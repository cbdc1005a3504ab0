"""Cancellation of adjacent inverse pairs.

Two rows cancel when the second follows the first directly on every qubit, they act on the
same qubits (in the same order, or in any order for symmetric gates such as ``cz``,
``swap``, ``rzz``) and the second is the first's inverse: a self-inverse gate twice
(``cx``, ``h``, ``ecr`` ...), a fixed pair (``s``/``sdg``, ``t``/``tdg``, ``sx``/``sxdg``),
or a parameterised gate followed by its inverse with exactly negated parameters, symbolic
ones included (``rz(a)`` then ``rz(-a)``).  The scan runs in the Cython kernel
``qtool._ext._peephole.cancel_inverses`` and retries pairs that become adjacent, so one call
reaches the fixed point (the pass is idempotent).

Examples
--------
>>> from qtool import Circuit
>>> c = Circuit.from_instructions(2, [("h", (0,)), ("cx", (0, 1)), ("cx", (0, 1)), ("h", (0,))])
>>> len(cancel_inverses(c))
0
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit
from qtool.gates import GATES
from qtool.passmanager import Context, Pass

from ._rewrite import IS_NAMED, peephole, rebuild, symbolic_rows

__all__ = ["CancelInverses", "cancel_inverses", "inverse_keys"]

_SYM = np.array([g.symmetric for g in GATES.gates], dtype=np.uint8)


def inverse_keys(circ: Circuit) -> tuple[np.ndarray, np.ndarray]:
    """``(key, ikey)`` per row: ids of (gate, parameters) and of its inverse; ``-1`` for rows
    that never cancel (directives, measurements, conditioned or opaque rows).

    Numeric parameters are compared exactly (batched per gate with ``np.unique``); symbolic
    ones structurally, through :class:`~qtool.params.Expr` equality.
    """
    op = circ.op.astype(np.int64)
    ok = IS_NAMED[circ.op] & (circ.cond < 0)
    key = np.where(ok, op, -1)
    ikey = np.where(ok, GATES.inverse_op[circ.op].astype(np.int64), -1)
    with_params = ok & (GATES.nparams[circ.op] > 0)
    if not with_params.any():
        return key, ikey
    sym = symbolic_rows(circ)
    base = len(GATES)
    # numeric rows: rows (op, p0..p3) of the gate and of its inverse, interned together
    num = np.flatnonzero(with_params & ~sym)
    if len(num):
        kr = np.full((len(num), 5), np.nan)
        ir = np.full((len(num), 5), np.nan)
        has_inv = np.ones(len(num), dtype=bool)
        ops = circ.op[num]
        for o in np.unique(ops).tolist():
            sel = np.flatnonzero(ops == o)
            g = GATES[o]
            rows = num[sel]
            ps = [circ.params[circ.pidx[rows] + j] for j in range(g.num_params)]
            kr[sel, 0] = o
            kr[sel, 1:1 + g.num_params] = np.stack(ps, axis=1)
            if g.inverse is None:
                has_inv[sel] = False
                continue
            inv = GATES.by_name[g.inverse]
            ips = g.inverse_params(*ps) if g.inverse_params else ps
            ir[sel, 0] = inv.op
            ir[sel, 1:1 + inv.num_params] = np.stack(
                [np.broadcast_to(np.asarray(x, float), (len(sel),)) for x in ips], axis=1)
        both = np.concatenate([kr, ir]) + 0.0          # -0.0 -> 0.0
        both = np.nan_to_num(both, nan=np.inf)
        _, ids = np.unique(both, axis=0, return_inverse=True)
        ids = ids.reshape(-1) + base
        key[num] = ids[:len(num)]
        ikey[num] = np.where(has_inv, ids[len(num):], -1)
    # symbolic rows: structural equality of expressions
    srows = np.flatnonzero(with_params & sym)
    if len(srows):
        table: dict = {}
        nxt = int(max(key.max(), ikey.max(), base)) + 1
        for i in srows.tolist():
            g = GATES[int(op[i])]
            ps = circ.params_of(i)
            key[i] = table.setdefault((g.op, ps), nxt + len(table))
            if g.inverse is None:
                ikey[i] = -1
                continue
            inv = GATES.by_name[g.inverse]
            ips = tuple(g.inverse_params(*ps)) if g.inverse_params else ps
            ikey[i] = table.setdefault((inv.op, ips), nxt + len(table))
    return key, ikey


def cancel_inverses(circ: Circuit, ctx: Context | None = None) -> Circuit:
    """Function form of :class:`CancelInverses`."""
    if len(circ) < 2:
        return circ
    key, ikey = inverse_keys(circ)
    if not (ikey >= 0).any():
        return circ
    ptr, wires = circ.operands()
    keep = peephole().cancel_inverses(ptr, wires, key, ikey, _SYM[circ.op],
                                      circ.num_qubits + circ.num_clbits)
    if keep.all():
        return circ
    return rebuild(circ, keep.astype(bool))


@dataclass(frozen=True)
class CancelInverses(Pass):
    """Remove adjacent inverse pairs until none is left (see the module docstring)."""

    invalidates: ClassVar[frozenset] = frozenset()
    stage: ClassVar[str] = "optimization"

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        return cancel_inverses(circ)
