import numpy as np
import pytest
from hypothesis import given

from qtool import Circuit, Layout, Parameter
from qtool.gates import GATES
from qtool.testing import circuits


def bell():
    b = Circuit.builder(2, 2)
    b.h(0)
    b.cx(0, 1)
    b.measure(0, 0)
    b.measure(1, 1)
    return b.build()


def test_table_shape_and_readonly():
    c = bell()
    assert c.op.dtype == np.uint16 and c.qargs.shape == (4, 3)
    assert list(c.qargs[1]) == [0, 1, -1]
    with pytest.raises(ValueError):
        c.op[0] = 1
    assert c.count_ops() == {"cx": 1, "h": 1, "measure": 2}
    assert c.num_2q() == 1 and c.num_1q() == 1
    assert c.depth() == 3 and c.depth(two_qubit_only=True) == 1


def test_every_gate_matrix_is_unitary_and_inverse_is_right():
    rng = np.random.default_rng(3)
    for g in GATES.gates:
        if not g.is_unitary or g.name == "unitary":
            continue
        ps = list(rng.uniform(-3, 3, g.num_params))
        m = g.matrix(*ps)
        assert np.allclose(m @ m.conj().T, np.eye(m.shape[0])), g.name
        if g.inverse is not None:
            ip = g.inverse_params(*ps) if g.inverse_params else ()
            mi = GATES.by_name[g.inverse].matrix(*ip)
            prod = mi @ m
            assert np.allclose(prod, prod[0, 0] * np.eye(m.shape[0])), g.name


def test_matrix_convention_matches_qiskit():
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Operator
    b = Circuit.builder(3)
    b.h(0); b.cx(0, 2); b.rzz(0.3, 1, 2); b.u(0.1, 0.2, 0.3, 1); b.ecr(2, 0); b.ccx(0, 1, 2)
    b.cu(0.4, 0.5, 0.6, 0.7, 1, 0); b.rzx(0.8, 0, 1); b.r(0.3, 0.9, 2)
    ours = b.build().unitary()
    q = QuantumCircuit(3)
    q.h(0); q.cx(0, 2); q.rzz(0.3, 1, 2); q.u(0.1, 0.2, 0.3, 1); q.ecr(2, 0); q.ccx(0, 1, 2)
    q.cu(0.4, 0.5, 0.6, 0.7, 1, 0); q.rzx(0.8, 0, 1); q.r(0.3, 0.9, 2)
    assert np.allclose(ours, Operator(q.reverse_bits()).data)


def test_builder_rejects_bad_rows():
    b = Circuit.builder(2, 1)
    with pytest.raises(ValueError, match="out of range"):
        b.cx(0, 2)
    with pytest.raises(ValueError, match="repeated"):
        b.cx(1, 1)
    with pytest.raises(ValueError, match="parameter"):
        b.append("rz", (0,), ())
    with pytest.raises(ValueError, match="classical bit"):
        b.measure(0, 3)


def test_symbolic_rows_and_binding():
    t = Parameter("t")
    b = Circuit.builder(1)
    b.rz(2 * t, 0)
    b.rx(0.5, 0)
    c = b.build()
    assert c.parameters == ["t"] and c.is_parametric(0) and not c.is_parametric(1)
    bound = c.bind({"t": 0.25})
    assert bound.parameters == [] and bound.params_of(0) == (0.5,)
    with pytest.raises(KeyError):
        c.bind({})


@given(circuits(n_qubits=(1, 4), max_ops=20))
def test_inverse_is_adjoint(c):
    u = c.unitary()
    assert np.allclose(c.inverse().unitary() @ u, np.eye(u.shape[0]), atol=1e-9)


@given(circuits(n_qubits=(1, 4), max_ops=20))
def test_select_all_is_identity_and_eq(c):
    assert c.select(np.ones(len(c), bool)) == c


def test_wide_barrier_and_operands():
    b = Circuit.builder(5, 1)
    b.h(0)
    b.barrier()
    b.x(4, cond=0)
    c = b.build()
    assert c.qubits_of(1) == (0, 1, 2, 3, 4)
    ptr, wires = c.operands()
    assert list(ptr) == [0, 1, 6, 8]
    assert list(wires[6:]) == [4, 5]  # qubit 4 and the condition bit (wire 5 + 0)
    w = c.wires()
    assert w.next_on(0, 0) == 1 and w.prev_on(2, 4) == 1


def test_layout_validation_and_permutation():
    lay = Layout((2, 0, 1), (0, 2, 1), 2)
    assert lay.permutation() == [2, 1, 0]
    with pytest.raises(ValueError):
        Layout((0, 0, 1), (0, 1, 2), 2)


def test_remap():
    c = bell().remap([3, 1], 4)
    assert c.num_qubits == 4 and c.qubits_of(1) == (3, 1)
