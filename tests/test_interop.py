"""Qiskit and pytket conversion: exact unitaries both ways, symbols, control flow, QPY."""
import math

import numpy as np
import pytest
from hypothesis import given, settings

from qtool import Circuit, Expr, Parameter, ParameterVector
from qtool.errors import InputError
from qtool.gates import GATES
from qtool.interop import expr_from_sympy, expr_to_sympy
from qtool.interop.pytket import from_pytket, to_pytket
from qtool.interop.qiskit import (from_qiskit, read_qpy, reverse_qubit_order, to_qiskit,
                                  write_qpy)
from qtool.testing import assert_equivalent, circuits, random_parameter_values

TABLE_GATES = [g.name for g in GATES.gates if g.is_unitary and g.name != "unitary"]


def qiskit_unitary(qc):
    from qiskit.quantum_info import Operator
    return reverse_qubit_order(Operator(qc).data)


def one_gate(name, seed=0, n=3):
    g = GATES.by_name[name]
    rng = np.random.default_rng(seed)
    b = Circuit.builder(n)
    b.append(name, list(range(g.num_qubits))[::-1], list(rng.uniform(-3, 3, g.num_params)))
    return b.build()


def random_unitary(k, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(1 << k, 1 << k)) + 1j * rng.normal(size=(1 << k, 1 << k))
    return np.linalg.qr(z)[0]


# ------------------------------------------------------------------------------ Qiskit
@pytest.mark.parametrize("name", TABLE_GATES)
def test_every_gate_matches_qiskit_exactly(name):
    c = one_gate(name)
    qc = to_qiskit(c)
    assert np.allclose(qiskit_unitary(qc), c.unitary(), atol=1e-10)   # phase included
    assert from_qiskit(qc) == c


def test_unitary_rows_convert_endianness():
    m = random_unitary(2)
    b = Circuit.builder(3)
    b.append("unitary", (2, 0), matrix=m)
    c = b.build()
    qc = to_qiskit(c)
    assert np.allclose(qiskit_unitary(qc), c.unitary())
    back = from_qiskit(qc)
    assert back.qubits_of(0) == (2, 0) and np.allclose(back.mats[0], m)
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import UnitaryGate
    qc2 = QuantumCircuit(2)
    qc2.append(UnitaryGate(m), [0, 1])
    assert np.allclose(from_qiskit(qc2).unitary(), qiskit_unitary(qc2))


def test_symbolic_parameters_and_names():
    from qiskit.circuit import Parameter as QParameter
    from qiskit.circuit import ParameterVector as QVector
    from qiskit import QuantumCircuit
    th, x = QParameter("θ"), QVector("x", 2)
    qc = QuantumCircuit(2)
    qc.rz(2 * th + x[1], 0)
    qc.rx((x[0] ** 2) / 5 - th.sin(), 1)
    qc.rzz(th * math.pi, 0, 1)
    qc.global_phase = th / 2
    c = from_qiskit(qc)
    assert c.parameters == ["x[0]", "x[1]", "θ"]
    assert str(c.params_of(0)[0]) == "x[1] + 2*θ"
    vals = {"θ": 0.3, "x[0]": -1.2, "x[1]": 0.8}
    bound = qc.assign_parameters({th: 0.3, x[0]: -1.2, x[1]: 0.8})
    assert np.allclose(c.bind(vals).unitary(), qiskit_unitary(bound))
    back = to_qiskit(c)
    assert sorted(p.name for p in back.parameters) == sorted(vals)
    vec = [p for p in back.parameters if p.name.startswith("x")]
    assert all(type(p).__name__ == "ParameterVectorElement" for p in vec)
    assert from_qiskit(back) == c


def test_control_flow_and_classical_ops():
    from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
    q, c, f = QuantumRegister(2, "q"), ClassicalRegister(2, "c"), ClassicalRegister(1, "f")
    qc = QuantumCircuit(q, c, f)
    qc.h(0)
    qc.measure(0, c[0])
    with qc.if_test((c[0], 1)) as else_:
        qc.x(1)
        qc.h(1)
    with else_:
        qc.z(1)
    with qc.if_test((f, 1)):
        qc.reset(0)
    qc.barrier()
    qc.delay(100, 0)
    qc.measure(1, f[0])
    circ = from_qiskit(qc)
    assert circ.qregs == (("q", 2),) and circ.cregs == (("c", 2), ("f", 1))
    got = [(r.name, r.qubits, r.clbit, r.cond, r.cond_val) for r in circ]
    assert got == [("h", (0,), -1, -1, 1), ("measure", (0,), 0, -1, 1), ("x", (1,), -1, 0, 1),
                   ("h", (1,), -1, 0, 1), ("z", (1,), -1, 0, 0), ("reset", (0,), -1, 2, 1),
                   ("barrier", (0, 1), -1, -1, 1), ("measure", (1,), 2, -1, 1)]
    back = from_qiskit(to_qiskit(circ))
    assert back == circ


def test_expr_conditions():
    from qiskit import ClassicalRegister, QuantumCircuit
    from qiskit.circuit.classical import expr
    c = ClassicalRegister(2, "c")
    qc = QuantumCircuit(1)
    qc.add_register(c)
    with qc.if_test(expr.logic_not(c[1])):
        qc.x(0)
    with qc.if_test(expr.equal(c[0], False)):
        qc.y(0)
    got = [(r.name, r.cond, r.cond_val) for r in from_qiskit(qc)]
    assert got == [("x", 1, 0), ("y", 0, 0)]


def test_unsupported_qiskit_constructs():
    from qiskit import QuantumCircuit
    qc = QuantumCircuit(1, 2)
    with qc.if_test((qc.cregs[0], 2)):
        qc.x(0)
    with pytest.raises(InputError, match="single-bit"):
        from_qiskit(qc)
    qc = QuantumCircuit(1, 1)
    with qc.for_loop(range(2)):
        qc.x(0)
    with pytest.raises(InputError, match="for_loop"):
        from_qiskit(qc)
    with pytest.raises(InputError, match="QuantumCircuit"):
        from_qiskit("not a circuit")


def test_unknown_instructions_are_decomposed():
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import QFTGate, MCXGate
    qc = QuantumCircuit(4)
    qc.append(QFTGate(3), [0, 1, 2])
    qc.append(MCXGate(3), [0, 1, 2, 3])
    inner = QuantumCircuit(2, global_phase=0.7)
    inner.rzz(0.4, 0, 1)
    qc.append(inner.to_gate(label="mine"), [3, 1])
    before = qc.copy()
    c = from_qiskit(qc)
    assert qc == before
    assert all(n in GATES.by_name for n in c.count_ops())
    assert np.allclose(c.unitary(), qiskit_unitary(qc), atol=1e-9)


def test_qpy_round_trip(tmp_path):
    x = ParameterVector("x", 2)
    b = Circuit.builder(2, 1)
    b.h(0); b.rzz(x[0] * 2, 0, 1); b.rx(x[1], 1); b.measure(1, 0)
    c = b.build()
    p = tmp_path / "c.qpy"
    write_qpy(c, p)
    assert read_qpy(p) == c
    write_qpy([c, c], p)
    with pytest.raises(InputError, match="2 circuits"):
        read_qpy(p)
    assert read_qpy(p, index=1) == c
    with pytest.raises(InputError, match="no such file"):
        read_qpy(tmp_path / "nope.qpy")


@settings(max_examples=40, deadline=None)
@given(circuits(n_qubits=(1, 4), max_ops=20))
def test_qiskit_round_trip_exact(c):
    qc = to_qiskit(c)
    assert np.allclose(qiskit_unitary(qc), c.unitary(), atol=1e-9)
    assert from_qiskit(qc) == c


@settings(max_examples=25, deadline=None)
@given(circuits(n_qubits=(1, 3), max_ops=12, symbolic=True, measure=True))
def test_qiskit_round_trip_symbolic(c):
    back = from_qiskit(to_qiskit(c))
    assert back == c
    vals = random_parameter_values(c, seed=1)
    assert_equivalent(c.bind(vals), back.bind(vals))


# ------------------------------------------------------------------------------ pytket
@pytest.mark.parametrize("name", TABLE_GATES)
def test_every_gate_matches_pytket_exactly(name):
    c = one_gate(name)
    tk = to_pytket(c)
    assert np.allclose(tk.get_unitary(), c.unitary(), atol=1e-10)    # phase included
    assert np.allclose(from_pytket(tk).unitary(), c.unitary(), atol=1e-10)


def test_pytket_angles_are_half_turns():
    from pytket.circuit import Circuit as TkCircuit
    tk = TkCircuit(2).Rz(0.5, 0).ZZPhase(0.25, 0, 1).U3(1, 0.5, 0.25, 1)
    c = from_pytket(tk)
    assert [(r.name, r.params) for r in c] == [("rz", (math.pi / 2,)), ("rzz", (math.pi / 4,)),
                                               ("u3", (math.pi, math.pi / 2, math.pi / 4))]
    assert to_pytket(c).get_commands()[0].op.params == [0.5]


def test_pytket_symbols_and_phase():
    import sympy
    from pytket.circuit import Circuit as TkCircuit
    a, x0 = sympy.Symbol("a"), sympy.Symbol("x[0]")
    tk = TkCircuit(1).Rz(a / 2 + x0, 0).Rx(sympy.sin(a), 0)
    tk.add_phase(a)
    c = from_pytket(tk)
    assert c.parameters == ["a", "x[0]"]
    assert c.params_of(0)[0].bind({"a": 1.0, "x[0]": 0.5}) == pytest.approx(math.pi)
    assert c.global_phase.bind({"a": 0.5}) == pytest.approx(math.pi / 2)
    vals = {"a": 0.3, "x[0]": -0.4}
    ref = tk.copy()
    ref.symbol_substitution({a: 0.3, x0: -0.4})
    assert np.allclose(c.bind(vals).unitary(), ref.get_unitary())
    back = to_pytket(c)
    back.symbol_substitution({a: 0.3, x0: -0.4})
    assert np.allclose(back.get_unitary(), ref.get_unitary())


def test_pytket_classical_control_registers_and_boxes():
    from pytket.circuit import Circuit as TkCircuit, CircBox, Qubit, Bit, OpType
    tk = TkCircuit()
    tk.add_q_register("a", 2)
    tk.add_q_register("b", 1)
    tk.add_c_register("m", 2)
    tk.H(Qubit("a", 0)).Measure(Qubit("a", 0), Bit("m", 0))
    tk.X(Qubit("b", 0), condition_bits=[Bit("m", 0)], condition_value=0)
    tk.add_barrier([Qubit("a", 0), Qubit("a", 1)])
    tk.add_gate(OpType.Reset, [Qubit("a", 1)])
    sub = TkCircuit(2).CX(0, 1).TK2(0.1, 0.2, 0.3, 0, 1)
    tk.add_gate(CircBox(sub), [Qubit("a", 1), Qubit("b", 0)])
    c = from_pytket(tk)
    assert c.qregs == (("a", 2), ("b", 1)) and c.cregs == (("m", 2),)
    rows = list(c)       # pytket lists commands in a topological order of its own
    assert [(r.name, r.qubits, r.cond, r.cond_val) for r in rows if r.name == "x"] == \
        [("x", (2,), 0, 0)]
    assert ("barrier", (0, 1)) in [(r.name, r.qubits) for r in rows]
    assert ("reset", (1,)) in [(r.name, r.qubits) for r in rows]
    assert all(n in GATES.by_name for n in c.count_ops())
    back = from_pytket(to_pytket(c))
    assert back.qregs == c.qregs and back.cregs == c.cregs
    assert sorted(r.name for r in back) == sorted(r.name for r in rows)
    # the unitary part after the boxes matches pytket's own
    tail = TkCircuit(3)
    tail.add_gate(CircBox(sub), [1, 2])
    tail_c = from_pytket(tail)
    assert np.allclose(tail_c.unitary(), tail.get_unitary(), atol=1e-9)


def test_pytket_wide_condition_rejected():
    from pytket.circuit import Circuit as TkCircuit
    tk = TkCircuit(1, 2)
    tk.X(0, condition_bits=[0, 1], condition_value=3)
    with pytest.raises(InputError, match="2 bits"):
        from_pytket(tk)


@settings(max_examples=40, deadline=None)
@given(circuits(n_qubits=(1, 4), max_ops=20))
def test_pytket_round_trip_exact(c):
    tk = to_pytket(c)
    assert np.allclose(tk.get_unitary(), c.unitary(), atol=1e-9)
    assert np.allclose(from_pytket(tk).unitary(), c.unitary(), atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(circuits(n_qubits=(1, 3), max_ops=12, symbolic=True, measure=True))
def test_pytket_round_trip_symbolic(c):
    back = from_pytket(to_pytket(c))
    assert back.parameters == c.parameters
    vals = random_parameter_values(c, seed=4)
    assert_equivalent(c.bind(vals), back.bind(vals))


# ------------------------------------------------------------------------------ sympy
def test_sympy_expression_conversion():
    import sympy
    t = Parameter("t")
    e = (2 * t + 1).apply("sin") * Expr.symbol("x[3]") ** 2 / 3 - (t / 4).apply("sqrt")
    s = expr_to_sympy(e)
    back = expr_from_sympy(s)
    vals = {"t": 0.7, "x[3]": -0.4}
    assert back.bind(vals) == pytest.approx(e.bind(vals))
    assert expr_from_sympy(sympy.pi / 2) == pytest.approx(math.pi / 2)
    assert str(expr_from_sympy(sympy.Symbol("g") * 3 + 1)) == "3*g + 1"
    with pytest.raises(ValueError):
        expr_from_sympy(sympy.I)
    with pytest.raises(ValueError):
        expr_from_sympy(sympy.gamma(sympy.Symbol("g")))
