"""Differential tests of the wire-index kernels against their numpy twins."""
import numpy as np
from hypothesis import given

from qtool._ext import _dag
from qtool._ref import _dag as ref
from qtool.testing import circuits


@given(circuits(n_qubits=(1, 6), max_ops=40, measure=True))
def test_wire_index_matches_reference(c):
    ptr, wires = c.operands()
    nw = c.num_qubits + c.num_clbits
    for a, b in zip(_dag.build_wire_index(ptr, wires, nw), ref.build_wire_index(ptr, wires, nw)):
        assert np.array_equal(a, b)
    w = np.ones(len(c), np.uint8)
    assert _dag.circuit_depth(ptr, wires, w, nw) == ref.circuit_depth(ptr, wires, w, nw)


def test_wire_index_rejects_bad_input():
    import pytest
    with pytest.raises(ValueError):
        _dag.build_wire_index(np.array([0, 2], np.int32), np.array([0, 5], np.int32), 2)
