"""Local peeling (qtool.verify_local): proves post-routing rewrites at any width, never
claims a difference away."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qtool import Circuit
from qtool.passes.optimization import (cancel_inverses, commutative_cancellation,
                                       consolidate_two_qubit_blocks, merge_one_qubit_runs,
                                       remove_trivial_gates)
from qtool.passes.translation import translate_to_basis
from qtool.targets import get_target
from qtool.testing import circuits, routed_line_circuit
from qtool.verify import verify_equivalent, verify_same_wires
from qtool.verify_local import local_equivalent


def optimise(c, t):
    """What -O3 does after routing."""
    x = translate_to_basis(c, t)
    for _ in range(2):
        x = commutative_cancellation(x, t)
        x = consolidate_two_qubit_blocks(x, t)
        x = merge_one_qubit_runs(x, t)
        x = cancel_inverses(x)
    return remove_trivial_gates(x)


def perturbed(c: Circuit, row: int, delta: float) -> Circuit:
    """``c`` with ``rz(delta)`` inserted after ``row`` on its first qubit."""
    b = c.derive()
    b.extend(c, list(range(row + 1)))
    b.rz(delta, c.qubits_of(row)[0])
    b.extend(c, list(range(row + 1, len(c))))
    return b.build()


@settings(max_examples=40, deadline=None)
@given(c=circuits((2, 5), max_ops=40), g2=st.sampled_from(["cx", "cz", "ecr", "rzz"]),
       data=st.data())
def test_agrees_with_dense_unitaries(c, g2, data):
    t = get_target(f"all:{c.num_qubits},2q={g2}")
    out = optimise(c, t)
    ok, why = local_equivalent(c, out)
    assert ok is True, why
    assert verify_equivalent(c, out).equivalent
    if len(out):
        row = data.draw(st.integers(0, len(out) - 1))
        bad = perturbed(out, row, 0.05)
        assert verify_equivalent(c, bad).equivalent is False
        assert local_equivalent(c, bad)[0] is not True


def test_proves_a_wide_routed_circuit_and_finds_a_change():
    c, t = routed_line_circuit(n_rows=3000, num_qubits=40, seed=5)
    out = optimise(c, t)
    assert local_equivalent(c, out) == (True, "")
    res = verify_same_wires(c, out)
    assert (res.equivalent, res.method, res.qubits) == (True, "local", 40)
    # a change near the end stays local: a proven difference
    bad = perturbed(out, len(out) - 1, 1e-3)
    ok, why = local_equivalent(c, bad)
    assert ok is False and "differ" in why
    assert verify_same_wires(c, bad).equivalent is False
    # one in the middle spreads through the rest: no verdict, and never "equivalent"
    assert local_equivalent(c, perturbed(out, len(out) // 2, 1e-3), max_qubits=5)[0] is None


def test_commutation_across_several_gates():
    # rz moved through three cz: the discrepancy never needs more than two wires
    b = Circuit.builder(4)
    b.rz(0.3, 0)
    for q in (1, 2, 3):
        b.cz(0, q)
    b.rz(0.4, 0)
    moved = Circuit.builder(4)
    for q in (1, 2, 3):
        moved.cz(0, q)
    moved.rz(0.7, 0)
    assert local_equivalent(b.build(), moved.build(), max_qubits=2) == (True, "")


def test_too_wide_a_difference_gives_no_verdict():
    toffoli = Circuit.builder(3)
    toffoli.ccx(0, 1, 2)
    from qtool.passes.init import decompose_multi_qubit
    cx_only = decompose_multi_qubit(toffoli.build())
    assert local_equivalent(toffoli.build(), cx_only) == (True, "")
    ok, why = local_equivalent(toffoli.build(), cx_only, max_qubits=2)
    assert ok is None and "more than 2" in why


def test_global_phase_and_rounding_budget():
    a = Circuit.builder(1)
    a.rz(0.5, 0)
    a.rz(-0.5, 0)
    b = Circuit.builder(1)
    b.x(0)
    b.x(0)                      # -I up to phase, i.e. the identity
    assert local_equivalent(a.build(), b.build()) == (True, "")
    tiny = Circuit.builder(1)
    tiny.rz(1e-9, 0)
    empty = Circuit.builder(1).build()
    assert local_equivalent(tiny.build(), empty)[0] is True
    assert local_equivalent(tiny.build(), empty, max_error=1e-12)[0] is None


def test_rejects_non_unitary_rows():
    b = Circuit.builder(1, 1)
    b.h(0)
    b.measure(0, 0)
    with pytest.raises(ValueError, match="measure is not a unitary gate"):
        local_equivalent(b.build(), b.build())


def test_unitary_rows_compare_by_matrix():
    from scipy.stats import unitary_group
    u = unitary_group.rvs(4, random_state=np.random.default_rng(1))
    v = unitary_group.rvs(4, random_state=np.random.default_rng(2))
    one = Circuit.builder(2)
    one.append("unitary", (0, 1), matrix=u)
    two = Circuit.builder(2)
    two.append("unitary", (0, 1), matrix=v)
    assert local_equivalent(one.build(), two.build())[0] is False
