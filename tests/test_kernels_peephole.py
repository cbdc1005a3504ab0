"""Differential tests of the peephole kernels against their Python twins, plus direct
checks of what the kernels promise."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qtool._ext import _peephole as ext
from qtool._ref import _peephole as ref
from qtool.gates import GATES
from qtool.passes.optimization.cancel import _SYM, inverse_keys
from qtool.passes.optimization.commutation import COMM_CLASS
from qtool.testing import circuits


def _masks(c, seed):
    rng = np.random.default_rng(seed)
    ar = c.arity()
    unitary = np.array([GATES[int(o)].is_unitary for o in c.op], dtype=bool)
    one = (ar == 1) & unitary & (c.cond < 0)
    elig = (one & (rng.random(len(c)) < 0.8)).astype(np.uint8)
    two = (ar == 2) & unitary & (c.cond < 0)
    kind = np.where(one, 1, np.where(two, 2, 0)).astype(np.uint8)
    kind[rng.random(len(c)) < 0.1] = 0
    return elig, kind


@settings(max_examples=60, deadline=None)
@given(circuits(n_qubits=(1, 6), max_ops=40, measure=True), st.integers(0, 1000))
def test_runs_and_blocks_match_reference(c, seed):
    ptr, wires = c.operands()
    elig, kind = _masks(c, seed)
    for a, b in zip(ext.collect_runs(ptr, wires, elig, c.num_qubits),
                    ref.collect_runs(ptr, wires, elig, c.num_qubits)):
        assert np.array_equal(a, b)
    for a, b in zip(ext.collect_blocks(ptr, wires, kind, c.num_qubits),
                    ref.collect_blocks(ptr, wires, kind, c.num_qubits)):
        assert np.array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(circuits(n_qubits=(1, 5), max_ops=40, symbolic=True), st.integers(0, 1000))
def test_cancel_and_groups_match_reference(c, seed):
    ptr, wires = c.operands()
    key, ikey = inverse_keys(c)
    sym = _SYM[c.op]
    nw = c.num_qubits + c.num_clbits
    assert np.array_equal(ext.cancel_inverses(ptr, wires, key, ikey, sym, nw),
                          ref.cancel_inverses(ptr, wires, key, ikey, sym, nw))
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 3, len(wires)).astype(np.uint8)
    assert np.array_equal(ext.commutation_groups(ptr, wires, cls, c.num_qubits),
                          ref.commutation_groups(ptr, wires, cls, c.num_qubits))


@settings(max_examples=40, deadline=None)
@given(circuits(n_qubits=(1, 5), max_ops=40))
def test_runs_are_maximal_wire_segments(c):
    ptr, wires = c.operands()
    elig = ((c.arity() == 1) & (c.op != 0)).astype(np.uint8)
    run_of, run_ptr, run_rows = ext.collect_runs(ptr, wires, elig, c.num_qubits)
    w = c.wires()
    for r in range(len(run_ptr) - 1):
        rows = run_rows[run_ptr[r]:run_ptr[r + 1]].tolist()
        assert rows == sorted(rows) and all(run_of[i] == r for i in rows)
        q = int(wires[ptr[rows[0]]])
        for i, j in zip(rows, rows[1:]):
            assert w.next_on(i, q) == j
        nxt = w.next_on(rows[-1], q)
        assert nxt < 0 or not elig[nxt]
        prv = w.prev_on(rows[0], q)
        assert prv < 0 or not elig[prv]


@settings(max_examples=40, deadline=None)
@given(circuits(n_qubits=(2, 5), max_ops=40))
def test_blocks_are_on_one_pair(c):
    ptr, wires = c.operands()
    _, kind = _masks(c, 0)
    block_of, bq, bptr, brows = ext.collect_blocks(ptr, wires, kind, c.num_qubits)
    for k in range(len(bq)):
        rows = brows[bptr[k]:bptr[k + 1]].tolist()
        pair = set(bq[k].tolist())
        assert all(set(c.qubits_of(i)) <= pair for i in rows)
        assert any(kind[i] == 2 for i in rows)
        # nothing outside the block touches its pair between its first and last row
        inside = set(rows)
        for i in range(rows[0], rows[-1] + 1):
            if i not in inside and set(c.qubits_of(i)) & pair:
                # allowed only before the block's rows on that qubit
                for q in set(c.qubits_of(i)) & pair:
                    assert all(i < j for j in rows if q in c.qubits_of(j))


def test_cancel_fixed_point_handles_nesting():
    from qtool import Circuit
    c = Circuit.from_instructions(2, [("h", (0,)), ("cx", (0, 1)), ("s", (1,)), ("sdg", (1,)),
                                      ("cx", (0, 1)), ("h", (0,))])
    ptr, wires = c.operands()
    key, ikey = inverse_keys(c)
    keep = ext.cancel_inverses(ptr, wires, key, ikey, _SYM[c.op], 2)
    assert keep.tolist() == [0] * 6


def test_commutation_classes():
    cx = GATES.by_name["cx"].op
    assert COMM_CLASS[cx].tolist() == [1, 2, 0]
    assert COMM_CLASS[GATES.by_name["rz"].op][0] == 1
    assert COMM_CLASS[GATES.by_name["sx"].op][0] == 2
    assert COMM_CLASS[GATES.by_name["h"].op][0] == 0


@pytest.mark.parametrize("mod", [ext, ref])
def test_bad_input_is_rejected(mod):
    ptr = np.array([0, 1, 3], np.int32)
    wires = np.array([0, 0, 1], np.int32)
    with pytest.raises(ValueError):
        mod.collect_runs(ptr, wires, np.array([1, 1], np.uint8), 2)      # row 1 is 2Q
    with pytest.raises(ValueError):
        mod.collect_blocks(ptr, wires, np.array([2, 2], np.uint8), 2)    # row 0 is 1Q
    with pytest.raises(ValueError):
        mod.collect_runs(np.array([0, 2], np.int32), wires, np.array([1], np.uint8), 2)
    with pytest.raises(ValueError):
        mod.cancel_inverses(ptr, wires, np.zeros(2, np.int64), np.zeros(2, np.int64),
                            np.zeros(2, np.uint8), 1)
    with pytest.raises(ValueError):
        mod.commutation_groups(ptr, wires, np.zeros(2, np.uint8), 2)


def test_empty_inputs():
    ptr = np.zeros(1, np.int32)
    wires = np.zeros(0, np.int32)
    e = np.zeros(0, np.uint8)
    for mod in (ext, ref):
        run_of, run_ptr, run_rows = mod.collect_runs(ptr, wires, e, 3)
        assert len(run_of) == 0 and run_ptr.tolist() == [0] and len(run_rows) == 0
        block_of, bq, bptr, brows = mod.collect_blocks(ptr, wires, e, 3)
        assert bq.shape == (0, 2) and bptr.tolist() == [0]
        assert len(mod.cancel_inverses(ptr, wires, np.zeros(0, np.int64),
                                       np.zeros(0, np.int64), e, 3)) == 0
