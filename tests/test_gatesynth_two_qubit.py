"""Two-qubit synthesis over a discrete basis: at most the KAK CNOT count, within eps on the
full 4x4 matrix, budget shared between the one-qubit factors."""
import numpy as np
import pytest
from scipy.stats import unitary_group

from qtool.gatesynth.su2 import eps_op_matrix
from qtool.gatesynth.two_qubit import synthesize_2q
from qtool.synthesis import kak_count

CX = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)


def _haar(seed, n=4):
    return unitary_group.rvs(n, random_state=seed)


def test_haar_su4_three_cx_within_eps_and_far_below_per_rotation_gridsynth():
    ts = []
    for seed in range(4):
        u = _haar(seed)
        r = synthesize_2q(u, "clifford_t", 1e-2)
        assert r.cx_count == 3 and r.eps_op <= 1e-2
        assert eps_op_matrix(r.matrix(), u) == pytest.approx(r.eps_op, abs=1e-12)
        assert {g for g, _ in r.gates} <= {"h", "s", "sdg", "t", "tdg", "cx"}
        ts.append(r.t_count)
    assert np.mean(ts) <= 160          # pygridsynth: 367 (anchors.md section 2)


def test_cnot_count_is_the_kak_minimum():
    a, b, c, d = (_haar(s, 2) for s in (1, 2, 3, 4))
    two = np.kron(a, b) @ CX @ np.kron(c, d) @ CX
    assert kak_count(two, "cx") == 2
    r = synthesize_2q(two, "clifford_t", 1e-2)
    assert r.cx_count == 2 and r.eps_op <= 1e-2
    r = synthesize_2q(CX, "clifford_t", 1e-3)
    assert (r.cx_count, r.t_count) == (1, 0) and r.eps_op < 1e-12
    r = synthesize_2q(np.kron(a, b), "clifford_t", 1e-2)
    assert r.cx_count == 0 and r.eps_op <= 1e-2


def test_shared_budget_beats_the_safe_split():
    """The greedy descent spends the budget: the product ends close to eps, and costs no
    more than every factor within eps / m."""
    from qtool.gatesynth.api import synthesize
    from qtool.synthesis import kak_decompose
    u = _haar(7)
    r = synthesize_2q(u, "clifford_t", 1e-2)
    factors = [op[2] for op in kak_decompose(u, "cx")[0] if op[0] == "1q"]
    safe = sum(synthesize(f, "clifford_t", 1e-2 / len(factors)).t_count for f in factors)
    assert r.t_count < safe and r.eps_op > 0.5e-2


def test_other_bases_and_bad_input():
    u = _haar(3)
    r = synthesize_2q(u, "hrc", 2e-2)
    assert r.cx_count == 3 and r.eps_op <= 2e-2 and r.t_count == 0
    assert r.cost == r.length - r.cx_count
    assert eps_op_matrix(r.matrix(), u) == pytest.approx(r.eps_op, abs=1e-12)
    with pytest.raises(ValueError, match="4x4 unitary"):
        synthesize_2q(np.eye(2), "clifford_t", 1e-2)
    with pytest.raises(ValueError, match="eps"):
        synthesize_2q(u, "clifford_t", 0.0)


def test_two_qubit_clifford_group_words_match_matrices():
    from qtool.gatesynth.two_qubit_direct import circuit_matrix, clifford_group_2q
    mats, words, lookup = clifford_group_2q()
    assert len(mats) == 11520 and (lookup >= 0).sum() == 11520
    for i in np.random.default_rng(0).choice(11520, 40, replace=False):
        assert eps_op_matrix(circuit_matrix(words[i]), mats[i]) < 1e-12
        assert sum(g == "cx" for g, _ in words[i]) <= 3


@pytest.mark.parametrize("name, t", [("cs", 3), ("csx", 3), ("ch", 2), ("swap", 0)])
def test_direct_search_wins_on_short_clifford_t_operators(name, t):
    from qtool.gates import GATES
    u = GATES.by_name[name].matrix()
    r = synthesize_2q(u, "clifford_t", 1e-3)
    assert r.t_count == t and r.eps_op < 1e-12 and r.cx_count <= kak_count(u, "cx")
    assert r.method.startswith("direct") or t == 0
    assert eps_op_matrix(r.matrix(), u) < 1e-12


def test_direct_search_recovers_random_low_t_circuits():
    from qtool.gatesynth.two_qubit_direct import circuit_matrix, direct_clifford_t
    rng = np.random.default_rng(5)
    one = ["h", "s", "sdg"]
    for _ in range(6):
        gates, n_t = [], 0
        for _ in range(12):
            k = rng.integers(4)
            if k == 0:
                gates.append(("cx", tuple(int(x) for x in rng.permutation(2))))
            elif k == 1 and n_t < 3:
                gates.append((str(rng.choice(["t", "tdg"])), (int(rng.integers(2)),)))
                n_t += 1
            else:
                gates.append((str(rng.choice(one)), (int(rng.integers(2)),)))
        u = circuit_matrix(gates)
        found = direct_clifford_t(u, 1e-9)
        assert found is not None
        assert sum(g in ("t", "tdg") for g, _ in found) <= n_t
        assert eps_op_matrix(circuit_matrix(found), u) < 1e-9
