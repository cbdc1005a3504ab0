"""Emit gates into a :class:`~qtool.CircuitBuilder` in a target's native gate set.

:class:`NativeEmitter` keeps, per qubit, the one-qubit work not yet written (numeric matrices,
symbolic rotations, or original rows).  A two-qubit gate, a directive or the end of the
circuit *flushes* the qubits it touches: the pending items are fused into the target's
one-qubit basis (:meth:`OneQubitBasis.fuse`), unless they are original rows that are all
native already, which are written back unchanged.  Native two-qubit gates are written in an
allowed direction: on a directed target a forbidden ``native(a, b)`` becomes
``native(b, a)`` with exact Clifford corrections that join the pending one-qubit work.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from qtool.params import ParamLike

from .euler import Z, OneQubitBasis
from .rules import SYMMETRIC_NATIVE, cx_template, fixed_template, flip_template

__all__ = ["NativeEmitter"]


class NativeEmitter:
    """Native-gate writer over a builder (see the module docstring).

    ``target=None`` means no device: ``cx`` and ``u`` are used.  The accumulated global
    phase is added to the builder by :meth:`finish`.
    """

    def __init__(self, builder, target, basis: OneQubitBasis | None = None):
        self.b = builder
        self.target = target
        self.basis = basis or OneQubitBasis.for_target(target)
        self.native = "cx" if target is None else target.gate_2q
        self.directed = bool(target is not None and target.directed)
        self.phase: ParamLike = 0.0
        self._items: dict[int, list] = {}
        self._records: dict[int, list | None] = {}
        self._pphase: dict[int, ParamLike] = {}
        self._cond = (-1, 1)

    # ------------------------------------------------------------------ phase / rows
    def add_phase(self, ph: ParamLike) -> None:
        if self._cond[0] < 0 and not (isinstance(ph, float) and ph == 0.0):
            self.phase = self.phase + ph

    def _append(self, name: str, qubits, params=()) -> None:
        self.b.append(name, qubits, params, cond=self._cond[0], cond_val=self._cond[1])

    # ------------------------------------------------------------------ one-qubit work
    def _push(self, q: int, items, record, phase: ParamLike = 0.0) -> None:
        if q not in self._items:
            self._items[q] = []
            self._records[q] = []
            self._pphase[q] = 0.0
        self._items[q].extend(items)
        recs = self._records[q]
        if recs is not None:
            if record is None:
                self._records[q] = None
            else:
                recs.append(record)
        if not (isinstance(phase, float) and phase == 0.0):
            self._pphase[q] = self._pphase[q] + phase

    def gate_1q(self, q: int, name: str, params: Sequence[ParamLike] = ()) -> None:
        """A named one-qubit gate (parameters may be symbolic)."""
        items, ph = self.basis.items_of(name, params)
        self._push(q, items, (name, tuple(params)), ph)

    def matrix_1q(self, q: int, m: np.ndarray) -> None:
        self._push(q, [("m", m)], None)

    def rot(self, q: int, axis: str, t: ParamLike) -> None:
        """A rotation ``exp(-i t/2 P)`` about ``axis`` (``"x"``, ``"y"`` or ``"z"``)."""
        self._push(q, [("rot", axis, t)], None)

    def flush(self, q: int) -> None:
        items = self._items.pop(q, None)
        if items is None:
            return
        recs = self._records.pop(q)
        pph = self._pphase.pop(q)
        if recs is not None and all(self.basis.allows(n) for n, _ in recs):
            for n, ps in recs:
                self._append(n, (q,), ps)
            return
        gates, ph = self.basis.fuse(items)
        self.add_phase(pph + ph)
        for n, ps in gates:
            self._append(n, (q,), ps)

    def flush_all(self) -> None:
        for q in sorted(self._items):
            self.flush(q)

    # ------------------------------------------------------------------ two-qubit work
    def native_gate(self, a: int, b: int, params: Sequence[ParamLike] = ()) -> None:
        """The native 2Q gate on ``(a, b)``, flipped if the target forbids that direction."""
        if self.directed and not self.target.allows(a, b) and self.target.allows(b, a):
            flip = flip_template(self.native)
            if flip is None:                      # symmetric gate: just swap the arguments
                self._raw_native(b, a, params)
            else:
                self._template(flip[0], flip[1], (a, b), raw=True)
            return
        self._raw_native(a, b, params)

    def _raw_native(self, a, b, params) -> None:
        self.flush(a)
        self.flush(b)
        self._append(self.native, (a, b), params)

    def _template(self, ops, phase, qubits, raw: bool = False) -> None:
        self.add_phase(phase)
        for op in ops:
            if op[0] == "1q":
                self.matrix_1q(qubits[op[1]], op[2])
            elif raw:
                self._raw_native(qubits[op[1]], qubits[op[2]], op[3])
            else:
                self.native_gate(qubits[op[1]], qubits[op[2]], op[3])

    def cx(self, a: int, b: int) -> None:
        if self.native == "cx":
            self.native_gate(a, b)
        elif (self.directed and self.native not in SYMMETRIC_NATIVE
              and not self.target.allows(a, b) and self.target.allows(b, a)):
            ops, ph = cx_template(self.native, reverse=True)
            self._template(ops, ph, (a, b), raw=True)
        else:
            ops, ph = cx_template(self.native)
            self._template(ops, ph, (a, b))

    def rzz(self, a: int, b: int, t: ParamLike) -> None:
        if self.native == "rzz":
            self.native_gate(a, b, (t,))
        else:
            self.cx(a, b)
            self.rot(b, Z, t)
            self.cx(a, b)

    def fixed(self, name: str, a: int, b: int) -> None:
        """A parameter-free 2Q gate through its cached KAK template."""
        ops, ph = fixed_template(name, self.native)
        self._template(ops, ph, (a, b))

    def kak(self, ops, phase, qubits) -> None:
        """Emit the output of :func:`qtool.synthesis.kak_decompose` on ``qubits``."""
        self._template(ops, phase, qubits)

    # ------------------------------------------------------------------ rows / conditions
    def copy_row(self, circ, i: int) -> None:
        """Copy row ``i`` unchanged (directives, measurements ...), flushing its qubits."""
        for q in circ.qubits_of(i):
            self.flush(q)
        self.b.extend(circ, [i])

    def begin_condition(self, qubits, cond: int, cond_val: int) -> None:
        for q in qubits:
            self.flush(q)
        self._cond = (cond, cond_val)

    def end_condition(self, qubits) -> None:
        for q in qubits:
            self.flush(q)
        self._cond = (-1, 1)

    def finish(self) -> None:
        self.flush_all()
        self.b.global_phase = self.b.global_phase + self.phase
