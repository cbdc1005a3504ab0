"""Cancellation and merging of gates that meet after commuting through others.

Every operand of a gate gets a commutation class on its qubit: *Z* when the gate is
block-diagonal in that qubit's computational basis (``rz``, ``s``, ``t``, a ``cx``
control, both qubits of ``cz``/``rzz``/``cp``), *X* when it is block-diagonal in the X
basis (``x``, ``sx``, ``rx``, a ``cx`` target, ``rxx``, the second qubit of ``ecr``), else
none.  Each qubit wire is cut
into *groups* of consecutive operands of one class (Cython kernel
``qtool._ext._peephole.commutation_groups``).  Two gates that share every one of their
qubits' groups commute with everything between them, so

* an inverse pair in the same groups cancels (``cx`` pairs around ``rz`` on the control,
  ``rz(a) ... rz(-a)`` across ``cx`` controls, symbolic angles included);
* the one-qubit Z-diagonal gates of one group merge into one ``rz`` (angles added, symbolic
  ones as expressions), the X-axis ones into ``sx``/``x``/``rx`` where the basis has them.

Rounds repeat until nothing changes (at most ``max_rounds``).  Only gates of the target's
basis are emitted, so ``in_basis`` (and ``routed``) survive.

Examples
--------
>>> from qtool import Circuit, Parameter
>>> a = Parameter("a")
>>> c = Circuit.from_instructions(2, [("rz", (0,), (a,)), ("cx", (0, 1)), ("rz", (0,), (-a,)),
...                                   ("cx", (0, 1))])
>>> len(commutative_cancellation(c))
0
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit
from qtool.gates import DIAG, GATES, XAXIS
from qtool.params import Expr, ParamLike, is_symbolic
from qtool.params import simplify as _simp
from qtool.synthesis import wrap_angle
from qtool.passmanager import Context, Pass

from ._rewrite import IS_NAMED, peephole, rebuild
from .cancel import _SYM, inverse_keys

__all__ = ["CommutativeCancellation", "commutative_cancellation", "COMM_CLASS"]

CZ, CX_ = 1, 2
PI = math.pi

_ROLES = {
    "cx": (CZ, CX_), "cy": (CZ, 0), "ch": (CZ, 0), "crx": (CZ, CX_), "cry": (CZ, 0),
    "csx": (CZ, CX_), "cu": (CZ, 0), "cu3": (CZ, 0), "rzx": (CZ, CX_), "rxx": (CX_, CX_),
    "ccx": (CZ, CZ, CX_), "cswap": (CZ, 0, 0),
    "ecr": (0, CX_),    # ecr commutes with X on its second qubit (not with Z on its first)
}


def _class_table() -> np.ndarray:
    t = np.zeros((len(GATES), 3), dtype=np.uint8)
    for g in GATES.gates:
        if not g.is_unitary or g.name == "unitary":
            continue
        if g.name in _ROLES:
            r = _ROLES[g.name]
            t[g.op, :len(r)] = r
        elif g.comm == DIAG:
            t[g.op, :g.num_qubits] = CZ
        elif g.comm == XAXIS:
            t[g.op, :g.num_qubits] = CX_
    return t


#: op id -> commutation class (1 Z, 2 X, 0 none) of each argument position
COMM_CLASS = _class_table()

# one-qubit Z-diagonal gates as (rz angle, phase): gate = exp(i*phase) rz(angle)
_Z_FIXED = {"id": (0.0, 0.0), "z": (PI, PI / 2), "s": (PI / 2, PI / 4),
            "sdg": (-PI / 2, -PI / 4), "t": (PI / 4, PI / 8), "tdg": (-PI / 4, -PI / 8)}
# one-qubit X-axis gates as (rx angle, phase): gate = exp(i*phase) rx(angle)
_X_FIXED = {"x": (PI, PI / 2), "sx": (PI / 2, PI / 4), "sxdg": (-PI / 2, -PI / 4)}


def _z_angle(name: str, ps) -> tuple[ParamLike, ParamLike] | None:
    if name in _Z_FIXED:
        return _Z_FIXED[name]
    if name == "rz":
        return ps[0], 0.0
    if name in ("p", "u1"):
        return ps[0], ps[0] / 2
    return None


def _x_angle(name: str, ps):
    if name in _X_FIXED:
        return _X_FIXED[name]
    if name == "rx":
        return ps[0], 0.0
    return None


def _z_gate(total: ParamLike, allows):
    """One Z rotation by ``total`` in the basis: ``(gates, phase)`` or ``None``."""
    total = _simp(total)
    if not is_symbolic(total):
        a, odd = wrap_angle(total)
        ph = PI if odd else 0.0
        if abs(a) < 1e-12:
            return [], ph
        total = a
    else:
        ph = 0.0
    if allows("rz"):
        return [("rz", (total,))], ph
    for name in ("p", "u1"):
        if allows(name):
            return [(name, (total,))], ph - total / 2
    if allows("u"):
        return [("u", (0.0, 0.0, total))], ph - total / 2
    return None


def _x_gate(total: ParamLike, allows):
    total = _simp(total)
    if not is_symbolic(total):
        a, odd = wrap_angle(total)
        ph = PI if odd else 0.0
        if abs(a) < 1e-12:
            return [], ph
        for name, (ang, gph) in _X_FIXED.items():
            if abs(a - ang) < 1e-12 and allows(name):
                return [(name, ())], ph - gph
        if abs(abs(a) - PI) < 1e-12 and allows("x"):
            return [("x", ())], ph + (PI if a < 0 else 0.0) - PI / 2
        total = a
    else:
        ph = 0.0
    if allows("rx"):
        return [("rx", (total,))], ph
    return None


def _one_round(circ: Circuit, target) -> Circuit | None:
    n = len(circ)
    if n < 2 or not circ.qargs.size:
        return None
    allows = (lambda name: True) if target is None else (
        lambda name: name in target.basis_1q)
    ptr, wires = circ.operands()
    ok = IS_NAMED[circ.op] & (circ.cond < 0)
    counts = np.diff(ptr)
    pos = np.arange(len(wires)) - np.repeat(ptr[:-1], counts)
    row_of = np.repeat(np.arange(n), counts)
    pos = np.minimum(pos, 2)
    cls = np.where(ok[row_of] & (wires < circ.num_qubits),
                   COMM_CLASS[circ.op[row_of], pos], 0).astype(np.uint8)
    group = peephole().commutation_groups(ptr, wires, cls, circ.num_qubits)
    keep = np.ones(n, dtype=bool)
    at: dict[int, list] = {}
    phase: ParamLike = 0.0
    # 1) inverse pairs that share all their groups
    key, ikey = inverse_keys(circ)
    zero = np.zeros(n, dtype=bool)
    np.logical_or.at(zero, row_of, cls == 0)
    cand = np.flatnonzero(ok & ~zero & (key >= 0) & np.isin(key, ikey[ikey >= 0]))
    if len(cand):
        ptr_l = ptr.tolist()
        group_l = group.tolist()
        sym_l = _SYM[circ.op].tolist()
        key_l, ikey_l = key.tolist(), ikey.tolist()
        pending: dict[tuple, list[int]] = {}
        for i in cand.tolist():
            gs = group_l[ptr_l[i]:ptr_l[i + 1]]
            gk = tuple(sorted(gs)) if sym_l[i] else tuple(gs)
            stack = pending.get((gk, key_l[i]))
            if stack:
                j = stack.pop()
                keep[i] = keep[j] = False
                continue
            if ikey_l[i] >= 0:
                pending.setdefault((gk, ikey_l[i]), []).append(i)
    # 2) one-qubit Z / X rotations of one group merge
    first = np.minimum(ptr[:-1], max(len(cls) - 1, 0))
    one = np.flatnonzero(ok & keep & (counts == 1) & (cls[first] > 0))
    members: dict[int, list[int]] = {}
    if len(one):
        gid = group[ptr[one]]
        multi = np.isin(gid, np.flatnonzero(np.bincount(gid) >= 2))
        for i, g in zip(one[multi].tolist(), gid[multi].tolist()):
            members.setdefault(g, []).append(i)
    for g_id in sorted(members):
        rows = members[g_id]
        if len(rows) < 2:
            continue
        z = cls[ptr[rows[0]]] == CZ
        total: ParamLike = 0.0
        gph: ParamLike = 0.0
        for i in rows:
            ang = (_z_angle if z else _x_angle)(circ.name_of(i), circ.params_of(i))
            total = total + ang[0]
            gph = gph + ang[1]
        res = (_z_gate if z else _x_gate)(total, allows)
        if res is None or len(res[0]) >= len(rows):
            continue
        gates, ph = res
        q = int(wires[ptr[rows[0]]])
        keep[rows] = False
        at[rows[0]] = [(name, (q,), ps) for name, ps in gates]
        phase = phase + gph + ph
    if keep.all() and not at:
        return None
    return rebuild(circ, keep, at, _simp(phase) if isinstance(phase, Expr) else phase)


def commutative_cancellation(circ: Circuit, target=None, max_rounds: int = 5) -> Circuit:
    """Function form of :class:`CommutativeCancellation` for an explicit target (or none)."""
    for _ in range(max_rounds):
        if len(circ) < 2:
            break
        out = _one_round(circ, target)
        if out is None:
            break
        circ = out
    return circ


@dataclass(frozen=True)
class CommutativeCancellation(Pass):
    """Cancel and merge gates that meet after commuting through others."""

    max_rounds: int = 5
    invalidates: ClassVar[frozenset] = frozenset()
    stage: ClassVar[str] = "optimization"

    def __post_init__(self):
        if not 1 <= self.max_rounds <= 100:
            raise ValueError("max_rounds must be in 1..100")

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        return commutative_cancellation(circ, ctx.target, self.max_rounds)
