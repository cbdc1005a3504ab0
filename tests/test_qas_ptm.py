"""The Pauli-transfer-matrix simulator (:mod:`qtool.qas.ptm`) and its noise models
(:mod:`qtool.qas.noise`), checked against qiskit-aer density-matrix simulation."""
from __future__ import annotations

import numpy as np
import pytest

from qtool.qas.ansatz import CX, RX, RY, Ansatz
from qtool.qas.hamiltonian import PauliSum
from qtool.qas.noise import NoiseModel, best_line
from qtool.qas.ptm import PTMSimulator, pauli_index

aer = pytest.importorskip("qiskit_aer")
from qiskit import QuantumCircuit  # noqa: E402
from qiskit.quantum_info import DensityMatrix, Operator  # noqa: E402


# ----------------------------------------------------------------------------- helpers
def random_program(rng, n: int, num_gates: int):
    """CRLQAS-like random program: about a third CX, the rest random rotations."""
    a = Ansatz.random(n, num_gates, rng)
    return (*a.arrays(), rng.uniform(-np.pi, np.pi, a.num_params))


def random_hamiltonian(rng, n: int, terms: int = 8) -> PauliSum:
    return PauliSum.random(n, terms, rng)


def to_circuit(n, kinds, q0, q1, thetas) -> QuantumCircuit:
    """The program as a qiskit circuit (qtool qubit q = qiskit qubit q)."""
    a = Ansatz(n, kinds.tolist(), q0.tolist(), q1.tolist())
    return a.to_circuit(thetas).to_qiskit()


def aer_density_matrix(n, program, noise: NoiseModel | None) -> np.ndarray:
    qc = to_circuit(n, *program)
    qc.save_density_matrix()
    sim = aer.AerSimulator(method="density_matrix",
                           noise_model=None if noise is None else noise.to_aer())
    return np.asarray(sim.run(qc).result().data()["density_matrix"])


def exact_density_matrix(n, program, noise: NoiseModel) -> np.ndarray:
    """Gate by gate with qiskit.quantum_info, each gate followed by the channel of the aer
    error that ``noise.to_aer()`` attaches to it."""
    model = noise.to_aer()
    rho = DensityMatrix.from_label("0" * n)
    for inst in to_circuit(n, *program).data:
        qubits = [q._index for q in inst.qubits]
        rho = rho.evolve(Operator(inst.operation), qubits)
        err = model._local_quantum_errors.get(inst.operation.name, {}).get(tuple(qubits))
        if err is not None:
            rho = rho.evolve(err.to_quantumchannel(), qubits)
    return rho.data


def energy_of(ham: PauliSum, rho: np.ndarray) -> float:
    return float(np.trace(ham.to_matrix() @ rho).real)


_TO_Z = {"X": np.array([[1, 1], [1, -1]]) / np.sqrt(2),
         "Y": np.array([[1, -1j], [1, 1j]]) / np.sqrt(2)}


def measured_energy(ham: PauliSum, rho: np.ndarray, readout: np.ndarray) -> float:
    """Each term measured in its eigenbasis, bits flipped classically with
    ``readout[q] = (p(1|0), p(0|1))``: the exact expectation of the reported value."""
    n = ham.num_qubits
    total = 0.0
    for label, coeff in zip(ham.labels, ham.coeffs):
        u = np.eye(1)
        for ch in reversed(label):            # kron: qubit n-1 first (most significant)
            u = np.kron(u, _TO_Z.get(ch, np.eye(2)))
        probs = np.real(np.diag(u @ rho @ u.conj().T)).reshape([2] * n)   # axis = n-1-q
        value = np.ones([2] * n)
        for q, ch in enumerate(label):
            if ch == "I":
                continue
            p10, p01 = readout[q]
            flip = np.array([[1 - p10, p01], [p10, 1 - p01]])     # [measured, true]
            probs = np.moveaxis(np.tensordot(flip, probs, axes=([1], [n - 1 - q])), 0, n - 1 - q)
            shape = [1] * n
            shape[n - 1 - q] = 2
            value = value * np.array([1.0, -1.0]).reshape(shape)
        total += coeff * float((probs * value).sum())
    return total


def average_fidelity(ptm: np.ndarray) -> float:
    """Average gate fidelity of a channel from its PTM: ``(tr R / d + 1) / (d + 1)``."""
    d = int(round(np.sqrt(ptm.shape[0])))
    return (np.trace(ptm) / d + 1) / (d + 1)


def relaxation_model(rng, n: int) -> NoiseModel:
    """Strong enough relaxation + depolarizing that aer drops no error branch."""
    t1 = rng.uniform(20e-6, 60e-6, n)
    return NoiseModel(n, depol_1q=rng.uniform(1e-3, 1e-2, (3, n)),
                      depol_2q=rng.uniform(5e-3, 3e-2, (n, n)), t1=t1,
                      t2=t1 * rng.uniform(0.3, 2.5, n), time_1q=rng.uniform(1e-7, 5e-7, (3, n)),
                      time_2q=rng.uniform(3e-7, 1e-6, (n, n)),
                      readout=rng.uniform(0.0, 0.08, (n, 2)))


@pytest.fixture(scope="module")
def heron():
    from qtool.targets import get_target
    return get_target("ibm_heron")


# ----------------------------------------------------------------------------- vs aer
@pytest.mark.parametrize("kind", ["noiseless", "depolarizing", "relaxation"])
def test_energy_matches_aer(kind):
    rng = np.random.default_rng({"noiseless": 1, "depolarizing": 2, "relaxation": 3}[kind])
    worst = 0.0
    for trial in range(8):
        n = 2 + trial % 4
        noise = {"noiseless": None,
                 "depolarizing": NoiseModel.depolarizing(n, 2e-3, 2e-2),
                 "relaxation": relaxation_model(rng, n)}[kind]
        ham = random_hamiltonian(rng, n)
        program = random_program(rng, n, int(rng.integers(5, 31)))
        sim = PTMSimulator(ham, noise, readout=False)
        rho = aer_density_matrix(n, program, noise)
        worst = max(worst, abs(sim.energy(*program) - energy_of(ham, rho)))
        assert np.abs(sim.density_matrix(*program) - rho).max() < 1e-10
    assert worst < 1e-10


def test_device_noise_matches_aer(heron):
    """Calibrated heron noise: exact against a gate-by-gate quantum_info evolution; aer
    drops error branches below ~1e-10 probability, hence its looser tolerance."""
    rng = np.random.default_rng(4)
    for n in (2, 3, 4):
        noise = NoiseModel.from_target(heron, best_line(heron, n))
        ham = random_hamiltonian(rng, n)
        program = random_program(rng, n, 25)
        sim = PTMSimulator(ham, noise, readout=False)
        e = sim.energy(*program)
        assert abs(e - energy_of(ham, exact_density_matrix(n, program, noise))) < 1e-12
        assert abs(e - energy_of(ham, aer_density_matrix(n, program, noise))) < 1e-8


@pytest.mark.parametrize("kind", ["noiseless", "relaxation"])
def test_initial_basis_state_matches_aer(kind):
    """``init``: each flipped qubit is prepared by an RX(pi) pulse with that pulse's noise,
    then the program runs -- the same density matrix as aer's for rx(pi) gates first."""
    rng = np.random.default_rng(11)
    for n in (2, 3, 4):
        noise = relaxation_model(rng, n) if kind == "relaxation" else None
        init = int(rng.integers(1, 2 ** n))
        ham = random_hamiltonian(rng, n)
        kinds, q0, q1, th = random_program(rng, n, 12)
        flips = [q for q in range(n) if init >> q & 1]
        full = (np.concatenate([[RX] * len(flips), kinds]).astype(np.int32),
                np.concatenate([flips, q0]).astype(np.int32),
                np.concatenate([[-1] * len(flips), q1]).astype(np.int32),
                np.concatenate([[np.pi] * len(flips), th]))
        sim = PTMSimulator(ham, noise, readout=False, init=init)
        rho = aer_density_matrix(n, full, noise)
        assert np.abs(sim.density_matrix(kinds, q0, q1, th) - rho).max() < 1e-10
        assert abs(sim.energy(kinds, q0, q1, th) - energy_of(ham, rho)) < 1e-10
    with pytest.raises(ValueError, match="initial basis state"):
        PTMSimulator(ham, None, init=2 ** n)


def test_readout_error_matches_exact_flips():
    rng = np.random.default_rng(5)
    for trial in range(6):
        n = 2 + trial % 3
        noise = relaxation_model(rng, n)
        if trial % 2:
            noise = NoiseModel.depolarizing(n, 1e-3, 1e-2, readout=0.05)
        ham = random_hamiltonian(rng, n, terms=10)
        program = random_program(rng, n, 20)
        rho = aer_density_matrix(n, program, noise)
        want = measured_energy(ham, rho, noise.readout)
        assert abs(PTMSimulator(ham, noise).energy(*program) - want) < 1e-10
        # and without readout the plain expectation
        assert abs(PTMSimulator(ham, noise, readout=False).energy(*program)
                   - energy_of(ham, rho)) < 1e-10


def test_measured_energy_helper_sign_convention():
    """|1> measured with p(0|1) = 0.2 reads Z = -1 with prob 0.8, +1 with prob 0.2."""
    rho = np.diag([0.0, 1.0]).astype(complex)
    assert measured_energy(PauliSum(["Z"], [1.0]), rho, np.array([[0.0, 0.2]])) \
        == pytest.approx(-0.6)
    sim = PTMSimulator(PauliSum(["Z"], [1.0]), NoiseModel(1, readout=[[0.0, 0.2]]))
    prog = (np.array([RX], np.int32), np.array([0], np.int32), np.array([-1], np.int32))
    assert sim.energy(*prog, [np.pi]) == pytest.approx(-0.6)


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("noisy", [False, True])
def test_gradient_matches_finite_differences(noisy):
    rng = np.random.default_rng(6 + noisy)
    for n in (2, 3, 4):
        noise = relaxation_model(rng, n) if noisy else None
        ham = random_hamiltonian(rng, n)
        kinds, q0, q1, thetas = random_program(rng, n, 30)
        sim = PTMSimulator(ham, noise)
        e, grad = sim.energy_and_grad(kinds, q0, q1, thetas)
        assert e == pytest.approx(sim.energy(kinds, q0, q1, thetas), abs=1e-13)
        h = 1e-5
        fd = np.empty_like(thetas)
        for i in range(len(thetas)):
            d = np.zeros_like(thetas)
            d[i] = h
            fd[i] = (sim.energy(kinds, q0, q1, thetas + d)
                     - sim.energy(kinds, q0, q1, thetas - d)) / (2 * h)
        assert np.abs(grad - fd).max() < 1e-6 * max(1.0, np.abs(fd).max())


def test_gradient_of_program_without_rotations():
    sim = PTMSimulator(PauliSum(["ZZ"], [1.0]), "depolarizing:1e-2")
    e, grad = sim.energy_and_grad([CX], [0], [1], np.zeros(0))
    assert grad.shape == (0,) and e == pytest.approx(0.99)


# ----------------------------------------------------------------------------- basics
def test_noiseless_known_values():
    sim = PTMSimulator(PauliSum(["ZI", "ZZ", "XX"], [1.0, 0.5, 0.25]))
    bell = ([RY, CX], [0, 0], [-1, 1], [np.pi / 2])
    assert sim.energy(*bell) == pytest.approx(0.0 + 0.5 + 0.25, abs=1e-14)
    r = sim.pauli_vector(*bell)
    assert r[0] == pytest.approx(1.0) and r[pauli_index("ZZ")] == pytest.approx(1.0)
    rho = sim.density_matrix(*bell)
    assert np.trace(rho).real == pytest.approx(1.0)


def test_depolarizing_shrinks_towards_mixed():
    ham = PauliSum(["ZZ"], [1.0])
    clean = PTMSimulator(ham).energy([CX], [0], [1], [])
    noisy = PTMSimulator(ham, NoiseModel.depolarizing(2, 0.0, 0.1)).energy([CX], [0], [1], [])
    assert clean == pytest.approx(1.0) and noisy == pytest.approx(0.9)


def test_bad_programs_raise():
    sim = PTMSimulator(PauliSum(["ZZ"], [1.0]))
    with pytest.raises(ValueError, match="angles"):
        sim.energy([RX], [0], [-1], [0.1, 0.2])
    with pytest.raises(ValueError, match="out of range"):
        sim.energy([RX], [2], [-1], [0.1])
    with pytest.raises(ValueError, match="cx"):
        sim.energy([CX], [1], [1], [])
    with pytest.raises(ValueError, match="kind"):
        sim.energy([7], [0], [-1], [])
    with pytest.raises(ValueError, match="qubits"):
        PTMSimulator(PauliSum(["ZZ"], [1.0]), NoiseModel.depolarizing(3, 0.0, 0.0))


# ----------------------------------------------------------------------------- noise models
def test_from_spec():
    m = NoiseModel.from_spec("depolarizing:1e-3,1e-2", 3)
    assert np.allclose(m.depol_1q, 1e-3) and np.allclose(m.depol_2q, 1e-2)
    m = NoiseModel.from_spec("depolarizing:0.005", 2)
    assert np.allclose(m.depol_1q, 5e-3) and np.allclose(m.depol_2q, 5e-3)
    m = NoiseModel.from_spec("depolarizing:1e-3,1e-2,0.02", 2)
    assert np.allclose(m.readout, 0.02)
    for bad in ("depolarizing", "depolarizing:", "depolarizing:x", "depolarizing:1,2",
                "depolarizing:1e-3,-1e-2", "amplitude:0.1", "depolarizing:1,1,1,1", ""):
        with pytest.raises(ValueError, match="noise spec"):
            NoiseModel.from_spec(bad, 2)


def test_bad_models_raise(heron):
    with pytest.raises(ValueError):
        NoiseModel(2, depol_1q=np.zeros(5))
    with pytest.raises(ValueError):
        NoiseModel(2, readout=-0.1)
    with pytest.raises(ValueError, match="distinct"):
        NoiseModel.from_target(heron, [0, 1, 0])
    with pytest.raises(ValueError, match="range"):
        NoiseModel.from_target(heron, [0, 500])


def test_heron_model_is_sane(heron):
    line = best_line(heron, 4)
    assert line == best_line(heron, 4)                       # deterministic
    assert len(set(line)) == 4 and all(heron.has_edge(a, b) for a, b in zip(line, line[1:]))
    assert not any(tuple(sorted(e)) in heron.broken_edges for e in zip(line, line[1:]))
    m = NoiseModel.from_target(heron, line)
    assert m.rz_virtual and np.all(m.depol_1q[2] == 0) and np.all(m.time_1q[2] == 0)
    # 1Q: two sx pulses; lam may be 0 where T2 alone explains the error (qubit 80)
    assert np.all(m.depol_1q[:2] <= 2e-3) and 1e-4 <= np.median(m.depol_1q[:2]) <= 1e-3
    assert np.allclose(m.time_1q[:2], 2 * heron.props["sx"][(line[0],)].duration)
    for i, p in enumerate(line):                 # the channel explains the calibrated error
        e_cal = 2 * heron.props["sx"][(p,)].error
        infid = 1 - average_fidelity(m.rotation_channel(RX, i))
        assert infid == pytest.approx(e_cal, rel=1e-2) or (m.depol_1q[0, i] == 0 and infid > e_cal)
    for i in range(3):                                       # neighbours on the line
        for c, t in ((i, i + 1), (i + 1, i)):
            assert 1e-4 <= m.depol_2q[c, t] <= 2e-2
            e_cz = heron.gate_error("cz", (line[c], line[t]))
            infid = 1 - average_fidelity(m.cx_channel(c, t))
            assert e_cz < infid < e_cz + 4 * heron.props["sx"][(line[t],)].error
            assert m.time_2q[c, t] > heron.props["cz"][tuple(sorted((line[c], line[t])))].duration
    assert m.depol_2q[0, 3] == 0.0 and m.time_2q[0, 3] == 0.0      # not coupled
    assert np.all(m.readout < 0.1) and np.all(np.isfinite(m.t1))
    ideal = PTMSimulator(PauliSum(["ZZZZ"], [1.0]), m, readout=False)
    assert 0.9 < ideal.energy([CX, CX, CX], [0, 1, 2], [1, 2, 3], []) < 1.0


def test_best_line_avoids_broken_edges(heron):
    """Qubit 86 is broken on heron: no line may use it."""
    for n in (2, 5, 8):
        line = best_line(heron, n)
        assert 86 not in line and len(line) == n and line[0] < line[-1]
    with pytest.raises(ValueError):
        best_line(heron, 0)
