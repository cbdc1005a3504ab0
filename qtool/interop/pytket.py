"""pytket <-> qtool conversion.

pytket angles are in **half-turns** (multiples of pi): ``Rz(0.5)`` is our ``rz(pi/2)``.
Every angle is scaled by ``pi`` on the way in and divided by ``pi`` on the way out,
symbolic ones too (pytket expressions are sympy; symbols keep their names, ``x[0]`` stays
``x[0]``).  The circuit phase (``Circuit.phase``) is in half-turns as well.

Unitary matrices need no conversion: pytket's ``ILO-BE`` order is our big-endian order.
Op types outside :data:`_FROM_TKET` (boxes, TK2, FSim, ...) are first decomposed with
pytket's own ``DecomposeBoxes`` and ``AutoRebase`` into the mapped set.  A conditional must
test one bit; ``Conditional`` ops on wider registers raise :class:`InputError`.
"""
from __future__ import annotations

import math

from ..circuit import Circuit, CircuitBuilder
from ..errors import InputError
from ..gates import BARRIER, MEASURE, RESET, UNITARY_OP
from ..params import Expr
from . import expr_from_sympy, expr_to_sympy

__all__ = ["from_pytket", "to_pytket"]

PI = math.pi


def _ops():
    from pytket.circuit import OpType as T

    # our name -> (OpType, number of params); angles are always scaled by pi
    to_tket = {
        "id": (T.noop, 0), "x": (T.X, 0), "y": (T.Y, 0), "z": (T.Z, 0), "h": (T.H, 0),
        "s": (T.S, 0), "sdg": (T.Sdg, 0), "t": (T.T, 0), "tdg": (T.Tdg, 0), "sx": (T.SX, 0),
        "sxdg": (T.SXdg, 0), "rx": (T.Rx, 1), "ry": (T.Ry, 1), "rz": (T.Rz, 1),
        "p": (T.U1, 1), "u1": (T.U1, 1), "u2": (T.U2, 2), "u": (T.U3, 3), "u3": (T.U3, 3),
        "r": (T.PhasedX, 2), "cx": (T.CX, 0), "cy": (T.CY, 0), "cz": (T.CZ, 0),
        "ch": (T.CH, 0), "swap": (T.SWAP, 0), "iswap": (T.ISWAPMax, 0), "ecr": (T.ECR, 0),
        "cs": (T.CS, 0), "csdg": (T.CSdg, 0), "csx": (T.CSX, 0), "rzz": (T.ZZPhase, 1),
        "rxx": (T.XXPhase, 1), "ryy": (T.YYPhase, 1), "cp": (T.CU1, 1), "cu1": (T.CU1, 1),
        "crx": (T.CRx, 1), "cry": (T.CRy, 1), "crz": (T.CRz, 1), "cu3": (T.CU3, 3),
        "ccx": (T.CCX, 0), "ccz": (T.CnZ, 0), "cswap": (T.CSWAP, 0),
    }
    # OpType -> our name, for op types whose meaning does not depend on the arity
    from_tket = {ot: name for name, (ot, _) in to_tket.items()
                 if name not in ("p", "u", "cp", "ccz")}
    from_tket.update({T.noop: "id", T.U1: "u1", T.U3: "u3", T.CU1: "cu1"})
    return to_tket, from_tket


# ---------------------------------------------------------------------------- from pytket
def _angle(a):
    """A pytket half-turn angle as our angle in radians."""
    if isinstance(a, (int, float)):
        return float(a) * PI
    import sympy

    a = sympy.sympify(a)
    if not a.free_symbols:
        return expr_from_sympy(a) * PI
    return expr_from_sympy(a * sympy.pi)     # sympy cancels the 1/pi of to_pytket exactly


def from_pytket(circ) -> Circuit:
    """Convert a pytket ``Circuit`` to a :class:`Circuit` (the input is not modified)."""
    from pytket.circuit import Circuit as TkCircuit
    from pytket.circuit import OpType as T

    if not isinstance(circ, TkCircuit):
        raise InputError(f"expected a pytket Circuit, got {type(circ).__name__}")
    _, from_tket = _ops()
    circ = _normalise(circ, from_tket)
    qubits = list(circ.qubits)
    bits = list(circ.bits)
    qidx = {q: i for i, q in enumerate(qubits)}
    cidx = {c: i for i, c in enumerate(bits)}
    b = CircuitBuilder(len(qubits), len(bits), qregs=_registers(circ.q_registers, qubits),
                       cregs=_registers(circ.c_registers, bits),
                       global_phase=_angle(circ.phase), name=circ.name or "")
    for cmd in circ.get_commands():
        op = cmd.op
        args = list(cmd.args)
        cond, val = -1, 1
        if op.type == T.Conditional:
            if op.width != 1 or op.value not in (0, 1):
                raise InputError(f"conditions on {op.width} bits are not supported "
                                 "(single-bit conditions only)")
            cond, val = cidx[args[0]], int(op.value)
            op, args = op.op, args[1:]
            if op.type == T.Conditional:
                raise InputError("nested pytket conditionals are not supported")
        qs = tuple(qidx[a] for a in args if a in qidx)
        cs = tuple(cidx[a] for a in args if a in cidx)
        t = op.type
        if t == T.Barrier:
            if qs:
                b.append(BARRIER, qs)
        elif t == T.Measure:
            b.append(MEASURE, qs, clbit=cs[0], cond=cond, cond_val=val)
        elif t == T.Reset:
            b.append(RESET, qs, cond=cond, cond_val=val)
        elif t == T.Phase:
            if cond >= 0:
                raise InputError("a conditioned global phase cannot be represented")
            b.global_phase = b.global_phase + _angle(op.params[0])
        elif t in (T.Unitary1qBox, T.Unitary2qBox, T.Unitary3qBox):
            b.append(UNITARY_OP, qs, matrix=op.get_matrix(), cond=cond, cond_val=val)
        elif t == T.TK1:
            a, bb, c = (_angle(p) for p in op.params)   # TK1(a,b,c) = Rz(a) Rx(b) Rz(c)
            for name, p in (("rz", c), ("rx", bb), ("rz", a)):
                b.append(name, qs, (p,), cond=cond, cond_val=val)
        elif t == T.V or t == T.Vdg:
            b.append("rx", qs, (PI / 2 if t == T.V else -PI / 2,), cond=cond, cond_val=val)
        elif t == T.ZZMax:
            b.append("rzz", qs, (PI / 2,), cond=cond, cond_val=val)
        elif t in (T.CnX, T.CnZ, T.CnY) and len(qs) <= 3:
            name = {T.CnX: ["x", "cx", "ccx"], T.CnZ: ["z", "cz", "ccz"],
                    T.CnY: ["y", "cy", None]}[t][len(qs) - 1]
            if name is None:
                b.append(UNITARY_OP, qs, matrix=op.get_unitary(), cond=cond, cond_val=val)
            else:
                b.append(name, qs, cond=cond, cond_val=val)
        elif t in from_tket:
            b.append(from_tket[t], qs, tuple(_angle(p) for p in op.params), cond=cond,
                     cond_val=val)
        else:
            if cs or op.free_symbols():
                raise InputError(f"cannot convert the pytket op {t.name}")
            try:
                mat = op.get_unitary()
            except RuntimeError as exc:
                raise InputError(f"cannot convert the pytket op {t.name}: {exc}") from None
            b.append(UNITARY_OP, qs, matrix=mat, cond=cond, cond_val=val)
    return b.build()


def _normalise(circ, from_tket):
    """A copy with boxes decomposed and unknown op types rebased, if there are any."""
    from pytket.circuit import OpType as T

    known = set(from_tket) | {T.Barrier, T.Measure, T.Reset, T.Phase, T.Unitary1qBox,
                              T.Unitary2qBox, T.Unitary3qBox, T.TK1, T.V, T.Vdg, T.ZZMax}

    def ok(op):
        if op.type == T.Conditional:
            return ok(op.op)
        if op.type in (T.CnX, T.CnZ):
            return True
        return op.type in known

    if all(ok(cmd.op) for cmd in circ.get_commands()):
        return circ
    from pytket.passes import AutoRebase, DecomposeBoxes

    circ = circ.copy()
    DecomposeBoxes().apply(circ)
    if not all(ok(cmd.op) for cmd in circ.get_commands()):
        gates = {T.CX, T.TK1, T.Rz, T.Rx, T.Ry, T.H, T.X, T.Z, T.S, T.Sdg, T.T, T.Tdg,
                 T.CZ, T.Measure, T.Reset}
        try:
            AutoRebase(gates).apply(circ)
        except RuntimeError as exc:
            raise InputError(f"cannot convert pytket circuit: {exc}") from exc
    return circ


def _registers(regs, bits) -> tuple | None:
    """(name, size) pairs if the registers lay out ``bits`` in order."""
    regs = sorted(regs, key=lambda r: r.name)
    flat = [r[i] for r in regs for i in range(r.size)]
    if regs and flat == list(bits):
        return tuple((r.name, r.size) for r in regs)
    return None


# ---------------------------------------------------------------------------- to pytket
def _half(x):
    """Our angle in radians as a pytket half-turn angle (float or sympy)."""
    if isinstance(x, Expr) and not x.is_constant():
        import sympy

        return expr_to_sympy(x) / sympy.pi
    return float(x) / PI


def _valid_name(n: str) -> bool:
    return n.isidentifier() and n.isascii() and n[0].islower()


def to_pytket(circ: Circuit):
    """Convert a :class:`Circuit` to a pytket ``Circuit``.

    Gates without a pytket op type are written as short exact sequences (``dcx``, ``rzx``,
    ``cu``); opaque ``unitary`` rows on up to 3 qubits become ``Unitary{1,2,3}qBox``.
    """
    from pytket.circuit import Bit, Qubit
    from pytket.circuit import Circuit as TkCircuit
    from pytket.circuit import OpType as T
    from pytket.circuit import Unitary1qBox, Unitary2qBox, Unitary3qBox

    to_tket, _ = _ops()
    tk = TkCircuit(name=circ.name) if circ.name else TkCircuit()
    qregs = circ.qregs if (sum(s for _, s in circ.qregs) == circ.num_qubits
                           and all(_valid_name(n) for n, _ in circ.qregs)
                           and len({n for n, _ in circ.qregs}) == len(circ.qregs)) \
        else (("q", circ.num_qubits),)
    cregs = circ.cregs if (sum(s for _, s in circ.cregs) == circ.num_clbits
                           and all(_valid_name(n) for n, _ in circ.cregs)
                           and len({n for n, _ in circ.cregs}) == len(circ.cregs)) \
        else ((("c", circ.num_clbits),) if circ.num_clbits else ())
    qubits = [Qubit(n, i) for n, s in qregs for i in range(s)]
    bits = [Bit(n, i) for n, s in cregs for i in range(s)]
    for q in qubits:
        tk.add_qubit(q)
    for c in bits:
        tk.add_bit(c)
    gp = circ.global_phase
    if gp != 0:
        tk.add_phase(_half(gp))

    for i in range(len(circ)):
        op = int(circ.op[i])
        qs = [qubits[q] for q in circ.qubits_of(i)]
        kw = {}
        if circ.cond[i] >= 0:
            kw = {"condition_bits": [bits[int(circ.cond[i])]],
                  "condition_value": int(circ.flags[i] & 1)}
        if op == BARRIER:
            tk.add_barrier(qs)
            continue
        if op == MEASURE:
            tk.add_gate(T.Measure, [qs[0], bits[int(circ.cargs[i])]], **kw)
            continue
        if op == RESET:
            tk.add_gate(T.Reset, qs, **kw)
            continue
        if op == UNITARY_OP:
            box = {1: Unitary1qBox, 2: Unitary2qBox, 3: Unitary3qBox}.get(len(qs))
            if box is None:
                raise ValueError(f"a {len(qs)}-qubit unitary row has no pytket box")
            tk.add_gate(box(circ.mats[i]), qs, **kw)
            continue
        name = circ.name_of(i)
        ps = [_half(p) for p in circ.params_of(i)]
        if name in to_tket:
            tk.add_gate(to_tket[name][0], ps, qs, **kw)
        elif name == "dcx":
            tk.add_gate(T.CX, [qs[0], qs[1]], **kw)
            tk.add_gate(T.CX, [qs[1], qs[0]], **kw)
        elif name == "rzx":
            tk.add_gate(T.H, [qs[1]], **kw)
            tk.add_gate(T.ZZPhase, ps, qs, **kw)
            tk.add_gate(T.H, [qs[1]], **kw)
        elif name == "cu":
            tk.add_gate(T.CU3, ps[:3], qs, **kw)
            tk.add_gate(T.U1, ps[3:], [qs[0]], **kw)
        else:
            raise ValueError(f"gate {name!r} has no pytket equivalent")
    return tk
