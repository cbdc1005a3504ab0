"""QAOA and CVaR-VQE (qtool.qubo.quantum): fast simulation matches the circuits, compiled
circuits keep their parameters symbolic, and compiled samples follow the exact distribution."""
import sys

import numpy as np
import pytest

from qtool.qubo import QUBO
from qtool.qubo.quantum import (QAOA, CVaRVQE, _bit_table, _energies, cvar, qaoa_circuit,
                                vqe_ansatz)
from qtool.verify import strip_final_measurements


def _qubo(n, seed):
    return QUBO(np.random.default_rng(seed).normal(size=(n, n)), 0.25)


@pytest.mark.parametrize("solver", [QAOA(reps=2), CVaRVQE(reps=2)], ids=["qaoa", "vqe"])
def test_fast_simulation_matches_the_circuit(solver):
    q = _qubo(5, 3)
    bits = _bit_table(5)
    solver._prepare(q, bits, _energies(q, bits))
    names = solver._names(5)
    assert sorted(names) == sorted(solver.circuit(q).parameters)
    v = np.random.default_rng(4).uniform(-1, 1, len(names))
    body, _ = strip_final_measurements(solver.circuit(q).bind(dict(zip(names, v))))
    overlap = np.vdot(solver._state(v), body.statevector())
    assert abs(abs(overlap) - 1) < 1e-5      # single precision by design


def test_energy_table_and_cvar():
    q = _qubo(4, 1)
    bits = _bit_table(4)
    assert np.allclose(_energies(q, bits), q.energy(bits))
    e = np.array([3.0, 1.0, 2.0])
    p = np.array([0.5, 0.25, 0.25])
    assert cvar(e, p, 1.0) == pytest.approx(p @ e)
    assert cvar(e, p, 0.25) == pytest.approx(1.0)
    assert cvar(e, p, 0.5) == pytest.approx(1.5)


def test_circuits_are_symbolic_and_measure_every_variable():
    c = qaoa_circuit(_qubo(4, 2), reps=3)
    assert len(c.parameters) == 6
    assert c.count_ops()["measure"] == 4
    v = vqe_ansatz(4, reps=1)
    assert len(v.parameters) == 16 and v.count_ops()["cx"] == 3


def _empirical_vs_exact(solver, q, seed):
    res = solver.solve(q, np.random.default_rng(seed))
    n = q.num_vars
    assert res.samples.shape == (solver.shots, n) and res.samples.dtype == np.uint8
    # the compiled circuit kept its parameters symbolic and runs on physical qubits
    assert sorted(res.compiled.circuit.parameters) == sorted(res.parameters)
    bits = _bit_table(n)
    solver._prepare(q, bits, _energies(q, bits))
    exact = np.abs(solver._state(np.array([res.parameters[k] for k in solver._names(n)]))) ** 2
    index = res.samples.astype(np.int64) @ (1 << (n - 1 - np.arange(n)))
    freq = np.bincount(index, minlength=1 << n) / len(index)
    return 0.5 * np.abs(freq - exact).sum(), res


def test_compiled_samples_follow_the_logical_distribution():
    q = _qubo(6, 5)
    tv, res = _empirical_vs_exact(QAOA(reps=1, maxiter=40, shots=4000, restarts=1), q, 0)
    assert tv < 0.08, tv
    assert res.metrics["evaluations"] == len(res.history) > 0


def test_statevector_fallback_without_aer(monkeypatch):
    monkeypatch.setitem(sys.modules, "qiskit_aer", None)
    q = _qubo(5, 6)
    tv, _ = _empirical_vs_exact(CVaRVQE(reps=1, maxiter=30, shots=4000), q, 1)
    assert tv < 0.08, tv


def test_solver_finds_the_ground_state_of_a_small_qubo():
    q = _qubo(8, 9)
    e_min = _energies(q, _bit_table(8)).min()
    res = QAOA(reps=2, maxiter=120, shots=512).solve(q, np.random.default_rng(2))
    assert np.isclose(q.energy(res.samples).min(), e_min)


def test_deterministic_for_a_seed():
    q = _qubo(5, 7)
    a = QAOA(reps=1, maxiter=20, shots=64).solve(q, np.random.default_rng(11))
    b = QAOA(reps=1, maxiter=20, shots=64).solve(q, np.random.default_rng(11))
    assert np.array_equal(a.samples, b.samples) and a.parameters == b.parameters


def test_too_many_variables_is_refused():
    with pytest.raises(ValueError, match="shrink the QUBO first"):
        QAOA().solve(QUBO(np.zeros((30, 30))), np.random.default_rng(0))


def test_matrix_product_state_sampling_agrees(monkeypatch):
    pytest.importorskip("qiskit_aer")
    import qtool
    import qtool.qubo.quantum as qm
    q = _qubo(5, 8)
    circ = qaoa_circuit(q, 1).bind({"gamma[0]": 0.7, "beta[0]": 0.4})
    compiled = qtool.compile(circ, "ibm_heron", 3, seed=3).circuit
    n = 5

    def freq(samples):
        index = samples.astype(np.int64) @ (1 << (n - 1 - np.arange(n)))
        return np.bincount(index, minlength=1 << n) / len(index)
    dense = freq(qm._sample_compiled(compiled, n, 4000, np.random.default_rng(0)))
    monkeypatch.setattr(qm, "MAX_SIM_QUBITS", 3)
    mps = freq(qm._sample_compiled(compiled, n, 4000, np.random.default_rng(0)))
    assert 0.5 * np.abs(dense - mps).sum() < 0.08


def test_verify_checks_the_compiled_circuit_and_the_sampler_interface():
    q = _qubo(4, 12)
    solver = QAOA(reps=1, maxiter=10, restarts=1, shots=32, verify=True)
    res = solver.solve(q, np.random.default_rng(0))
    assert res.metrics["verified"] is True
    samples = solver(q, 7, np.random.default_rng(0))       # sampler signature: 7 reads
    assert samples.shape == (7, 4) and solver.shots == 32
