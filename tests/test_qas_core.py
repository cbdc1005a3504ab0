"""The architecture-search core of :mod:`qtool.qas`: the statevector kernels (against qiskit,
finite differences, the numpy twin and the noiseless PTM simulator), the inner optimisers,
the moving-threshold curriculum, the environment, the numpy double DQN and the search loop.

Every test uses tiny Hamiltonians (h2-2 or random 1-6 qubit Pauli sums) and few episodes.
"""
from __future__ import annotations

import json
import subprocess
import sys
import types
from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import sparse

from qtool._ref import _statevec as ref_statevec
from qtool.qas.ansatz import CX, RX, RY, RZ, Ansatz
from qtool.qas.api import architecture_search, initial_state
from qtool.qas.curriculum import CurriculumConfig, MovingThreshold
from qtool.qas.dqn import MLP, DDQNAgent, DQNConfig
from qtool.qas.env import ArchitectureEnv, EnvConfig
from qtool.qas.hamiltonian import PauliSum, load_hamiltonian
from qtool.qas.optimize import (METHODS, OptimizerConfig, optimize_angles, seed_new_angle,
                                shot_sigma)
from qtool.qas.ptm import PTMSimulator
from qtool.qas.search import Candidate, SearchResult, run_search
from qtool.qas.statevector import StatevectorSimulator, grouped_tables

H2_2 = load_hamiltonian("h2-2")
#: lowest energy one rotation can reach on h2-2 from |00>: the product state |q1=1, q0=0>
H2_2_ONE_ROTATION = -0.3399536134414942 - 0.011236585233182217


# ----------------------------------------------------------------------------- helpers
def random_program(rng, n: int, num_gates: int) -> tuple[Ansatz, np.ndarray]:
    """A random CX / RX / RY / RZ program (about a third CNOTs) and its angles."""
    a = Ansatz.random(n, num_gates, rng)
    return a, rng.uniform(-np.pi, np.pi, a.num_params)


def random_hamiltonian(rng, n: int, terms: int = 10) -> PauliSum:
    return PauliSum.random(n, terms, rng)


def qiskit_state(ansatz: Ansatz, theta, init: int) -> np.ndarray:
    """The final state by qiskit, from the basis state ``|init>``."""
    from qiskit.quantum_info import Statevector
    qc = ansatz.to_circuit(theta).to_qiskit()
    return Statevector.from_int(init, 2 ** ansatz.num_qubits).evolve(qc).data


def quiet_env(ham=H2_2, *, max_gates=6, halting=False, accept_err=0.0, seed=0, **kw):
    """An environment whose episodes never succeed (``accept_err = 0``) unless asked to."""
    cfg = EnvConfig(max_gates=max_gates, halting=halting,
                    curriculum=CurriculumConfig(accept_err=accept_err), **kw.pop("cfg", {}))
    ref = ham.ground_energy()
    return ArchitectureEnv(StatevectorSimulator(ham), ref, cfg, seed=seed, **kw)


def action_index(env, kind, a, b=-1) -> int:
    return env.actions.index((kind, a, b))


def small_dqn(**kw) -> DQNConfig:
    base = dict(hidden=(32, 32), batch_size=16, learn_start=16, target_update=20)
    base.update(kw)
    return DQNConfig(**base)


# ===================================================================== statevector kernels
@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(1, 6))
def test_energy_and_state_match_qiskit(seed, n):
    """Energy = <psi|H|psi> with psi from qiskit's Statevector of the same circuit (started
    on a random basis state |init>) and H = PauliSum.to_matrix(); the state itself agrees."""
    rng = np.random.default_rng(seed)
    ham = random_hamiltonian(rng, n, terms=int(rng.integers(1, 12)))
    init = int(rng.integers(1 << n))
    ansatz, theta = random_program(rng, n, int(rng.integers(0, 14)))
    sim = StatevectorSimulator(ham, init=init)
    psi = qiskit_state(ansatz, theta, init)
    expected = np.vdot(psi, ham.to_matrix() @ psi).real
    assert sim.energy(*ansatz.arrays(), theta) == pytest.approx(expected, abs=1e-10)
    np.testing.assert_allclose(sim.statevector(*ansatz.arrays(), theta), psi, atol=1e-12)


def test_grouped_tables_rebuild_the_hamiltonian():
    """``H = sum_g X^{xs[g]} diag(d[g])``: one row per distinct X-mask, rebuilt densely."""
    rng = np.random.default_rng(3)
    for n in (1, 3, 4):
        ham = random_hamiltonian(rng, n, terms=14)
        xs, d = grouped_tables(ham)
        assert len(set(xs.tolist())) == len(xs) and list(xs) == sorted(xs)
        assert len(xs) == len({lab.replace("Z", "I").replace("Y", "X") for lab in ham.labels})
        dim = 1 << n
        h = np.zeros((dim, dim), complex)
        k = np.arange(dim)
        for x, row in zip(xs, d):
            h[k ^ int(x), k] += row
        np.testing.assert_allclose(h, ham.to_matrix(), atol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_adjoint_gradient_matches_finite_differences_and_parameter_shift(n):
    """The compiled adjoint gradient equals central finite differences (h = 1e-5) and the
    numpy twin's parameter-shift gradient; its energy is the plain energy."""
    rng = np.random.default_rng(10 + n)
    ham = random_hamiltonian(rng, n)
    init = int(rng.integers(1 << n))
    sim = StatevectorSimulator(ham, init=init)
    xs, d = grouped_tables(ham)
    for _ in range(3):
        ansatz, theta = random_program(rng, n, 12)
        prog = ansatz.arrays()
        e, grad = sim.energy_and_grad(*prog, theta)
        assert e == pytest.approx(sim.energy(*prog, theta), abs=1e-13)
        h = 1e-5
        fd = np.array([(sim.energy(*prog, theta + h * np.eye(len(theta))[p])
                        - sim.energy(*prog, theta - h * np.eye(len(theta))[p])) / (2 * h)
                       for p in range(len(theta))])
        np.testing.assert_allclose(grad, fd, atol=1e-7)
        shift = np.empty_like(theta)
        e_ref = ref_statevec.energy_grad(n, *prog, theta, xs, d, shift, init)
        np.testing.assert_allclose(grad, shift, atol=1e-10)
        assert e == pytest.approx(e_ref, abs=1e-12)


def test_compiled_kernel_and_numpy_twin_agree():
    """``qtool._ext._statevec`` (what the simulator loads) and ``qtool._ref._statevec`` give
    the same states and energies on random programs, 1-6 qubits, any initial basis state."""
    from qtool._ext import _statevec as ext
    rng = np.random.default_rng(7)
    for n in range(1, 7):
        ham = random_hamiltonian(rng, n)
        sim = StatevectorSimulator(ham)
        assert sim._k is ext
        xs, d = grouped_tables(ham)
        for _ in range(3):
            ansatz, theta = random_program(rng, n, 15)
            prog = ansatz.arrays()
            init = int(rng.integers(1 << n))
            np.testing.assert_allclose(ext.statevector(n, *prog, theta, init),
                                       ref_statevec.statevector(n, *prog, theta, init),
                                       atol=1e-12)
            assert ext.energy(n, *prog, theta, xs, d, init) == pytest.approx(
                ref_statevec.energy(n, *prog, theta, xs, d, init), abs=1e-11)


def _program(kinds, q0, q1):
    return (np.array(kinds, np.int32), np.array(q0, np.int32), np.array(q1, np.int32))


BAD_PROGRAMS = {
    "rotation qubit = n": (_program([RY], [2], [-1]), [0.1]),
    "negative rotation qubit": (_program([RX], [-1], [-1]), [0.1]),
    "cx target out of range": (_program([CX], [0], [2]), []),
    "cx control == target": (_program([CX], [1], [1]), []),
    "unknown kind": (_program([4], [0], [-1]), [0.1]),
    "too few angles": (_program([RY, RZ], [0, 1], [-1, -1]), [0.1]),
    "too many angles": (_program([RY], [0], [-1]), [0.1, 0.2]),
    "q1 shorter than kinds": ((np.array([RY, RZ], np.int32), np.array([0, 1], np.int32),
                               np.array([-1], np.int32)), [0.1, 0.2]),
}


@pytest.mark.parametrize("case", list(BAD_PROGRAMS))
def test_bad_programs_raise_value_error(case):
    """Out-of-range qubits, a CNOT on one qubit, unknown kinds and a wrong angle count are
    ValueErrors from both energy and energy_and_grad (never a crash or a silent result)."""
    prog, theta = BAD_PROGRAMS[case]
    sim = StatevectorSimulator(PauliSum(["ZZ", "XI"], [1.0, 0.5]))
    with pytest.raises(ValueError):
        sim.energy(*prog, theta)
    with pytest.raises(ValueError):
        sim.energy_and_grad(*prog, theta)


def test_numpy_twin_rejects_the_same_bad_programs():
    """The numpy twin raises ValueError on every program the compiled kernel rejects."""
    ham = PauliSum(["ZZ", "XI"], [1.0, 0.5])
    xs, d = grouped_tables(ham)
    wrong = []
    for case, (prog, theta) in BAD_PROGRAMS.items():
        try:
            ref_statevec.energy(2, *prog, np.array(theta, float), xs, d)
        except ValueError:
            continue
        except Exception:                 # any other outcome is the bug
            pass
        wrong.append(case)
    assert wrong == []


def test_bad_initial_state_and_ansatz_gates_raise():
    """``init`` outside the register and malformed :meth:`Ansatz.append` calls are
    ValueErrors."""
    ham = PauliSum(["ZZ"], [1.0])
    for init in (-1, 4):
        with pytest.raises(ValueError, match="initial basis state"):
            StatevectorSimulator(ham, init=init)
    a = Ansatz(2)
    for args in ((CX, 0, 0), (CX, 0, 2), (RY, 2), (RZ, -1), (7, 0)):
        with pytest.raises(ValueError):
            a.append(*args)
    assert len(a) == 0


_STATEVECTOR_PROBE = """
import numpy as np
from qtool.qas.hamiltonian import PauliSum
from qtool.qas.statevector import StatevectorSimulator
sim = StatevectorSimulator(PauliSum(["ZZ"], [1.0]))
try:
    sim.statevector(np.array([2], np.int32), np.array([{q}], np.int32),
                    np.array([-1], np.int32), np.array({theta}))
except ValueError:
    print("ValueError")
else:
    print("no error")
"""


@pytest.mark.parametrize("q, theta", [(5, [0.3]), (40, [0.3]), (0, [])])
def test_statevector_validates_its_program(q, theta):
    """``sim.statevector`` rejects bad programs with ValueError like ``energy`` does (run in
    a child process: today the unchecked kernel can corrupt memory)."""
    code = _STATEVECTOR_PROBE.format(q=q, theta=theta)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ValueError"


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_statevector_matches_noiseless_ptm(n):
    """With ``noise=None`` the PTM simulator's energy and gradient are the statevector's to
    1e-10 on random programs."""
    rng = np.random.default_rng(20 + n)
    ham = random_hamiltonian(rng, n)
    sv, ptm = StatevectorSimulator(ham), PTMSimulator(ham, None)
    for _ in range(4):
        ansatz, theta = random_program(rng, n, 14)
        prog = ansatz.arrays()
        assert ptm.energy(*prog, theta) == pytest.approx(sv.energy(*prog, theta), abs=1e-10)
        e1, g1 = sv.energy_and_grad(*prog, theta)
        e2, g2 = ptm.energy_and_grad(*prog, theta)
        assert e1 == pytest.approx(e2, abs=1e-10)
        np.testing.assert_allclose(g1, g2, atol=1e-10)


def test_ansatz_bookkeeping():
    """Counts, ASAP depth, dict round trip and the symbolic circuit's parameter order."""
    a = Ansatz(3)
    a.append(RX, 0)
    a.append(CX, 0, 1)
    a.append(RZ, 2)
    a.append(RY, 1)
    a.append(CX, 2, 0)
    assert (len(a), a.num_cx, a.num_params, a.depth()) == (5, 2, 3, 3)
    b = Ansatz.from_dict(json.loads(json.dumps(a.to_dict())))
    assert b == a and b.arrays()[2].tolist() == [-1, 1, -1, -1, 0]
    c = a.to_circuit()
    assert [str(p) for p in c.parameters] == ["theta[0]", "theta[1]", "theta[2]"]
    with pytest.raises(ValueError):
        a.to_circuit([0.1, 0.2])
    assert Ansatz(2).depth() == 0


def test_ansatz_initial_state_is_prepared_by_x_gates():
    """``init`` flips qubits with X gates that come first in the circuit and count in
    ``num_gates`` and ``depth`` (not in ``len``); it survives the dict round trip, and the
    circuit's state is the statevector simulator's (started from ``|init>``)."""
    a = Ansatz(3, init=0b101)
    a.append(RY, 0)
    a.append(CX, 0, 1)
    assert a.prep_qubits == [0, 2] and (len(a), a.num_gates, a.depth()) == (2, 4, 3)
    assert Ansatz.from_dict(json.loads(json.dumps(a.to_dict()))) == a
    assert Ansatz.from_dict({"num_qubits": 2, "gates": []}).init == 0   # older sidecars
    from qiskit.quantum_info import Statevector
    circ = a.to_circuit([0.3]).to_qiskit()
    assert [i.operation.name for i in circ.data[:2]] == ["x", "x"]
    ham = random_hamiltonian(np.random.default_rng(3), 3)
    psi = Statevector.from_int(0, 8).evolve(circ).data
    want = float(np.vdot(psi, ham.to_matrix() @ psi).real)
    assert StatevectorSimulator(ham, init=a.init).energy(*a.arrays(), [0.3]) == \
        pytest.approx(want, abs=1e-12)
    with pytest.raises(ValueError, match="initial basis state"):
        Ansatz(2, init=4)


def test_initial_state_specs():
    """``hf`` is the lowest-energy basis state, ``zero`` is 0, bit strings read qubit 0
    rightmost (as Qiskit prints them); anything else is a ValueError naming the spec."""
    h24 = load_hamiltonian("h2-4")
    assert initial_state(h24, "hf") == 0b0011
    assert initial_state(h24, "zero") == 0 and initial_state(h24, "1000") == 8
    assert initial_state(h24, 5) == 5
    for bad, match in (("0011x", "expected"), ("011", "3 bits"), (16, "outside"),
                       ("", "expected")):
        with pytest.raises(ValueError, match=match):
            initial_state(h24, bad)


# ===================================================================== inner optimisers
def test_seed_new_angle_finds_the_global_minimum_in_that_angle():
    """After seeding, the energy as a function of the seeded angle (others fixed) is at its
    global minimum on a 0.5-degree grid; the other angles are untouched; 3 evaluations."""
    rng = np.random.default_rng(4)
    for n in (2, 3):
        ham = random_hamiltonian(rng, n)
        sim = StatevectorSimulator(ham, init=1)
        ansatz, theta = random_program(rng, n, 10)
        prog = ansatz.arrays()
        for index in range(len(theta)):
            t, evals = seed_new_angle(sim, prog, theta, index)
            assert evals == 3
            np.testing.assert_array_equal(np.delete(t, index), np.delete(theta, index))
            best = sim.energy(*prog, t)
            for v in np.linspace(-np.pi, np.pi, 721):
                probe = t.copy()
                probe[index] = v
                assert sim.energy(*prog, probe) >= best - 1e-12


def test_seed_new_angle_leaves_a_flat_angle_at_zero():
    """An angle the energy does not depend on (RZ on |0>) is set to exactly 0."""
    sim = StatevectorSimulator(PauliSum(["Z", "X"], [1.0, 0.5]))
    a = Ansatz(1)
    a.append(RZ, 0)
    t, _ = seed_new_angle(sim, a.arrays(), np.array([1.3]), 0)
    assert t.tolist() == [0.0]


ONE_QUBIT = PauliSum(["X", "Y", "Z", "I"], [0.3, -0.5, 0.7, 0.2])
ONE_QUBIT_GROUND = 0.2 - np.sqrt(0.3 ** 2 + 0.5 ** 2 + 0.7 ** 2)


def _ry_rz():
    a = Ansatz(1)
    a.append(RY, 0)
    a.append(RZ, 0)
    return a.arrays()


def test_lbfgs_reaches_the_exact_ground_energy_of_one_qubit():
    """RY then RZ reach every Bloch vector, so L-BFGS on the adjoint gradient lands on
    ``c_I - |(c_X, c_Y, c_Z)|`` to 1e-10; the returned energy is that of the returned
    angles."""
    sim = StatevectorSimulator(ONE_QUBIT)
    prog = _ry_rz()
    assert ONE_QUBIT.ground_energy() == pytest.approx(ONE_QUBIT_GROUND, abs=1e-12)
    theta, e, nfev = optimize_angles(sim, prog, np.array([0.4, -0.3]),
                                     OptimizerConfig("lbfgs"), np.random.default_rng(0))
    assert e == pytest.approx(ONE_QUBIT_GROUND, abs=1e-10)
    assert e == sim.energy(*prog, theta) and nfev >= 1
    # seeding a new angle first adds its three evaluations and still converges
    _, e2, _ = optimize_angles(sim, prog, np.array([0.4, 0.0]), OptimizerConfig("lbfgs"),
                               np.random.default_rng(0), new_index=1)
    assert e2 == pytest.approx(ONE_QUBIT_GROUND, abs=1e-10)


@pytest.mark.parametrize("method, shots, nfev", [
    ("cobyla", None, 60),
    ("spsa", 1000, 1 + 2 * 60 + 6 + 1),
    ("adam-spsa", 1000, 1 + 2 * 60 + 6 + 1),
    ("adam-spsa", None, 1 + 2 * 60 + 6 + 1),
    # three stages capped at 1191/357/119 iterations, one final exact evaluation
    ("spsa3", 1000, (1 + 2382 + 120) + (1 + 714 + 36) + (1 + 238 + 12) + 1),
])
def test_derivative_free_optimisers_lower_the_energy(method, shots, nfev):
    """COBYLA and the SPSA family close at least 95 % of the gap to the ground energy from a
    fixed start, report the exact energy of the angles they return (even with shot noise)
    and spend exactly the documented number of evaluations."""
    sim = StatevectorSimulator(ONE_QUBIT)
    prog = _ry_rz()
    theta0 = np.array([0.4, -0.3])
    e0 = sim.energy(*prog, theta0)
    for seed in range(2):
        theta, e, used = optimize_angles(sim, prog, theta0,
                                         OptimizerConfig(method, maxiter=60, shots=shots),
                                         np.random.default_rng(seed))
        assert e == sim.energy(*prog, theta)
        assert e - ONE_QUBIT_GROUND < 0.05 * (e0 - ONE_QUBIT_GROUND)
        assert used == nfev


def test_optimize_angles_without_angles_evaluates_once():
    """A program of CNOTs only has nothing to optimise: its energy, one evaluation."""
    sim = StatevectorSimulator(PauliSum(["ZZ", "XI"], [1.0, 0.5]), init=1)
    prog = _program([CX], [0], [1])
    theta, e, nfev = optimize_angles(sim, prog, np.zeros(0), OptimizerConfig(),
                                     np.random.default_rng(0))
    assert theta.size == 0 and nfev == 1 and e == pytest.approx(1.0 * (-1) * (-1))


def test_shot_sigma_formula():
    """``sqrt(sum w_i^2 s_i^2)`` with ``s_i = (10 N)^-1/2`` for ``|w_i| > 0.05`` and
    ``N^-1/2`` otherwise (|w| = 0.05 counts as small)."""
    w = np.array([0.5, -0.01, 0.2, 0.05, -0.3])
    n = 400
    expected = np.sqrt((0.25 + 0.04 + 0.09) / (10 * n) + (0.0001 + 0.0025) / n)
    assert shot_sigma(w, n) == pytest.approx(expected, rel=1e-14)
    assert shot_sigma([0.0], 10) == 0.0


def test_unknown_optimiser_and_bad_maxiter_are_value_errors():
    """The config rejects an unknown method (naming the choices) and ``maxiter < 1``."""
    assert METHODS == ("lbfgs", "cobyla", "spsa", "adam-spsa", "spsa3")
    with pytest.raises(ValueError, match="unknown optimiser 'nelder'.*lbfgs"):
        OptimizerConfig("nelder")
    with pytest.raises(ValueError, match="maxiter"):
        OptimizerConfig("lbfgs", maxiter=0)


# ===================================================================== curriculum
def test_env_start_threshold_and_fake_minimum():
    """By default ``E_fake = E_min - 2`` and ``xi0 = (E_min - E_fake) + (E_empty - E_min)/2``;
    ``accept_err`` and ``fake_min_energy`` override them."""
    ref = H2_2.reference_energy
    sim = StatevectorSimulator(H2_2)
    env = ArchitectureEnv(sim, ref, EnvConfig(max_gates=4))
    e_empty = sum(c for c, lab in zip(H2_2.coeffs, H2_2.labels) if "X" not in lab)  # |00>
    assert env.empty_energy == pytest.approx(e_empty, abs=1e-14)
    assert env.curriculum.fake_min == pytest.approx(ref - 2.0, abs=1e-14)
    assert env.curriculum.xi == pytest.approx(2.0 + (e_empty - ref) / 2, abs=1e-14)
    cfg = EnvConfig(max_gates=4, curriculum=CurriculumConfig(accept_err=0.3,
                                                             fake_min_energy=-5.0))
    env = ArchitectureEnv(sim, ref, cfg)
    assert (env.curriculum.fake_min, env.curriculum.xi) == (-5.0, 0.3)


def test_moving_threshold_schedule_exact_numbers():
    """Tighten by ``ball / radius_shift`` at every ``success_thresh``-th success, reset to
    ``E_best - E_fake + ball`` every ``shift_time`` episodes (the reset wins when both fall
    on one episode), never below 0, and no reset before any energy was recorded."""
    cfg = CurriculumConfig(shift_time=4, ball=0.01, success_thresh=2, radius_shift=10.0)
    mt = MovingThreshold(cfg, fake_min=-3.0, start_xi=1.0)
    assert mt.is_success(-2.0001) and not mt.is_success(-2.0)       # strict: E - fake < xi
    xis = []
    for success in (True, True, False):
        mt.end_episode(success)
        xis.append(mt.xi)
    assert xis == [1.0, 0.999, 0.999]
    mt.end_episode(False)                    # episode 4 with no energy recorded: no reset
    assert mt.xi == 0.999
    mt.record_energy(-2.5)
    mt.record_energy(-2.4)
    assert mt.best_energy == -2.5
    for success in (True, True, True):       # successes 3, 4 (tighten), 5
        mt.end_episode(success)
    assert mt.xi == pytest.approx(0.998, abs=1e-15)
    mt.end_episode(True)                     # success 6 tightens, then episode 8 resets
    assert mt.xi == pytest.approx(-2.5 + 3.0 + 0.01, abs=1e-15)
    assert mt.state() == {"xi": mt.xi, "best_energy": -2.5, "episodes": 8, "successes": 6}
    low = MovingThreshold(CurriculumConfig(shift_time=100, ball=1.0, success_thresh=1,
                                           radius_shift=2.0), fake_min=0.0, start_xi=0.7)
    low.end_episode(True)
    low.end_episode(True)
    assert low.xi == 0.0


# ===================================================================== environment
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_action_list_and_observation_size(n):
    """All-to-all: ``n(n-1)`` CNOTs in sorted (control, target) order, then RX, RY, RZ per
    qubit; the observation is ``L (n+3) n`` cells plus the energy (plus xi if observed)."""
    rng = np.random.default_rng(n)
    ham = random_hamiltonian(rng, n, 4)
    env = quiet_env(ham, max_gates=7)
    assert env.num_actions == n * (n - 1) + 3 * n == len(env.actions)
    cx = [(a, b) for k, a, b in env.actions if k == CX]
    assert cx == sorted((c, t) for c in range(n) for t in range(n) if c != t)
    assert env.actions[n * (n - 1):] == [(k, q, -1) for q in range(n) for k in (RX, RY, RZ)]
    obs, info = env.reset()
    assert obs.shape == (env.obs_size,) == (7 * (n + 3) * n + 1,)
    assert obs.dtype == np.float32 and obs[-1] == np.float32(env.empty_energy)
    env2 = quiet_env(ham, max_gates=7, cfg={"observe_threshold": True})
    obs2, _ = env2.reset()
    assert env2.obs_size == env.obs_size + 1 == obs2.size
    assert obs2[-1] == np.float32(env2.curriculum.xi)


def test_restricted_cnot_pairs():
    """``cnot_pairs`` keeps only the listed ordered pairs (duplicates merged, sorted); a pair
    outside the register or on one qubit is a ValueError."""
    ham = random_hamiltonian(np.random.default_rng(0), 3, 4)
    env = quiet_env(ham, cnot_pairs=[(1, 2), (0, 1), (1, 2), (2, 1)])
    assert [(a, b) for k, a, b in env.actions if k == CX] == [(0, 1), (1, 2), (2, 1)]
    assert env.num_actions == 3 + 9
    for bad in ([(0, 3)], [(1, 1)], [(-1, 0)]):
        with pytest.raises(ValueError, match="CNOT pair"):
            quiet_env(ham, cnot_pairs=bad)


def test_one_hot_tensor_places_gates_asap():
    """``T[d, target, control]`` for a CNOT and ``T[d, n + k, q]`` for a rotation about axis
    k, at the first moment all its qubits are free; the observation is ``T`` flattened
    plus the energy."""
    n = 3
    env = quiet_env(random_hamiltonian(np.random.default_rng(1), n, 6), max_gates=6)
    env.reset()
    steps = [((RX, 0, -1), (0, n + 0, 0)),       # q0 free at 0
             ((CX, 0, 1), (1, 1, 0)),            # max(free0=1, free1=0) = 1, T[1, tgt=1, ctl=0]
             ((RZ, 2, -1), (0, n + 2, 2)),       # q2 still free at 0
             ((RY, 1, -1), (2, n + 1, 1)),       # after the CNOT on q1
             ((CX, 2, 0), (2, 0, 2))]            # max(free2=1, free0=2) = 2, T[2, tgt=0, ctl=2]
    expected = np.zeros((6, n + 3, n), np.float32)
    for (k, a, b), cell in steps:
        obs, _, term, trunc, info = env.step(action_index(env, k, a, b))
        assert not (term or trunc)
        expected[cell] = 1.0
        np.testing.assert_array_equal(env.tensor, expected)
        np.testing.assert_array_equal(obs[:-1], expected.ravel())
        assert obs[-1] == np.float32(info["energy"])
    assert env.ansatz.to_dict()["gates"] == [["rx", 0], ["cx", 0, 1], ["rz", 2], ["ry", 1],
                                             ["cx", 2, 0]]


def test_masks_forbid_repeating_the_last_gate():
    """A rotation is masked right after the same rotation on its qubit, a CNOT right after
    the same CNOT on both its qubits; stepping a masked action raises and changes nothing."""
    env = quiet_env(random_hamiltonian(np.random.default_rng(2), 3, 6), max_gates=8)
    env.reset()
    assert env.action_masks().all()
    rx0, ry0, rx1 = (action_index(env, RX, 0), action_index(env, RY, 0),
                     action_index(env, RX, 1))
    cx01, cx10 = action_index(env, CX, 0, 1), action_index(env, CX, 1, 0)
    env.step(rx0)
    m = env.action_masks()
    assert not m[rx0] and m[ry0] and m[rx1] and m.sum() == env.num_actions - 1
    with pytest.raises(ValueError, match="masked"):
        env.step(rx0)
    assert len(env.ansatz) == 1 and env.tensor.sum() == 1
    env.step(cx01)
    m = env.action_masks()
    assert not m[cx01] and m[cx10] and m[rx0] and m.sum() == env.num_actions - 1
    with pytest.raises(ValueError):
        env.step(cx01)
    env.step(action_index(env, RZ, 1))           # something in between on the target
    m = env.action_masks()
    assert m[cx01] and not m[action_index(env, RZ, 1)]


def test_rewards_success_failure_and_incremental():
    """+5 and ``terminated`` on success; -5 and ``truncated`` at step L without success;
    otherwise ``clip((E_prev - E) / |E_prev - E_min|, -1, 1)``."""
    ry1 = 2 * 1 + 3 * 1 + 1                      # RY on qubit 1 of h2-2
    # success: a generous threshold makes the first useful rotation succeed
    env = quiet_env(accept_err=10.0)
    env.reset()
    _, r, term, trunc, info = env.step(ry1)
    assert (r, term, trunc) == (5.0, True, False) and env.success
    assert info["energy"] == pytest.approx(H2_2_ONE_ROTATION, abs=1e-9)
    assert env.curriculum.episodes == 1 and env.curriculum.successes == 1
    # incremental reward, then -5 at L = 2
    env = quiet_env(max_gates=2)
    env.reset()
    e0 = env.energy
    _, r, term, trunc, info = env.step(ry1)
    e1 = info["energy"]
    assert e1 == pytest.approx(H2_2_ONE_ROTATION, abs=1e-9)
    assert r == pytest.approx(np.clip((e0 - e1) / abs(e0 - env.min_energy), -1, 1), abs=1e-12)
    assert 0 < r < 1 and not (term or trunc)
    assert info["error"] == pytest.approx(e1 - env.min_energy) and not info["solved"]
    _, r, term, trunc, info = env.step(action_index(env, CX, 1, 0))
    assert (r, term, trunc) == (-5.0, False, True) and info["gates"] == 2
    assert info["error"] < 1e-9 and info["solved"]        # ry(q1), cx(1, 0) is exact on h2-2
    assert env.curriculum.episodes == 1 and env.curriculum.successes == 0
    # clipping: an E_min just below the empty energy makes the improvement ratio exceed 1
    env = ArchitectureEnv(StatevectorSimulator(H2_2), quiet_env().empty_energy - 0.01,
                          EnvConfig(max_gates=3, halting=False,
                                    curriculum=CurriculumConfig(accept_err=0.0)))
    env.reset()
    assert env.step(ry1)[1] == 1.0


def test_truncation_at_the_halting_step_and_seeded_halting():
    """Episodes are truncated exactly at ``halt_at`` (reward still incremental when
    ``halt_at < L``), ``halt_at`` lies in ``[round(25 L / 70), L]``, and the same reset
    seed draws the same halting steps."""
    L = 10
    env = quiet_env(max_gates=L, halting=True, seed=5)
    rng = np.random.default_rng(0)
    halts = []
    for ep in range(12):
        _, info = env.reset(seed=100 + ep)
        h = info["halt_at"]
        halts.append(h)
        assert round(L * 25 / 70) <= h <= L and env.halt_at == h
        for t in range(1, h + 1):
            a = int(rng.choice(np.flatnonzero(env.action_masks())))
            _, r, term, trunc, _ = env.step(a)
            assert not term and trunc == (t == h)
            if t == h < L:
                assert -1.0 <= r <= 1.0
    assert len(set(halts)) > 1
    other = quiet_env(max_gates=L, halting=True, seed=99)
    assert [other.reset(seed=100 + ep)[1]["halt_at"] for ep in range(12)] == halts
    a, b = quiet_env(max_gates=L, halting=True, seed=3), quiet_env(max_gates=L, halting=True,
                                                                   seed=3)
    assert [a.reset()[1]["halt_at"] for _ in range(8)] == [b.reset()[1]["halt_at"]
                                                           for _ in range(8)]
    no_halt = quiet_env(max_gates=L, halting=False)
    assert no_halt.reset()[1]["halt_at"] == L


def test_env_config_validation():
    """``max_gates >= 1`` and ``0 < halting_p < 1``."""
    with pytest.raises(ValueError):
        EnvConfig(max_gates=0)
    for p in (0.0, 1.0):
        with pytest.raises(ValueError):
            EnvConfig(halting_p=p)


# ===================================================================== DDQN
def _forward64(mlp: MLP, x: np.ndarray) -> np.ndarray:
    """The MLP's function evaluated in float64 from its (float32) weights."""
    x = x.astype(np.float64)
    for i, (w, b) in enumerate(zip(mlp.W, mlp.b)):
        x = x @ w.astype(np.float64) + b.astype(np.float64)
        if i < len(mlp.W) - 1:
            x = np.maximum(x, 0.0)
    return x


def test_mlp_forward_and_backward_match_finite_differences():
    """``forward`` is the ReLU MLP (float32 rounding); ``backward`` is the gradient of
    ``sum(grad_out * forward(x))`` in every flat weight, checked against central
    differences of the float64 function (step measured in float32)."""
    rng = np.random.default_rng(0)
    mlp = MLP((5, 7, 6, 3), rng)
    for b in mlp.b:
        b[...] = rng.normal(size=b.shape) * 0.3
    x = rng.normal(size=(4, 5)).astype(np.float32)
    gout = rng.normal(size=(4, 3)).astype(np.float32)
    out, acts = mlp.forward(x.copy(), keep=True)
    np.testing.assert_allclose(out, _forward64(mlp, x), rtol=1e-5, atol=1e-5)
    grad = mlp.backward(acts, gout).copy()
    assert grad.shape == mlp.flat.shape == (5 * 7 + 7 + 7 * 6 + 6 + 6 * 3 + 3,)

    def f():
        return float(np.sum(gout.astype(np.float64) * _forward64(mlp, x)))

    for i in range(mlp.flat.size):
        w0 = mlp.flat[i]
        mlp.flat[i] = w0 + np.float32(1e-3)
        up, wu = f(), float(mlp.flat[i])
        mlp.flat[i] = w0 - np.float32(1e-3)
        dn, wd = f(), float(mlp.flat[i])
        mlp.flat[i] = w0
        assert grad[i] == pytest.approx((up - dn) / (wu - wd), rel=1e-3, abs=2e-5), i


def _one_hot_batch(rng, rows: int, width: int, ones: int) -> np.ndarray:
    """Observations like the env's: ``ones`` ones per row, then a float (the energy)."""
    x = np.zeros((rows, width), np.float32)
    for r in range(rows):
        x[r, rng.choice(width - 1, ones, replace=False)] = 1.0
    x[:, -1] = rng.normal(size=rows)
    return x


def test_sparse_first_layer_is_the_dense_network(monkeypatch):
    """Wide one-hot inputs take the sparse path: same outputs and the same flat gradient
    as the dense path (forced by a zero density threshold), also after an earlier sparse
    pass on other rows (no stale first-layer rows)."""
    from qtool.qas import dqn as dqn_mod
    rng = np.random.default_rng(4)
    mlp = MLP((400, 16, 5), rng)
    x1, x2 = (_one_hot_batch(rng, 8, 400, 12) for _ in range(2))
    gout = rng.normal(size=(8, 5)).astype(np.float32)
    out_s, acts_s = mlp.forward(x1, keep=True)
    assert dqn_mod.sparse.issparse(acts_s[0])
    mlp.backward(acts_s, gout)
    out_s, acts_s = mlp.forward(x2, keep=True)
    grad_s = mlp.backward(acts_s, gout).copy()
    monkeypatch.setattr(dqn_mod, "_SPARSE_DENSITY", 0.0)
    out_d, acts_d = mlp.forward(x2, keep=True)
    assert isinstance(acts_d[0], np.ndarray)
    np.testing.assert_allclose(out_s, out_d, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad_s, mlp.backward(acts_d, gout), rtol=1e-5, atol=1e-6)


def test_replay_keeps_binary_observations_as_indices():
    """With a binary prefix, the buffer stores the ones' columns (growing its width as
    needed) and hands back a CSR batch equal to the stored observations; a non-0/1 entry
    in the prefix is refused."""
    from qtool.qas.dqn import _Observations
    rng = np.random.default_rng(6)
    store = _Observations(10, 52, 50)
    obs = [_one_hot_batch(rng, 1, 51, k)[0] for k in (0, 3, 20, 7)]
    obs = [np.concatenate([o[:50], [rng.normal(), 0.5]]).astype(np.float32) for o in obs]
    for i, o in enumerate(obs):
        store.put(i, o)
    assert store.ones.shape[1] >= 20
    got = store.batch(np.array([2, 0, 3, 1, 2]))
    assert sparse.issparse(got)
    np.testing.assert_array_equal(got.toarray(), np.array([obs[j] for j in (2, 0, 3, 1, 2)]))
    bad = obs[1].copy()
    bad[4] = 0.5
    with pytest.raises(ValueError, match="neither 0 nor 1"):
        store.put(5, bad)


def test_lazy_adam_moves_only_rows_seen_in_the_batch():
    """After a sparse backward pass, Adam leaves first-layer rows of all-zero inputs (and
    their moments) untouched -- even rows with momentum from an earlier batch -- and
    updates every other weight."""
    rng = np.random.default_rng(5)
    mlp = MLP((300, 32, 3), rng)
    x1 = np.zeros((4, 300), np.float32)
    x1[:, [3, 7, 299]] = 1.0
    x2 = np.zeros((4, 300), np.float32)
    x2[:, [10, 299]] = 1.0
    gout = rng.normal(size=(4, 3)).astype(np.float32)
    for x in (x1, x2):
        before = mlp.flat.copy()
        _, acts = mlp.forward(x, keep=True)
        mlp.adam_step(mlp.backward(acts, gout), 1e-2)
    w0_before = before[:300 * 32].reshape(300, 32)
    moved = np.flatnonzero(np.any(mlp.W[0] != w0_before, axis=1))
    assert moved.tolist() == [10, 299]                  # row 3 and 7 keep their momentum
    assert np.all(mlp.b[-1] != before[-3:])             # the other layers: plain Adam


def test_greedy_action_is_the_best_legal_one():
    """``act(greedy=True)`` returns the legal action of highest Q, never a masked one --
    even when the masked action has the highest Q; epsilon-greedy (eps = 1) draws only
    legal actions too."""
    rng = np.random.default_rng(1)
    agent = DDQNAgent(6, 9, small_dqn(), seed=2)
    for _ in range(50):
        obs = rng.normal(size=6).astype(np.float32)
        q = agent.q.forward(obs[None, :])[0]
        mask = rng.random(9) < 0.5
        mask[int(np.argmax(q))] = False
        if not mask.any():
            mask[int(np.argmin(q))] = True
        a = agent.act(obs, mask, greedy=True)
        legal = np.flatnonzero(mask)
        assert mask[a] and a == legal[np.argmax(q[legal])]
        assert all(mask[agent.act(obs, mask)] for _ in range(5))
    assert agent.eps == 1.0


def _feed_episode(agent, rewards, *, terminated):
    """Observe a 5-step episode with states ``s_t = t`` (constant vectors), actions ``t``,
    next masks with only action ``t+1`` legal; the last step ends the episode."""
    k = len(rewards)
    for t, r in enumerate(rewards):
        last = t == k - 1
        mask = np.zeros(agent.num_actions, bool)
        mask[t + 1] = True
        agent.observe(np.full(3, t, np.float32), t, r, np.full(3, t + 1, np.float32), mask,
                      terminated and last, (not terminated) and last)


@pytest.mark.parametrize("terminated", [True, False])
def test_n_step_returns_in_the_replay_buffer(terminated):
    """With N = 3, gamma = 0.5 the buffer holds ``sum_i gamma^i r_{t+i}`` over the next
    (up to) N rewards, the state N steps on, and the bootstrap factor ``gamma^k`` --
    zero for every transition that reached a terminal state, ``gamma^k`` after a
    truncation."""
    g = 0.5
    agent = DDQNAgent(3, 7, small_dqn(n_step=3, gamma=g), seed=0)
    r = [1.0, -2.0, 4.0, 0.5, 3.0]
    _feed_episode(agent, r, terminated=terminated)
    assert agent._size == 5 and not agent._chain
    assert agent._obs.ones.shape == (20_000, 0)          # no binary prefix declared
    rets = [r[0] + g * r[1] + g * g * r[2], r[1] + g * r[2] + g * g * r[3],
            r[2] + g * r[3] + g * g * r[4], r[3] + g * r[4], r[4]]
    nexts = [3, 4, 5, 5, 5]
    lengths = [3, 3, 3, 2, 1]
    np.testing.assert_allclose(agent._ret[:5], rets, rtol=1e-6)
    np.testing.assert_array_equal(agent._act[:5], range(5))
    np.testing.assert_array_equal(agent._obs.batch(np.arange(5))[:, 0], range(5))
    np.testing.assert_array_equal(agent._next.batch(np.arange(5))[:, 0], nexts)
    np.testing.assert_array_equal(agent._mask[:5].argmax(axis=1), nexts)
    disc = [g ** 3, g ** 3] + ([0.0] * 3 if terminated else [g ** k for k in lengths[2:]])
    np.testing.assert_allclose(agent._disc[:5], disc, rtol=1e-6)
    # a second episode appends after the first, its chain unpolluted by the first one
    _feed_episode(agent, [2.0, 2.0], terminated=True)
    np.testing.assert_allclose(agent._ret[5:7], [2.0 + g * 2.0, 2.0])
    np.testing.assert_array_equal(agent._disc[5:7], [0.0, 0.0])


def test_target_network_copied_every_target_update_steps():
    """No update while the buffer holds fewer than ``max(learn_start, batch_size)``
    transitions; then the target network equals the online one exactly after every
    ``target_update``-th update and lags behind in between; eps decays per update."""
    cfg = small_dqn(batch_size=4, learn_start=6, target_update=3, eps_decay=0.5,
                    eps_min=0.1, lr=1e-2)
    agent = DDQNAgent(3, 7, cfg, seed=0)
    assert np.array_equal(agent.q.flat, agent.q_target.flat)
    _feed_episode(agent, [1.0, 0.0, 2.0, 0.0, 1.0], terminated=True)
    assert agent.update() is None and agent.updates == 0
    _feed_episode(agent, [1.0, 0.0], terminated=False)
    for u in range(1, 8):
        loss = agent.update()
        assert loss is not None and loss >= 0 and agent.updates == u
        assert np.array_equal(agent.q.flat, agent.q_target.flat) == (u % 3 == 0)
        assert agent.eps == pytest.approx(max(0.1, 0.5 ** u))


def test_save_writes_a_numpy_npz(tmp_path):
    """``save`` writes an ``.npz`` numpy loads without pickle: the online weights ``W*`` /
    ``b*`` and the config as JSON."""
    cfg = small_dqn()
    agent = DDQNAgent(4, 5, cfg, seed=3)
    path = tmp_path / "agent.npz"
    agent.save(path)
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["W0", "W1", "W2", "b0", "b1", "b2", "config"]
        for i in range(3):
            np.testing.assert_array_equal(data[f"W{i}"], agent.q.W[i])
            np.testing.assert_array_equal(data[f"b{i}"], agent.q.b[i])
        assert json.loads(str(data["config"])) == json.loads(json.dumps(asdict(cfg)))


# ===================================================================== search
def _exact_env(seed=0, **kw):
    """h2-2 environment where success means error < 1e-7 (so episodes run to halting)."""
    cfg = EnvConfig(max_gates=10, target_error=1e-6,
                    curriculum=CurriculumConfig(accept_err=2.0 + 1e-7))
    return ArchitectureEnv(StatevectorSimulator(H2_2), H2_2.reference_energy, cfg, seed=seed,
                           **kw)


@pytest.mark.parametrize("agent", ["random", "ddqn"])
def test_search_solves_h2_2(agent):
    """30 episodes of either agent find the h2-2 ground state to 1e-6.  No circuit of one
    gate can (its best is a product state), so every solution has a CNOT and >= 2 gates."""
    res, learner = run_search(_exact_env(seed=1), 30, agent=agent, seed=1, dqn=small_dqn(),
                              log_every=0)
    assert (learner is None) == (agent == "random")
    assert res.episodes == 30 == len(res.curve) and res.first_success is not None
    assert res.best.error < 1e-6
    small = res.smallest_within(1e-6)
    assert small is not None and small.gates >= 2 and small.ansatz.num_cx >= 1
    if 1 in res.front:
        assert res.front[1].energy == pytest.approx(H2_2_ONE_ROTATION, abs=1e-9)
    assert res.steps == sum(c["gates"] for c in res.curve)
    energy = StatevectorSimulator(H2_2).energy(*res.best.ansatz.arrays(), res.best.theta)
    assert energy == pytest.approx(res.best.energy, abs=1e-12)
    if learner is not None:
        assert learner.updates > 0 and any(c["loss"] is not None for c in res.curve)


def test_pareto_front_and_smallest_within():
    """``offer`` keeps the lowest energy per gate count; ``pareto`` lists the members no
    smaller circuit beats (gates up, energy strictly down); ``best`` prefers fewer gates
    within 1e-9; ``smallest_within`` the fewest gates under an error."""
    def cand(gates, energy, ep=0):
        a = Ansatz(1)
        for i in range(gates):
            a.append(RY if i % 2 == 0 else RZ, 0)
        return Candidate(a, np.zeros(a.num_params), energy, energy + 1.0, ep)

    res = SearchResult()
    assert res.best is None and res.pareto() == [] and res.smallest_within(1.0) is None
    for g, e, ep in [(3, -0.5, 0), (1, -0.2, 0), (3, -0.6, 1), (3, -0.55, 2), (4, -0.3, 2),
                     (5, -0.8, 3), (6, -0.8 - 5e-10, 4), (2, -0.1, 4)]:
        res.offer(cand(g, e, ep))
    assert {g: c.energy for g, c in res.front.items()} == {
        1: -0.2, 2: -0.1, 3: -0.6, 4: -0.3, 5: -0.8, 6: -0.8 - 5e-10}
    assert [(c.gates, c.energy) for c in res.pareto()] == [(1, -0.2), (3, -0.6), (5, -0.8),
                                                            (6, -0.8 - 5e-10)]
    assert res.best.gates == 5
    assert res.smallest_within(0.45).gates == 3 and res.smallest_within(0.9).gates == 1
    assert res.smallest_within(0.1) is None
    assert cand(3, -0.6).summary() == {"energy": -0.6, "error": 0.4, "gates": 3, "cnots": 0,
                                       "parameters": 3, "depth": 3, "episode": 0}


def test_search_front_is_monotone():
    """On a real search the Pareto list has strictly increasing gates and strictly
    decreasing energies, and every front member is at or above the Pareto energy of its
    size."""
    res, _ = run_search(_exact_env(seed=2), 12, agent="random", seed=2, log_every=0)
    p = res.pareto()
    assert len(p) >= 2
    assert all(a.gates < b.gates and a.energy > b.energy for a, b in zip(p, p[1:]))
    for g, c in res.front.items():
        assert c.energy >= min(q.energy for q in p if q.gates <= g) - 1e-12
    assert res.best in p


@pytest.mark.parametrize("agent", ["random", "ddqn"])
def test_search_is_deterministic(agent):
    """Same seeds -> identical learning curve, best circuit and angles."""
    runs = [run_search(_exact_env(seed=4), 8, agent=agent, seed=4,
                       dqn=small_dqn(learn_start=8, batch_size=8), log_every=0)[0]
            for _ in range(2)]
    a, b = runs
    assert a.curve == b.curve and a.steps == b.steps and a.evaluations == b.evaluations
    assert a.best.ansatz == b.best.ansatz
    np.testing.assert_array_equal(a.best.theta, b.best.theta)
    c, _ = run_search(_exact_env(seed=4), 8, agent=agent, seed=5,
                      dqn=small_dqn(learn_start=8, batch_size=8), log_every=0)
    assert c.curve != a.curve


def test_time_limit_stops_between_episodes(monkeypatch):
    """With a clock that advances 1 s per reading, ``time_limit=2.5`` lets exactly two
    episodes start; ``time_limit=0`` none.  Progress lines come every ``log_every``."""
    import qtool.qas.search as search_mod

    def install_clock():
        ticks = iter(range(10 ** 6))
        monkeypatch.setattr(search_mod, "time",
                            types.SimpleNamespace(perf_counter=lambda: float(next(ticks))))

    install_clock()
    res, _ = run_search(_exact_env(), 50, agent="random", time_limit=2.5, log_every=0)
    assert res.episodes == 2 == len(res.curve) and not res.interrupted
    install_clock()
    res, _ = run_search(_exact_env(), 50, agent="random", time_limit=0, log_every=0)
    assert res.episodes == 0 and res.best is None
    monkeypatch.undo()
    lines = []
    res, _ = run_search(_exact_env(), 5, agent="random", log_every=2, progress=lines.append)
    assert len(lines) == 2 and lines[0].startswith("episode 2: best error")
    with pytest.raises(ValueError, match="unknown agent"):
        run_search(_exact_env(), 1, agent="ppo")


def test_architecture_search_report():
    """``architecture_search`` evaluates the chosen circuit without noise, restricts CNOTs
    to the given pairs and records its settings (gamma = round(0.005^(1/L), 2))."""
    rep = architecture_search(H2_2, episodes=6, seed=0, max_gates=5, cnot_pairs=[(1, 0)],
                              log_every=0)
    d = rep.to_dict()
    assert d["num_qubits"] == 2 and d["settings"]["cnot_pairs"] == 1
    assert d["settings"]["gamma"] == round(0.005 ** (1 / 5), 2) and d["settings"]["max_gates"] == 5
    assert d["error"] == pytest.approx(d["energy"] - H2_2.reference_energy, abs=1e-15)
    assert d["noisy"] is False and d["noiseless_energy"] == d["energy"]
    assert all(g[1:] == [1, 0] for g in d["ansatz"]["gates"] if g[0] == "cx")
    assert list(d["parameter_values"]) == [f"theta_{i}" for i in range(d["parameters"])]
    with pytest.raises(ValueError, match="pick"):
        architecture_search(H2_2, episodes=1, pick="worst")


def test_architecture_search_starts_from_the_requested_state():
    """Every circuit of the search starts from ``init``; the report says which, and the
    empty circuit of an HF-started search already has the Hartree-Fock energy."""
    for spec, want in (("hf", H2_2.lowest_basis_state()), ("zero", 0), ("10", 2)):
        rep = architecture_search(H2_2, episodes=3, seed=0, log_every=0, init=spec)
        assert rep.ansatz.init == want and rep.settings["init"] == format(want, "02b")
        assert all(c.ansatz.init == want for c in rep.result.front.values())
    env = ArchitectureEnv(StatevectorSimulator(H2_2, init=3), H2_2.reference_energy)
    assert env.empty_energy == pytest.approx(H2_2.diagonal()[3], abs=1e-12)


def test_architecture_search_defaults_solve_h2_2():
    """With its default curriculum, 100 episodes of ``architecture_search`` on h2-2 (solved
    by ry + cx) reach an error below 1e-6."""
    rep = architecture_search(H2_2, episodes=100, seed=1, log_every=0)
    assert rep.to_dict()["error"] < 1e-6


def test_noisy_search_reports_the_most_robust_circuit_that_is_correct_in_principle():
    """In a noisy search ``best_solved`` ranks by noisy energy only the circuits whose
    noiseless error (same angles) meets the target; ``best`` ignores correctness."""
    def cand(gates, energy, clean):
        a = Ansatz(2)
        for _ in range(gates):
            a.append(RY, 0) if len(a) % 2 == 0 else a.append(RX, 0)
        return Candidate(a, np.zeros(a.num_params), energy, energy + 1.0, 0, clean)

    res = SearchResult(target_error=1e-3)
    res.offer(cand(2, -0.90, 5e-2))     # lowest noisy energy, wrong in principle
    res.offer(cand(5, -0.80, 1e-4))     # correct, noisier
    res.offer(cand(7, -0.85, 1e-5))     # correct, more robust
    assert res.best.gates == 2
    assert sorted(res.solved) == [5, 7]
    assert res.best_solved.gates == 7
