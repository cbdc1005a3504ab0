"""Qiskit <-> qtool conversion, and QPY files.

Gate names are shared (qtool's gate table follows Qiskit's standard gate names and
conventions), so most instructions map one to one.  What needs care:

* **endianness** -- Qiskit's ``Operator``/``UnitaryGate`` matrices are little-endian (first
  qubit least significant); ours are big-endian in argument order.  Opaque ``unitary`` rows
  are converted with :func:`reverse_qubit_order` both ways, so qubit order is kept.
* **parameters** -- ``Parameter``/``ParameterVectorElement``/``ParameterExpression`` become
  :class:`~qtool.params.Expr` (through sympy) with the same names (``x[0]`` for vector
  elements), and back; one Qiskit object per name.
* **control flow** -- an ``IfElseOp`` whose condition is one classical bit (or a one-bit
  register) becomes conditioned rows; an ``else`` branch becomes rows conditioned on the
  opposite value.  Loops, switches and wider conditions raise :class:`InputError`.
* **everything else** -- instructions outside the gate table are decomposed through their
  ``definition`` recursively (numeric leftovers become ``unitary`` rows); ``delay`` is
  dropped.  ``BoxOp`` bodies are inlined.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..circuit import Circuit, CircuitBuilder
from ..errors import InputError
from ..gates import BARRIER, GATES, MEASURE, RESET, UNITARY_OP
from ..params import Expr
from . import expr_from_sympy

__all__ = ["from_qiskit", "to_qiskit", "read_qpy", "write_qpy", "reverse_qubit_order"]

_DROPPED = frozenset({"delay"})


def reverse_qubit_order(m: np.ndarray) -> np.ndarray:
    """The same operator with the qubit order reversed (little- <-> big-endian)."""
    m = np.asarray(m, dtype=complex)
    k = m.shape[0].bit_length() - 1
    if k <= 1:
        return m.copy()
    t = m.reshape((2,) * (2 * k))
    axes = list(range(k - 1, -1, -1)) + list(range(2 * k - 1, k - 1, -1))
    return np.ascontiguousarray(t.transpose(axes)).reshape(m.shape)


# ---------------------------------------------------------------------------- from Qiskit
def _param(p):
    """A Qiskit gate parameter as a float or Expr."""
    from qiskit.circuit import ParameterExpression

    if isinstance(p, ParameterExpression):
        if not p.parameters:
            v = complex(p.numeric())
            if abs(v.imag) > 1e-12:
                raise InputError(f"complex gate parameter {p} is not supported")
            return v.real
        return expr_from_sympy(p.sympify())
    if isinstance(p, (int, float, np.integer, np.floating)):
        return float(p)
    raise InputError(f"unsupported gate parameter {p!r} ({type(p).__name__})")


def _registers(regs, bits) -> tuple | None:
    """Register (name, size) pairs, if the registers lay out exactly ``bits`` in order."""
    flat = [b for r in regs for b in r]
    if regs and len(flat) == len(bits) and all(a is b or a == b for a, b in zip(flat, bits)):
        return tuple((r.name, r.size) for r in regs)
    return None


def _condition(cond, cmap) -> tuple[int, int]:
    """(clbit, value) of a single-bit ``IfElseOp`` condition."""
    from qiskit.circuit import Clbit, ClassicalRegister
    from qiskit.circuit.classical import expr

    if isinstance(cond, tuple):
        target, value = cond
        if isinstance(target, ClassicalRegister):
            if target.size != 1:
                raise InputError(f"condition on the {target.size}-bit register "
                                 f"{target.name!r}: only single-bit conditions are supported")
            target = target[0]
        if isinstance(target, Clbit) and int(value) in (0, 1):
            return cmap[target], int(value)
        raise InputError(f"unsupported condition {cond!r}")
    if isinstance(cond, expr.Expr):
        if isinstance(cond, expr.Var) and isinstance(cond.var, Clbit):
            return cmap[cond.var], 1
        if (isinstance(cond, expr.Var) and isinstance(cond.var, ClassicalRegister)
                and cond.var.size == 1):
            return cmap[cond.var[0]], 1
        if isinstance(cond, expr.Unary) and cond.op in (expr.Unary.Op.LOGIC_NOT,
                                                        expr.Unary.Op.BIT_NOT):
            bit, val = _condition(cond.operand, cmap)
            return bit, 1 - val
        if isinstance(cond, expr.Cast):
            return _condition(cond.operand, cmap)
        if isinstance(cond, expr.Binary) and cond.op in (expr.Binary.Op.EQUAL,
                                                         expr.Binary.Op.NOT_EQUAL):
            var, val = cond.left, cond.right
            if isinstance(var, expr.Value):
                var, val = val, var
            if isinstance(var, expr.Cast):
                var = var.operand
            if isinstance(val, expr.Value) and isinstance(var, expr.Var):
                target = var.var
                if isinstance(target, ClassicalRegister):
                    if target.size != 1:
                        raise InputError(f"condition on the {target.size}-bit register "
                                         f"{target.name!r}: only single-bit conditions are "
                                         "supported")
                    target = target[0]
                v = int(val.value)
                if isinstance(target, Clbit) and v in (0, 1):
                    if cond.op == expr.Binary.Op.NOT_EQUAL:
                        v = 1 - v
                    return cmap[target], v
        raise InputError(f"unsupported condition {cond}: only single-bit conditions are "
                         "supported")
    raise InputError(f"unsupported condition {cond!r}")


class _FromQiskit:
    def __init__(self, qc):
        self.qc = qc
        self.rows: list[tuple] = []   # (name, qubits, params, clbit, cond, cond_val, matrix)
        self.phase = _param(qc.global_phase)

    def walk(self, qc, qmap: dict, cmap: dict, cond: tuple[int, int] | None, depth: int = 0):
        if depth > 50:
            raise InputError("instruction definitions nested too deeply")
        for ci in qc.data:
            op = ci.operation
            name = op.name
            qs = tuple(qmap[q] for q in ci.qubits)
            cs = tuple(cmap[c] for c in ci.clbits)
            cb, cv = cond if cond is not None else (-1, 1)
            if name in _DROPPED:
                continue
            if name == "barrier":
                if qs:
                    self.rows.append(("barrier", qs, (), -1, -1, 1, None))
                continue
            if name == "measure":
                self.rows.append(("measure", qs, (), cs[0], cb, cv, None))
                continue
            if name == "reset":
                self.rows.append(("reset", qs, (), -1, cb, cv, None))
                continue
            if name == "global_phase":
                if cond is not None:
                    raise InputError("a conditioned global phase cannot be represented")
                self.phase = self.phase + _param(op.params[0])
                continue
            if name == "if_else":
                self._if_else(op, qs, cs, cmap, cond, depth)
                continue
            if name == "box":
                body = op.blocks[0]
                self.walk(body, dict(zip(body.qubits, qs)), dict(zip(body.clbits, cs)), cond,
                          depth + 1)
                continue
            if name in ("for_loop", "while_loop", "switch_case", "break_loop",
                        "continue_loop"):
                raise InputError(f"Qiskit control flow {name!r} is not supported "
                                 "(only single-bit if/else)")
            if name == "unitary":
                mat = reverse_qubit_order(op.to_matrix())
                self.rows.append(("unitary", qs, (), -1, cb, cv, mat))
                continue
            g = GATES.by_name.get(name)
            if (g is not None and g.is_unitary and g.op != UNITARY_OP
                    and g.num_qubits == len(qs) and g.num_params == len(op.params) and not cs):
                self.rows.append((name, qs, tuple(_param(p) for p in op.params), -1, cb, cv,
                                  None))
                continue
            self._decompose(op, qs, cs, cond, depth)

    def _if_else(self, op, qs, cs, cmap, cond, depth):
        # the condition refers to bits of the enclosing circuit (mapped by ``cmap``)
        bit, val = _condition(op.condition, cmap)
        if cond is not None and cond != (bit, val):
            raise InputError("nested conditions on different bits are not supported")
        branches = [(op.blocks[0], val)]
        if len(op.blocks) > 1 and op.blocks[1] is not None and len(op.blocks[1].data):
            branches.append((op.blocks[1], 1 - val))
        for body, v in branches:
            if v != val and any(ins.operation.name == "measure" for ins in op.blocks[0].data):
                # the true branch may overwrite the condition bit before the else branch
                raise InputError("if/else whose true branch measures cannot be converted")
            self.walk(body, dict(zip(body.qubits, qs)), dict(zip(body.clbits, cs)), (bit, v),
                      depth + 1)

    def _decompose(self, op, qs, cs, cond, depth):
        name = op.name
        defn = getattr(op, "definition", None)
        if defn is not None:
            inner_phase = _param(defn.global_phase)
            if cond is not None and inner_phase != 0:
                raise InputError(f"conditioned {name!r} with a global phase cannot be "
                                 "converted")
            self.phase = self.phase + inner_phase
            self.walk(defn, dict(zip(defn.qubits, qs)), dict(zip(defn.clbits, cs)), cond,
                      depth + 1)
            return
        if hasattr(op, "to_matrix") and not cs:
            try:
                mat = op.to_matrix()
            except Exception as exc:  # noqa: BLE001 - Qiskit raises several types here
                raise InputError(f"cannot convert Qiskit instruction {name!r}: {exc}") from exc
            cb, cv = cond if cond is not None else (-1, 1)
            self.rows.append(("unitary", qs, (), -1, cb, cv, reverse_qubit_order(mat)))
            return
        raise InputError(f"cannot convert Qiskit instruction {name!r}: no definition")


def from_qiskit(qc) -> Circuit:
    """Convert a Qiskit ``QuantumCircuit`` to a :class:`Circuit` (see the module docstring).

    The input is not modified.
    """
    from qiskit import QuantumCircuit

    if not isinstance(qc, QuantumCircuit):
        raise InputError(f"expected a qiskit QuantumCircuit, got {type(qc).__name__}")
    conv = _FromQiskit(qc)
    qmap = {q: i for i, q in enumerate(qc.qubits)}
    cmap = {c: i for i, c in enumerate(qc.clbits)}
    conv.walk(qc, qmap, cmap, None)
    qregs = _registers(qc.qregs, qc.qubits)
    cregs = _registers(qc.cregs, qc.clbits)
    b = CircuitBuilder(qc.num_qubits, qc.num_clbits, qregs=qregs,
                       cregs=cregs,
                       global_phase=conv.phase, name=qc.name or "")
    for name, qs, ps, c, cb, cv, mat in conv.rows:
        b.append(name, qs, ps, clbit=c, cond=cb, cond_val=cv, matrix=mat)
    return b.build()


# ---------------------------------------------------------------------------- to Qiskit
def _gate_classes() -> dict:
    from qiskit.circuit.library import get_standard_gate_name_mapping

    return {name: type(g) for name, g in get_standard_gate_name_mapping().items()}


class _ParamFactory:
    """One Qiskit Parameter (or vector element) per symbol name."""

    def __init__(self, names):
        from qiskit.circuit import Parameter, ParameterVector

        self.objs: dict[str, object] = {}
        vectors: dict[str, int] = {}
        for n in names:
            if n.endswith("]") and "[" in n:
                base, idx = n[:-1].split("[", 1)
                if idx.isdigit():
                    vectors[base] = max(vectors.get(base, 0), int(idx) + 1)
                    continue
            self.objs[n] = Parameter(n)
        for base, size in vectors.items():
            vec = ParameterVector(base, size)
            for i in range(size):
                self.objs[f"{base}[{i}]"] = vec[i]

    def convert(self, x):
        if not isinstance(x, Expr):
            return float(x)
        if x.is_constant():
            return float(x)

        def func(f, a):
            if f == "sqrt":
                return a ** 0.5
            if f in ("asin", "acos", "atan"):
                f = "arc" + f[1:]
            return getattr(a, f)()
        return x.evaluate(lambda n: self.objs[n], func)


def _valid_regs(regs, total: int) -> bool:
    names = [n for n, _ in regs]
    return (bool(regs) and sum(s for _, s in regs) == total and len(set(names)) == len(names)
            and all(n.isidentifier() for n in names))


def to_qiskit(circ: Circuit):
    """Convert a :class:`Circuit` to a Qiskit ``QuantumCircuit``.

    Registers keep their names (the physical marker register ``$`` becomes ``q``),
    conditioned rows become ``if_test`` blocks (consecutive rows on the same condition share
    one block), opaque ``unitary`` rows become ``UnitaryGate`` in Qiskit's bit order.
    """
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    from qiskit.circuit import Barrier, Measure, Reset
    from qiskit.circuit.library import UnitaryGate

    classes = _gate_classes()
    qregs = [QuantumRegister(s, n) for n, s in circ.qregs] if _valid_regs(
        circ.qregs, circ.num_qubits) else [QuantumRegister(circ.num_qubits, "q")]
    cregs = [ClassicalRegister(s, n) for n, s in circ.cregs] if _valid_regs(
        circ.cregs, circ.num_clbits) else (
        [ClassicalRegister(circ.num_clbits, "c")] if circ.num_clbits else [])
    qc = QuantumCircuit(*qregs, *cregs, name=circ.name or None)
    pf = _ParamFactory(circ.parameters)
    qc.global_phase = pf.convert(circ.global_phase)
    qubits, clbits = qc.qubits, qc.clbits

    def instruction(i):
        op = int(circ.op[i])
        qs = [qubits[q] for q in circ.qubits_of(i)]
        if op == BARRIER:
            return Barrier(len(qs)), qs, []
        if op == MEASURE:
            return Measure(), qs, [clbits[int(circ.cargs[i])]]
        if op == RESET:
            return Reset(), qs, []
        if op == UNITARY_OP:
            return UnitaryGate(reverse_qubit_order(circ.mats[i]), check_input=False), qs, []
        g = circ.gate(i)
        cls = classes.get(g.name)
        if cls is None:
            raise ValueError(f"gate {g.name!r} has no Qiskit equivalent")
        return cls(*(pf.convert(p) for p in circ.params_of(i))), qs, []

    n = len(circ)
    i = 0
    while i < n:
        cb = int(circ.cond[i])
        if cb < 0:
            qc.append(*instruction(i), copy=False)
            i += 1
            continue
        val = int(circ.flags[i] & 1)
        j = i
        group = []
        while (j < n and int(circ.cond[j]) == cb and int(circ.flags[j] & 1) == val):
            group.append(j)
            j += 1
            if int(circ.cargs[j - 1]) == cb:   # the block overwrote its own condition bit
                break
        with qc.if_test((clbits[cb], val)):
            for r in group:
                qc.append(*instruction(r), copy=False)
        i = j
    return qc


# ---------------------------------------------------------------------------- QPY
def read_qpy(path, index: int | None = None) -> Circuit:
    """Read a QPY file; ``index`` chooses one circuit when the file holds several."""
    from qiskit import qpy

    path = Path(path)
    try:
        with path.open("rb") as f:
            circuits = qpy.load(f)
    except FileNotFoundError:
        raise InputError("no such file", file=str(path)) from None
    except Exception as exc:  # noqa: BLE001 - qpy raises many error types for bad files
        raise InputError(f"cannot read QPY file: {exc}", file=str(path)) from exc
    if index is None:
        if len(circuits) != 1:
            raise InputError(f"the QPY file holds {len(circuits)} circuits; choose one "
                             "with index=", file=str(path))
        index = 0
    if not -len(circuits) <= index < len(circuits):
        raise InputError(f"circuit index {index} out of range for {len(circuits)} circuits",
                         file=str(path))
    try:
        return from_qiskit(circuits[index])
    except InputError as err:
        raise err.located(file=str(path))


def write_qpy(circ: Circuit | list, path) -> None:
    """Write one circuit (or a list of circuits) to a QPY file."""
    from qiskit import qpy

    circs = circ if isinstance(circ, (list, tuple)) else [circ]
    with Path(path).open("wb") as f:
        qpy.dump([to_qiskit(c) for c in circs], f)
