"""DecomposeMultiQubit: gates on three or more qubits become exact 1Q/2Q sequences."""
import numpy as np
import pytest
from hypothesis import given, settings
from scipy.stats import unitary_group

from qtool import Circuit, Instruction
from qtool.passes.init import DecomposeMultiQubit, decompose_multi_qubit, decompose_row
from qtool.passmanager import Context, Pipeline, check_property
from qtool.testing import circuits


def assert_exact(a, b):
    ua, ub = a.unitary(), b.unitary()
    assert np.allclose(ua, ub, atol=1e-8), float(np.max(np.abs(ua - ub)))


@pytest.mark.parametrize("name,n_cx", [("ccx", 6), ("ccz", 6), ("cswap", 8)])
def test_three_qubit_gates(name, n_cx):
    for qs in ((0, 1, 2), (2, 0, 1), (1, 2, 0)):
        c = Circuit.from_instructions(3, [(name, qs)])
        out = decompose_multi_qubit(c)
        assert out.count_ops()["cx"] == n_cx
        assert (out.arity() <= 2).all()
        assert_exact(c, out)


@pytest.mark.parametrize("n", [3, 4])
def test_opaque_unitaries(n):
    u = unitary_group.rvs(1 << n, random_state=n)
    qs = tuple(range(n))[::-1] if n == 3 else (2, 0, 3, 1)
    c = Circuit.from_instructions(n, [Instruction("unitary", qs, (), matrix=u),
                                      ("h", (0,))])
    out = decompose_multi_qubit(c)
    assert check_property("decomposed", out, Context())
    assert "unitary" not in out.count_ops() or all(
        len(out.qubits_of(i)) <= 2 for i in range(len(out)))
    assert_exact(c, out)


def test_small_rows_barriers_and_measures_stay():
    u2 = unitary_group.rvs(4, random_state=5)
    b = Circuit.builder(4, 1)
    b.h(0)
    b.append("unitary", (1, 2), matrix=u2)
    b.barrier()
    b.measure(3, 0)
    c = b.build()
    assert decompose_multi_qubit(c) is c
    c2 = Circuit.from_instructions(4, [("ccx", (0, 1, 2)), ("barrier", (0, 1, 2, 3))])
    out = decompose_multi_qubit(c2)
    assert out.count_ops()["barrier"] == 1 and out.qubits_of(len(out) - 1) == (0, 1, 2, 3)


def test_conditioned_pieces_keep_the_condition():
    b = Circuit.builder(3, 1)
    b.measure(0, 0)
    b.ccx(0, 1, 2, cond=0, cond_val=0)
    out = decompose_multi_qubit(b.build())
    rows = [i for i in range(1, len(out))]
    assert all(out.cond[i] == 0 and (out.flags[i] & 1) == 0 for i in rows)
    assert len(rows) == 15


def test_decompose_row_passthrough():
    assert decompose_row("cx", (0, 1)) == ([("cx", (0, 1), (), None)], 0.0)
    with pytest.raises(ValueError):
        decompose_row("barrier", (0, 1, 2))


@settings(max_examples=30, deadline=None)
@given(circuits(n_qubits=(3, 4), max_ops=15,
                gateset=("ccx", "ccz", "cswap", "h", "cx", "rz", "t", "swap")))
def test_random(c):
    ctx = Context(check=True)
    out = Pipeline([DecomposeMultiQubit()]).run(c, ctx)
    assert (out.arity() <= 2).all()
    assert_exact(c, out)


def test_pass_metadata():
    assert DecomposeMultiQubit.stage == "init"
    assert "decomposed" in DecomposeMultiQubit.establishes
    assert DecomposeMultiQubit().properties_after(frozenset({"routed", "in_basis"})) == \
        frozenset({"routed", "decomposed"})
