"""One-qubit quaternion algebra, eps_op, bases, and the exact searches (Clifford+T normal
forms, breadth-first word tables)."""
from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import unitary_group

from qtool.errors import InputError
from qtool.gatesynth.bases import BASES, Basis, get_basis
from qtool.gatesynth.cliffordt import (
    LETTERS,
    CliffordTTables,
    circuit_gates,
    clifford_words,
    word_quaternion,
)
from qtool.gatesynth.exact import WordTables
from qtool.gatesynth.su2 import (
    canonical,
    eps_op,
    eps_op_matrix,
    qconj,
    qdist,
    qmul,
    to_matrix,
    to_quaternion,
)


def _haar(seed, n=2):
    return unitary_group.rvs(n, random_state=seed)


def _circuit_matrix(gates):
    return reduce(lambda acc, g: LETTERS[g.upper()] @ acc, gates, np.eye(2, dtype=complex))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.floats(0, 2 * np.pi))
def test_quaternions_compose_like_matrices_modulo_phase(a, b, phase):
    u, v = _haar(a), _haar(b)
    qu, qv = to_quaternion(u), to_quaternion(v)
    assert eps_op(to_matrix(qu), u) < 1e-9
    assert eps_op(np.exp(1j * phase) * u, u) < 1e-7
    assert abs(abs(qmul(qu, qv) @ to_quaternion(u @ v)) - 1) < 1e-9
    assert abs(abs(qconj(qu) @ to_quaternion(u.conj().T)) - 1) < 1e-9
    c = canonical(-qu)
    assert np.allclose(c, canonical(qu))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_eps_op_is_the_phase_minimised_operator_norm(a, b):
    from scipy.optimize import minimize_scalar
    u, v = _haar(a), _haar(b)

    def norm(f):
        return np.linalg.norm(u - np.exp(1j * f) * v, 2)
    grid = np.linspace(0, 2 * np.pi, 721)
    f0 = grid[int(np.argmin([norm(f) for f in grid]))]
    brute = minimize_scalar(norm, bounds=(f0 - 0.01, f0 + 0.01), method="bounded",
                            options={"xatol": 1e-10}).fun
    assert eps_op(u, v) == pytest.approx(brute, abs=1e-7)
    assert eps_op(u, v) == pytest.approx(eps_op_matrix(u, v), abs=1e-9)
    assert qdist(to_quaternion(u), -to_quaternion(v)) == pytest.approx(eps_op(u, v))


def test_normal_form_counts_and_words():
    words, quats = clifford_words()
    assert len(words) == 24 and words[0] == ""
    tables = CliffordTTables(b_max=6)
    seen = [quats]
    for n in range(1, 7):
        pw, pq = tables.prefixes(n)
        assert len(pw) == 3 * 2 ** (n - 1)
        full = tables.full(n)
        assert len(full) == 24 * len(pw)
        for i in (0, len(full) // 2, len(full) - 1):      # words match their quaternions
            assert abs(abs(word_quaternion(tables.full_word(n, i)) @ full[i]) - 1) < 1e-9
        seen.append(full)
    everything = canonical(np.concatenate(seen))
    distinct = np.unique(np.round(everything, 9), axis=0)
    assert len(distinct) == 24 * (3 * 2 ** 6 - 2)          # all distinct modulo phase


def test_exact_search_recovers_t_count_of_known_words():
    tables = CliffordTTables(b_max=5)
    rng = np.random.default_rng(7)
    for n in (0, 1, 4, 7, 9):
        pw, _ = tables.prefixes(n)
        word = pw[rng.integers(len(pw))] + tables.cliffords[rng.integers(24)]
        r = tables.optimal(_circuit_matrix(circuit_gates(word)), eps=1e-7)
        assert r.t_count == n and r.eps_op < 1e-7


@pytest.mark.parametrize("seed", range(5))
def test_exact_search_meets_eps_and_reports_the_true_error(seed):
    u = _haar(seed)
    r = CliffordTTables(b_max=8).optimal(u, eps=0.02)
    assert r is not None and r.eps_op <= 0.02
    assert r.t_count == sum(g == "t" for g in r.gates)
    assert eps_op(_circuit_matrix(r.gates), u) == pytest.approx(r.eps_op, abs=1e-12)


def test_search_gives_up_beyond_max_t():
    assert CliffordTTables(b_max=2).optimal(_haar(3), eps=1e-4, max_t=4) is None


def test_docstring_examples():
    import doctest

    import qtool.gatesynth.bases
    import qtool.gatesynth.cliffordt
    import qtool.gatesynth.exact
    import qtool.gatesynth.su2
    import qtool.gatesynth.api
    import qtool.gatesynth.features
    import qtool.gatesynth.two_qubit
    import qtool.gatesynth.two_qubit_direct
    for mod in (qtool.gatesynth.su2, qtool.gatesynth.cliffordt, qtool.gatesynth.bases,
                qtool.gatesynth.exact, qtool.gatesynth.features, qtool.gatesynth.api,
                qtool.gatesynth.two_qubit, qtool.gatesynth.two_qubit_direct):
        result = doctest.testmod(mod)
        assert result.attempted > 0 and result.failed == 0, mod.__name__


# ----------------------------------------------------------------- bases and exact tables

def test_builtin_bases_and_inverses():
    assert get_basis("clifford_t").inverse_of("t") == "tdg"
    assert get_basis("hrc").inverse_closed
    ht = get_basis("ht")
    assert not ht.inverse_closed and ht.inverse_of("h") == "h"
    assert set(BASES) == {"clifford_t", "hrc", "ht"}


def test_user_basis_from_json_and_errors(tmp_path):
    good = tmp_path / "b.json"
    good.write_text('{"name": "xz", "gates": {"x": [[[0,0],[1,0]],[[1,0],[0,0]]], '
                    '"sx": [[[0.5,0.5],[0.5,-0.5]],[[0.5,-0.5],[0.5,0.5]]]}, '
                    '"costs": {"sx": 2}}')
    b = get_basis(str(good))
    assert isinstance(b, Basis) and b.names == ("x", "sx") and b.costs == (1.0, 2.0)
    bad = tmp_path / "bad.json"
    bad.write_text('{"gates": {"x": [[[2,0],[0,0]],[[0,0],[1,0]]]}}')
    with pytest.raises(InputError, match="unitary"):
        get_basis(str(bad))
    with pytest.raises(InputError, match="unknown basis"):
        get_basis("nope")


@pytest.mark.parametrize("name", ["ht", "hrc"])
def test_word_tables_find_shortest_known_words(name):
    basis = get_basis(name)
    tables = WordTables(basis, max_level=6)
    rng = np.random.default_rng(3)
    for length in (1, 4, 7, 10):
        gates = list(rng.choice(basis.names, size=length))
        r = tables.shortest(basis.word_matrix(gates), eps=1e-8)
        assert r is not None and r.length <= length and r.eps_op < 1e-8
        assert eps_op(basis.word_matrix(r.gates), basis.word_matrix(gates)) < 1e-8


def test_word_tables_levels_are_distinct_and_shortest():
    tables = WordTables("ht", max_level=10)
    allq = np.concatenate([tables.level(n)[0] for n in range(11)])
    assert len(np.unique(np.round(canonical(allq), 8), axis=0)) == len(allq)
    for n in range(1, 11):          # each stored word has exactly its level's length
        q, _ = tables.level(n)
        for i in (0, len(q) - 1):
            assert len(tables.word(n, i)) == n
            assert eps_op(get_basis("ht").word_matrix(tables.word(n, i)), to_matrix(q[i])) < 1e-9
