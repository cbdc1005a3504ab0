"""Final cleanup: numeric identities out, rotation angles canonical, neighbours merged.

* A row whose numeric matrix is ``exp(i*a) * I`` (``id``, ``rz(0)``, ``u(0, 0, 0)``,
  ``rzz(4*pi)`` ...) is dropped and ``a`` goes to the global phase -- ``rz(2*pi)`` is
  ``-I``, so dropping it adds ``pi``.  Conditioned identities are dropped without phase (a
  phase on one classical branch is unobservable).
* Directly adjacent rotations of one name on one qubit merge (``rz(a) rz(b) -> rz(a + b)``,
  symbolic angles included); numeric ``rz``/``rx``/``ry`` angles are wrapped into
  ``(-pi, pi]`` (``rz(a + 2*pi) = -rz(a)``, phase tracked) and ``p``/``u1`` angles likewise.

Symbolic rotations are never dropped (that waits for binding, papers.md section 6.8);
barriers, measurements and resets are kept.

Examples
--------
>>> from qtool import Circuit
>>> import math
>>> c = remove_trivial_gates(Circuit.from_instructions(1, [("rz", (0,), (2 * math.pi,)),
...                                                         ("x", (0,))]))
>>> c.count_ops(), round(c.global_phase, 6)
({'x': 1}, 3.141593)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qtool.circuit import Circuit
from qtool.gates import GATES
from qtool.params import is_symbolic
from qtool.params import simplify as _simp
from qtool.passmanager import Context, Pass
from qtool.synthesis import identity_phase, wrap_angle

from ._rewrite import IS_NAMED, peephole, rebuild, symbolic_rows

__all__ = ["RemoveTrivialGates", "remove_trivial_gates"]

PI = math.pi
TOL = 1e-12
_ROT = frozenset({"rz", "rx", "ry"})           # period 4 pi, sign flip at 2 pi
_PHASE = frozenset({"p", "u1"})                # period 2 pi
_MERGE_OPS = np.array([g.name in (_ROT | _PHASE) for g in GATES.gates], dtype=bool)


def _canonical(name: str, a):
    """Canonical form of a one-parameter rotation: ``(angle or None if identity, phase)``."""
    a = _simp(a)
    if is_symbolic(a):
        return a, 0.0
    w, odd = wrap_angle(float(a))
    ph = PI if (name in _ROT and odd) else 0.0
    if abs(w) < TOL:
        return None, ph
    return w, ph


def remove_trivial_gates(circ: Circuit, ctx: Context | None = None) -> Circuit:
    """Function form of :class:`RemoveTrivialGates`."""
    n = len(circ)
    if n == 0:
        return circ
    sym = symbolic_rows(circ)
    named = IS_NAMED[circ.op]
    mergeable = _MERGE_OPS[circ.op] & (circ.cond < 0)
    ptr, wires = circ.operands()
    _, run_ptr, run_rows = peephole().collect_runs(ptr, wires, mergeable.astype(np.uint8),
                                                   circ.num_qubits)
    keep = np.ones(n, dtype=bool)
    at: dict[int, list] = {}
    phase = 0.0
    changed = False
    # 1) same-name rotation neighbours and canonical angles
    for r in range(len(run_ptr) - 1):
        rows = run_rows[run_ptr[r]:run_ptr[r + 1]].tolist()
        q = int(wires[ptr[rows[0]]])
        groups: list[list[int]] = []
        for i in rows:
            if groups and circ.op[groups[-1][-1]] == circ.op[i]:
                groups[-1].append(i)
            else:
                groups.append([i])
        for grp in groups:
            name = circ.name_of(grp[0])
            total = circ.params_of(grp[0])[0]
            for i in grp[1:]:
                total = total + circ.params_of(i)[0]
            ang, ph = _canonical(name, total)
            if len(grp) == 1 and ang is not None and ang == _simp(total):
                continue              # already canonical
            changed = True
            keep[grp] = False
            phase = phase + ph
            if ang is not None:
                at[grp[-1]] = [(name, (q,), (ang,))]
    # 2) other numeric identities
    cand = np.flatnonzero(named & ~sym & (circ.arity() <= 3)
                          & (~_MERGE_OPS[circ.op] | (circ.cond >= 0)))
    for i in cand.tolist():
        g = GATES[int(circ.op[i])]
        if g.num_params == 0 and g.name != "id":
            continue
        ph = identity_phase(g.matrix(*circ.params_of(i)), TOL * 1e3)
        if ph is None:
            continue
        changed = True
        keep[i] = False
        if circ.cond[i] < 0:
            phase += ph
    if not changed:
        return circ
    return rebuild(circ, keep, at, phase)


@dataclass(frozen=True)
class RemoveTrivialGates(Pass):
    """Drop numeric identities, merge adjacent same-name rotations, canonicalise angles."""

    invalidates: ClassVar[frozenset] = frozenset()
    stage: ClassVar[str] = "finalize"

    def run(self, circ: Circuit, ctx: Context) -> Circuit:
        return remove_trivial_gates(circ)
