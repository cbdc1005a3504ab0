import json

import pytest

from qtool import Circuit
from qtool.passes import QiskitPass, TketPass
from qtool.passmanager import PipelineError, pass_from_dict
from qtool.testing import assert_equivalent


def _circ():
    b = Circuit.builder(3)
    b.h(0); b.h(0); b.cx(0, 1); b.rz(0.2, 1); b.rz(0.3, 1); b.cx(0, 1); b.ccx(0, 1, 2)
    return b.build()


def test_qiskit_adapter_runs_and_serialises():
    p = QiskitPass("Optimize1qGatesDecomposition", {"basis": ["rz", "sx", "x", "cx"]})
    c = _circ()
    out = p(c)
    assert_equivalent(c, out)
    assert len(out) < len(c)
    assert pass_from_dict(json.loads(json.dumps(p.to_dict()))) == p


def test_tket_adapter_runs():
    c = _circ()
    out = TketPass("RemoveRedundancies")(c)
    assert_equivalent(c, out)
    assert len(out) < len(c)


def test_unknown_adapter_names():
    with pytest.raises(PipelineError, match="qiskit"):
        QiskitPass("NoSuchPass")
    with pytest.raises(PipelineError, match="pytket"):
        TketPass("NoSuchPass")
