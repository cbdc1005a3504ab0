"""The batched AQ*-style search: with no heuristic it is plain best-first search, which must
reach the exact optimum whenever the budget covers it, and report honest failures."""
import numpy as np
import pytest
from scipy.stats import unitary_group

from qtool.gatesynth.cliffordt import CliffordTTables
from qtool.gatesynth.exact import WordTables
from qtool.gatesynth.search import aqstar, basis_moves, clifford_t_moves
from qtool.gatesynth.su2 import eps_op


@pytest.mark.parametrize("seed", range(3))
def test_best_first_clifford_t_reaches_the_optimum(seed):
    u = unitary_group.rvs(2, random_state=seed)
    opt = CliffordTTables(b_max=9).optimal(u, 0.02)
    moves = clifford_t_moves(CliffordTTables(b_max=5))
    r = aqstar(u, moves, 0.02, max_nodes=5000, time_limit=30)
    assert r.found and r.cost == opt.t_count
    assert r.eps_op <= 0.02 and sum(g == "t" for g in r.gates) == r.cost
    assert eps_op(moves.word_matrix(r.gates), u) == pytest.approx(r.eps_op, abs=1e-12)


def test_basis_search_finds_a_known_word_and_fails_honestly():
    tables = WordTables("hrc", max_level=3)
    moves = basis_moves(tables)
    basis = tables.basis
    gates = ["v1", "v2", "v2", "v3", "v1dg", "v3", "v2"]
    u = basis.word_matrix(gates)
    r = aqstar(u, moves, 1e-9, max_nodes=5000, time_limit=30)
    assert r.found and r.cost == len(gates) and r.eps_op < 1e-9
    rng_u = unitary_group.rvs(2, random_state=11)
    miss = aqstar(rng_u, moves, 1e-4, max_nodes=200, time_limit=30)
    assert not miss.found and miss.gates is None and miss.nodes >= 200


def test_heuristic_is_called_on_batches_and_steers_the_order():
    tables = CliffordTTables(b_max=4)
    moves = clifford_t_moves(tables)
    u = unitary_group.rvs(2, random_state=5)
    calls = []

    def h(residuals, last):
        calls.append(len(residuals))
        return np.ones((len(residuals), 3))
    r = aqstar(u, moves, 0.05, heuristic=h, batch=16, max_nodes=2000, time_limit=30)
    assert r.found and calls[0] == 1 and max(calls) <= 16


def test_learned_heuristic_from_an_npz_drives_the_search(tmp_path):
    from qtool.gatesynth.features import MLP
    from qtool.gatesynth.search import learned_heuristic
    rng = np.random.default_rng(0)
    net = MLP([rng.normal(size=(8, 9)) * 0.1, rng.normal(size=(3, 8)) * 0.1],
              [np.zeros(8), np.ones(3)])
    net.save(tmp_path / "h.npz")
    h = learned_heuristic(tmp_path / "h.npz")
    moves = clifford_t_moves(CliffordTTables(b_max=5))
    u = unitary_group.rvs(2, random_state=8)
    vals = h(np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]]), np.array([-1, 0]))
    assert vals.shape == (2, 3)
    r = aqstar(u, moves, 0.05, heuristic=h, max_nodes=3000, time_limit=30)
    assert r.found and r.eps_op <= 0.05
