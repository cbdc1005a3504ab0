import math

import numpy as np
from hypothesis import given

import qtool
from qtool import Circuit
from qtool.passes import ElidePermutations, RemoveNearIdentities
from qtool.testing import assert_equivalent, circuits


@given(circuits(n_qubits=(2, 5), gateset=("swap", "cx", "h", "rz", "cp", "x"), max_ops=25,
                measure=True))
def test_elide_permutations_is_exact(c):
    out = ElidePermutations()(c)
    assert "swap" not in out.count_ops()
    assert_equivalent(c, out)


@given(circuits(n_qubits=(2, 5), gateset=("swap", "cx", "h", "rz", "ccx"), max_ops=20,
                measure=True))
def test_elided_circuit_compiles_equivalently(c):
    from qtool.passmanager import Pipeline
    from qtool.passes import DecomposeMultiQubit, SabreLayout, SabreRouting, TranslateToBasis
    p = Pipeline([DecomposeMultiQubit(), ElidePermutations(), SabreLayout(trials=2),
                  SabreRouting(trials=2), TranslateToBasis()])
    res = qtool.compile(c, "line:6,2q=cz", pipeline=p, seed=1)
    assert_equivalent(c, res.circuit)


def test_qft_final_swaps_are_free():
    from qiskit.synthesis.qft import synth_qft_full
    c = Circuit.from_qiskit(synth_qft_full(6, do_swaps=True))
    assert c.count_ops()["swap"] == 3
    out = ElidePermutations()(c)
    assert out.layout.final == (5, 4, 3, 2, 1, 0)
    assert_equivalent(c, out)


def test_remove_near_identities_drops_tiny_angles_only():
    b = Circuit.builder(2)
    b.cp(math.pi / 2 ** 25, 0, 1)
    b.cp(math.pi / 2 ** 10, 0, 1)
    b.rz(1e-9, 0)
    b.rz(2 * math.pi, 1)           # -I: dropped, phase pi recorded
    c = b.build()
    out = RemoveNearIdentities()(c)
    assert out.count_ops() == {"cp": 1}
    assert np.allclose(out.unitary(), c.unitary(), atol=1e-6)
    exact = RemoveNearIdentities(max_infidelity=0.0)(c)
    assert exact.count_ops() == {"cp": 2}   # rz(1e-9) is the identity in float arithmetic


def test_remove_near_identities_keeps_symbolic():
    from qtool import Parameter
    b = Circuit.builder(1)
    b.rz(Parameter("t") * 0, 0)
    b.rz(Parameter("t"), 0)
    c = b.build()
    assert len(RemoveNearIdentities()(c)) == 2 - (not c.is_parametric(0))
