"""Optimisation passes: exact equivalence (global phase included), properties kept,
symbolic circuits bind the same before and after, specific rewrites."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qtool import Circuit, Instruction, Parameter
from qtool.passes.optimization import (CancelInverses, CommutativeCancellation,
                                       ConsolidateTwoQubitBlocks, MergeOneQubitRuns,
                                       RemoveTrivialGates, cancel_inverses,
                                       commutative_cancellation, consolidate_two_qubit_blocks,
                                       merge_one_qubit_runs, remove_trivial_gates)
from qtool.passes.translation import translate_to_basis
from qtool.passmanager import Context, Pipeline
from qtool.targets import Target, in_basis, respects_coupling
from qtool.testing import circuits, routed_line_circuit

SYMS = {"t0": 0.37, "t1": -1.21, "t2": 2.5}
NATIVES = ("cx", "cz", "ecr", "rzz")

PASSES = {
    "merge": lambda c, t: merge_one_qubit_runs(c, t),
    "consolidate": lambda c, t: consolidate_two_qubit_blocks(c, t),
    "cancel": lambda c, t: cancel_inverses(c),
    "commute": lambda c, t: commutative_cancellation(c, t),
    "cleanup": lambda c, t: remove_trivial_gates(c),
}


def full_target(n, gate_2q="cx", basis_1q=("rz", "sx", "x")):
    edges = [(i, j) for i in range(n) for j in range(i + 1, n)]
    return Target("t", n, edges, basis_1q=basis_1q, gate_2q=gate_2q, directed=True)


def assert_exact(a, b, values=None):
    if values is not None:
        a, b = a.bind(values, strict=False), b.bind(values, strict=False)
    ua, ub = a.unitary(), b.unitary()
    assert np.allclose(ua, ub, atol=1e-8), float(np.max(np.abs(ua - ub)))


def assert_directions(circ, target):
    for i in range(len(circ)):
        if circ.name_of(i) == target.gate_2q:
            assert target.allows(*circ.qubits_of(i))


def c_of(n, *rows):
    return Circuit.from_instructions(n, list(rows))


# ----------------------------------------------------------------------------- properties
@settings(max_examples=80, deadline=None)
@given(circuits(n_qubits=(1, 4), max_ops=30), st.sampled_from(sorted(PASSES)))
def test_random_circuits_without_target(c, name):
    out = PASSES[name](c, None)
    assert_exact(c, out)
    assert len(out) <= len(c) or name in ("merge", "consolidate")


@settings(max_examples=80, deadline=None)
@given(circuits(n_qubits=(2, 4), max_ops=30), st.sampled_from(sorted(PASSES)),
       st.sampled_from(NATIVES + ("iswap",)))
def test_random_translated_circuits_stay_in_basis(c, name, native):
    t = full_target(c.num_qubits, native)
    tc = translate_to_basis(c, t)
    out = PASSES[name](tc, t)
    assert_exact(c, out)
    assert in_basis(out, t) and respects_coupling(out, t)
    assert_directions(out, t)
    if name != "consolidate":
        assert out.num_2q() <= tc.num_2q()
    else:
        assert out.num_2q() <= tc.num_2q()


@settings(max_examples=80, deadline=None)
@given(circuits(n_qubits=(1, 3), max_ops=25, symbolic=True), st.sampled_from(sorted(PASSES)),
       st.sampled_from(NATIVES))
def test_symbolic_bind_after_equals_bind_before(c, name, native):
    out = PASSES[name](c, None)
    assert set(out.parameters) <= set(c.parameters)
    assert_exact(c, out, SYMS)
    t = full_target(max(c.num_qubits, 2), native)
    c = c.remap(range(c.num_qubits), t.num_qubits) if c.num_qubits < t.num_qubits else c
    tc = translate_to_basis(c, t)
    out = PASSES[name](tc, t)
    assert in_basis(out, t)
    assert_exact(c, out, SYMS)


@settings(max_examples=80, deadline=None)
@given(circuits(n_qubits=(1, 4), max_ops=30, symbolic=True))
def test_cancel_inverses_is_idempotent(c):
    once = cancel_inverses(c)
    assert cancel_inverses(once) == once


@settings(max_examples=25, deadline=None)
@given(circuits(n_qubits=(2, 4), max_ops=30))
def test_commutation_reaches_a_fixed_point(c):
    once = commutative_cancellation(c)
    again = commutative_cancellation(once)
    assert len(again) == len(once)


@settings(max_examples=25, deadline=None)
@given(circuits(n_qubits=(2, 3), max_ops=20, measure=True))
def test_measurements_and_laid_out_circuits(c):
    t = full_target(c.num_qubits, "ecr")
    tc = translate_to_basis(c, t).replace(layout=None)
    for name in PASSES:
        out = PASSES[name](tc, t)
        assert out.count_ops().get("measure") == c.num_qubits
        from qtool.testing import assert_equivalent
        assert_equivalent(c, out)


# ----------------------------------------------------------------------------- cancel
def test_cx_pair_cancels():
    assert len(cancel_inverses(c_of(2, ("cx", (0, 1)), ("cx", (0, 1))))) == 0
    assert len(cancel_inverses(c_of(2, ("cx", (0, 1)), ("cx", (1, 0))))) == 2
    assert len(cancel_inverses(c_of(2, ("cz", (0, 1)), ("cz", (1, 0))))) == 0
    assert len(cancel_inverses(c_of(2, ("swap", (0, 1)), ("swap", (1, 0))))) == 0


def test_nested_pairs_cancel_in_one_call():
    c = c_of(2, ("h", (0,)), ("s", (1,)), ("cx", (0, 1)), ("t", (0,)), ("tdg", (0,)),
             ("cx", (0, 1)), ("sdg", (1,)), ("h", (0,)), ("x", (1,)))
    out = cancel_inverses(c)
    assert [i.name for i in out] == ["x"]
    assert_exact(c, out)


def test_symbolic_rotation_pair_cancels():
    a = Parameter("a")
    c = c_of(2, ("rz", (0,), (2 * a + 1,)), ("rz", (0,), (-2 * a - 1,)),
             ("rzz", (0, 1), (a,)), ("rzz", (1, 0), (-a,)), ("rx", (1,), (a,)),
             ("rx", (1,), (a,)))
    out = cancel_inverses(c)
    assert [i.name for i in out] == ["rx", "rx"]


def test_conditioned_and_barriers_block_cancellation():
    b = Circuit.builder(2, 1)
    b.h(0)
    b.barrier(0, 1)
    b.h(0)
    b.x(1, cond=0)
    b.x(1, cond=0)
    assert len(cancel_inverses(b.build())) == 5


# ----------------------------------------------------------------------------- merge
def test_merge_one_qubit_runs():
    c = c_of(1, ("h", (0,)), ("s", (0,)), ("h", (0,)))
    assert merge_one_qubit_runs(c).count_ops() == {"u": 1}
    t = Target("t", 2, [(0, 1)])
    assert len(merge_one_qubit_runs(c_of(1, ("h", (0,)), ("h", (0,))), t)) == 0
    # native runs that cannot get cheaper are kept verbatim
    native = c_of(1, ("rz", (0,), (0.3,)), ("sx", (0,)), ("rz", (0,), (0.2,)))
    assert merge_one_qubit_runs(native, Target("t", 1, [])) is native
    # sx sx -> x
    out = merge_one_qubit_runs(c_of(1, ("sx", (0,)), ("sx", (0,))), Target("t", 1, []))
    assert [i.name for i in out] == ["x"]


def test_merge_symbolic_rotations():
    a, b = Parameter("a"), Parameter("b")
    c = c_of(2, ("rz", (0,), (a,)), ("rz", (0,), (b,)), ("rz", (0,), (0.5,)), ("cx", (0, 1)),
             ("rx", (1,), (a,)), ("rx", (1,), (-a,)))
    out = merge_one_qubit_runs(c, Target("t", 2, [(0, 1)]))
    assert out.count_ops() == {"cx": 1, "rz": 1}
    assert out.params_of(0) == (a + b + 0.5,)
    assert_exact(c, out, {"a": 0.3, "b": -2.0})


def test_merge_folds_numeric_rz_into_symbolic():
    a = Parameter("a")
    c = c_of(1, ("rz", (0,), (a,)), ("h", (0,)), ("t", (0,)))
    t = Target("t", 1, [])
    out = merge_one_qubit_runs(c, t)
    assert in_basis(out, t)
    assert out.count_ops() == {"rz": 2, "sx": 1}
    assert_exact(c, out, {"a": 1.1})


def test_merge_drops_numeric_identities():
    c = c_of(1, ("rz", (0,), (2 * math.pi,)), ("x", (0,)), ("x", (0,)))
    out = merge_one_qubit_runs(c, Target("t", 1, []))
    assert len(out) == 0
    assert_exact(c, out)


# ----------------------------------------------------------------------------- consolidate
def test_swap_then_cx_consolidates():
    c = c_of(2, ("swap", (0, 1)), ("cx", (0, 1)))
    for native in NATIVES:
        t = Target("t", 2, [(0, 1)], gate_2q=native, directed=True)
        tc = translate_to_basis(c, t)
        assert tc.num_2q() == 4
        out = consolidate_two_qubit_blocks(tc, t)
        assert out.num_2q() <= 3 and out.num_2q() == 2
        assert in_basis(out, t)
        assert_directions(out, t)
        assert_exact(c, out)


def test_h_cx_h_becomes_one_cz():
    c = c_of(2, ("h", (1,)), ("cx", (0, 1)), ("h", (1,)))
    t = Target("t", 2, [(0, 1)], gate_2q="cz")
    out = consolidate_two_qubit_blocks(c, t)
    assert out.count_ops() == {"cz": 1}
    assert_exact(c, out)


def test_symbolic_blocks_are_left_alone():
    a = Parameter("a")
    c = c_of(2, ("cx", (0, 1)), ("rz", (1,), (a,)), ("cx", (0, 1)))
    assert consolidate_two_qubit_blocks(c) is c
    # the symbolic row splits the pair's gates: the numeric cx cx after it still cancels
    c = c_of(2, ("cx", (0, 1)), ("rz", (1,), (a,)), ("cx", (0, 1)), ("cx", (0, 1)))
    out = consolidate_two_qubit_blocks(c)
    assert out.num_2q() == 1 and out.parameters == ["a"]
    assert_exact(c, out, {"a": 0.4})


def test_unitary_rows_are_consolidated():
    from scipy.stats import unitary_group
    u = unitary_group.rvs(4, random_state=9)
    c = Circuit.from_instructions(3, [Instruction("unitary", (2, 0), (), matrix=u),
                                      ("cx", (0, 2))])
    t = full_target(3, "ecr")
    out = consolidate_two_qubit_blocks(c, t)
    assert "unitary" not in out.count_ops() and out.num_2q() <= 3
    assert_directions(out, t)
    assert_exact(c, out)


def test_consolidation_of_a_long_routed_circuit():
    # speed is measured by benchmarks/peephole_kernels.py, not asserted here
    c, t = routed_line_circuit()
    out = consolidate_two_qubit_blocks(c, t)
    assert out.num_2q() < sum(3 if n == "swap" else 1 for n in map(c.name_of, range(len(c)))
                              if n in ("swap", "cx"))


# ----------------------------------------------------------------------------- commutation
def test_rz_merges_through_cx_control():
    c = c_of(2, ("rz", (0,), (0.3,)), ("cx", (0, 1)), ("t", (0,)), ("cx", (0, 1)),
             ("rz", (0,), (0.2,)))
    out = commutative_cancellation(c)
    assert out.count_ops() == {"rz": 1}
    assert_exact(c, out)


def test_x_merges_through_cx_target():
    c = c_of(2, ("sx", (1,)), ("cx", (0, 1)), ("sx", (1,)), ("rz", (0,), (0.4,)))
    t = Target("t", 2, [(0, 1)])
    out = commutative_cancellation(c, t)
    assert out.count_ops() == {"cx": 1, "rz": 1, "x": 1}
    assert_exact(c, out)


def test_symbolic_rz_cancels_across_cx():
    a = Parameter("a")
    c = c_of(2, ("rz", (0,), (a,)), ("cx", (0, 1)), ("rz", (0,), (-a,)), ("cx", (0, 1)))
    assert len(commutative_cancellation(c)) == 0
    c = c_of(2, ("rz", (0,), (a,)), ("cz", (1, 0)), ("p", (0,), (a,)))
    out = commutative_cancellation(c)
    assert out.count_ops() == {"cz": 1, "rz": 1}
    assert out.params_of(next(i for i in range(len(out)) if out.name_of(i) == "rz")) == (2 * a,)
    assert_exact(c, out, {"a": 0.9})


def test_cx_pair_separated_by_commuting_gates_cancels():
    c = c_of(3, ("cx", (0, 1)), ("rz", (0,), (0.1,)), ("cx", (0, 2)), ("x", (1,)),
             ("cx", (0, 1)))
    out = commutative_cancellation(c)
    assert out.count_ops() == {"cx": 1, "rz": 1, "x": 1}
    assert_exact(c, out)


# ----------------------------------------------------------------------------- cleanup
def test_cleanup():
    c = c_of(1, ("rz", (0,), (2 * math.pi,)), ("x", (0,)))
    out = remove_trivial_gates(c)
    assert out.count_ops() == {"x": 1} and abs(out.global_phase - math.pi) < 1e-12
    c = c_of(2, ("rz", (0,), (4 * math.pi,)), ("u", (1,), (0.0, 0.0, 0.0)), ("id", (0,)),
             ("rzz", (0, 1), (0.0,)), ("p", (1,), (2 * math.pi,)), ("rz", (0,), (3 * math.pi,)),
             ("rz", (0,), (0.1,)))
    out = remove_trivial_gates(c)
    assert [i.name for i in out] == ["rz"]
    assert abs(out.params_of(0)[0] - (0.1 - math.pi)) < 1e-12
    assert_exact(c, out)
    a = Parameter("a")
    c = c_of(1, ("rz", (0,), (a,)), ("rz", (0,), (-a,)), ("rx", (0,), (a,)))
    out = remove_trivial_gates(c)
    assert [i.name for i in out] == ["rx"]
    b = Circuit.builder(1)
    b.barrier(0)
    assert len(remove_trivial_gates(b.build())) == 1


# ----------------------------------------------------------------------------- passes
def test_pass_objects_and_properties():
    t = full_target(3, "ecr")
    c = translate_to_basis(c_of(3, ("ccx", (0, 1, 2)), ("swap", (1, 2)), ("cx", (1, 2))), t)
    ctx = Context(target=t, check=True)
    pipe = Pipeline([MergeOneQubitRuns(), ConsolidateTwoQubitBlocks(), CancelInverses(),
                     CommutativeCancellation(), RemoveTrivialGates()], strict=False)
    out = pipe.run(c, ctx)
    assert in_basis(out, t)
    assert_exact(c, out)
    keep = frozenset({"routed", "laid_out", "decomposed", "in_basis"})
    for p in pipe.passes:
        assert p.properties_after(keep) == keep, p.pass_name
        assert p.to_dict()["pass"] == p.pass_name
    with pytest.raises(ValueError):
        CommutativeCancellation(max_rounds=0)


def test_commutation_classes_are_sound():
    """Every class claim: the gate commutes with that Pauli on that qubit."""
    from qtool.gates import GATES
    from qtool.passes.optimization.commutation import COMM_CLASS
    pauli = {1: np.diag([1, -1]).astype(complex), 2: np.array([[0, 1], [1, 0]], complex)}
    rng = np.random.default_rng(0)
    for g in GATES.gates:
        if not g.is_unitary or g.name == "unitary":
            continue
        m = g.matrix(*rng.uniform(-3, 3, g.num_params))
        for j in range(g.num_qubits):
            cls = int(COMM_CLASS[g.op, j])
            if cls:
                ops = [np.eye(2)] * g.num_qubits
                ops[j] = pauli[cls]
                full = ops[0]
                for o in ops[1:]:
                    full = np.kron(full, o)
                assert np.allclose(m @ full, full @ m), (g.name, j)


def test_kak_locals_are_gauge_fixed():
    """Interior locals of a CX synthesis: a lone rz on the target, rx on the control."""
    from qtool.gates import gate_matrix
    from qtool.synthesis import kak_decompose
    ops, _ = kak_decompose(gate_matrix("cx") @ gate_matrix("swap"), "cx")
    assert sum(op[0] == "2q" for op in ops) == 2
    locals_ = [op[2] for op in ops if op[0] == "1q"]
    mid_control, mid_target = locals_[2], locals_[3]
    assert abs(mid_target[0, 1]) < 1e-12 and abs(mid_target[1, 0]) < 1e-12     # rz
    assert abs(mid_control[0, 0] - mid_control[1, 1]) < 1e-12                  # rx
    assert abs(mid_control[0, 1] - mid_control[1, 0]) < 1e-12


def test_deterministic():
    c, t = routed_line_circuit(n_rows=600, num_qubits=8, seed=3)
    runs = []
    for _ in range(2):
        x = translate_to_basis(c, t)
        for name in ("commute", "consolidate", "merge", "cancel", "cleanup"):
            x = PASSES[name](x, t)
        runs.append(x)
    assert runs[0] == runs[1]
