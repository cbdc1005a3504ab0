"""End-to-end compilation: equivalence, coupling, native gates, symbolic parameters."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qtool
from qtool import Circuit, ParameterVector
from qtool.errors import TargetError
from qtool.targets import in_basis, respects_coupling
from qtool.testing import assert_equivalent, circuits, random_parameter_values
from qtool.verify import verify_equivalent

SMALL_TARGETS = ["line:6,2q=cx", "grid:2x3,2q=cz", "ring:6,2q=rzz", "heavyhex:3,2q=ecr",
                 "all:5,2q=cz"]


def _check(original, res):
    out = res.circuit
    assert respects_coupling(out, res.target), "coupling violated"
    assert in_basis(out, res.target), f"non-native gates: {out.count_ops()}"
    assert_equivalent(original, out)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
@given(c=circuits(n_qubits=(2, 5), max_ops=25, measure=False),
       tname=st.sampled_from(SMALL_TARGETS))
@settings(max_examples=12)
def test_random_circuits_compile_equivalently(level, c, tname):
    _check(c, qtool.compile(c, tname, level, seed=3))


@pytest.mark.parametrize("level", [1, 3])
def test_ghz_with_measurements_on_heron(level):
    n = 12
    b = Circuit.builder(n, n)
    b.h(0)
    for i in range(n - 1):
        b.cx(i, i + 1)
    for i in range(n):
        b.measure(i, i)
    c = b.build()
    res = qtool.compile(c, "ibm_heron", level, seed=1, verify=True)
    assert res.verification.equivalent is True
    assert res.circuit.num_2q() == n - 1  # perfectly embeddable: no swaps at all
    _check(c, res)


def test_same_seed_same_output_and_sidecar():
    from qtool.io import write_qasm3
    from qiskit.synthesis.qft import synth_qft_full
    qc = synth_qft_full(7)
    a = qtool.compile(Circuit.from_qiskit(qc), "ibm_eagle", 3, seed=11)
    b = qtool.compile(Circuit.from_qiskit(qc), "ibm_eagle", 3, seed=11)
    assert write_qasm3(a.circuit)[0] == write_qasm3(b.circuit)[0]
    side = a.sidecar()
    for key in ("qtool_version", "target", "seed", "optimization_level", "initial_layout",
                "final_permutation", "parameters", "metrics", "pass_timings"):
        assert key in side
    assert side["metrics"]["num_2q"] == a.circuit.num_2q()
    assert 0 < side["metrics"]["esp"] <= 1


def test_target_too_small():
    c = Circuit.builder(7).build()
    with pytest.raises(TargetError, match="needs 7 qubits"):
        qtool.compile(c, "line:5")


def test_qml_circuit_stays_symbolic_and_binds_like_the_input():
    """Acceptance: ZZ feature map + RealAmplitudes on 8 qubits, compiled symbolically."""
    from qiskit.circuit.library import real_amplitudes, zz_feature_map
    fm = zz_feature_map(8, reps=2)
    ansatz = real_amplitudes(8, reps=2)
    qc = fm.compose(ansatz)
    circ = Circuit.from_qiskit(qc)
    res = qtool.compile(circ, "ibm_heron", 3, seed=5)
    out = res.circuit
    assert set(out.parameters) == set(circ.parameters)
    assert len(circ.parameters) == 8 + ansatz.num_parameters
    assert in_basis(out, res.target) and respects_coupling(out, res.target)
    for seed in range(2):
        values = random_parameter_values(circ, seed)
        r = verify_equivalent(circ.bind(values), out.bind(values))
        assert r.equivalent is True, r


def test_symbolic_qaoa_layer_in_native_rzz_basis():
    g = ParameterVector("g", 1)
    b = Circuit.builder(4)
    for q in range(4):
        b.h(q)
    for a, c in [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]:
        b.rzz(2 * g[0], a, c)
    for q in range(4):
        b.rx(0.3, q)
    circ = b.build()
    res = qtool.compile(circ, "line:4,2q=cz", 3, seed=2)
    assert res.circuit.parameters == ["g[0]"]
    values = {"g[0]": 0.37}
    assert_equivalent(circ, res.circuit, bind=values)


def test_wide_compile_is_verified_in_two_steps():
    """Wide circuits: input vs routed, then routed vs final, each proven exactly."""
    rng = np.random.default_rng(7)
    n = 20
    b = Circuit.builder(n, n)
    for q in range(n):
        b.h(q)
    for _ in range(40):
        a, c = rng.choice(n, 2, replace=False)
        b.cx(int(a), int(c))
        b.t(int(c))
    for q in range(n):
        b.measure(q, q)
    c = b.build()
    res = qtool.compile(c, "ibm_heron", 3, seed=1, verify=True)
    assert res.verification.equivalent is True, res.verification
    assert "two steps" in res.verification.method
