"""Classical QUBO solvers: simulated annealing, greedy descent, brute force and HiGHS MILP,
each checked against an independent enumeration."""
import doctest
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qtool import _kernels
from qtool._ref import _anneal as ref_anneal
from qtool.qubo import QUBO, BinaryProgram, InstanceError
from qtool.qubo.anneal import (SASampler, beta_schedule, default_beta_range, greedy_descent,
                               simulated_annealing)
from qtool.qubo.exact import brute_force, brute_force_program, solve_milp, solve_qubo_milp


def _random_qubo(n, seed, *, integer=False, density=1.0, offset=0.0):
    rng = np.random.default_rng(seed)
    Q = rng.integers(-5, 6, (n, n)).astype(float) if integer else rng.normal(size=(n, n))
    Q[rng.random((n, n)) > density] = 0
    return QUBO(Q, offset=offset)


def _enumerate(n):
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8).reshape(2**n, n)


def _mdkp(n, m, seed, *, quadratic=False):
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 30, (m, n)).astype(float)
    quad = None
    if quadratic:                   # a generic mixed-sign quadratic objective
        quad = rng.integers(-6, 7, (n, n)).astype(float) * (rng.random((n, n)) < 0.4)
    return BinaryProgram(f"mdkp{seed}", "max", rng.integers(5, 40, n), quadratic=quad,
                         constant=3.0, A_le=W, b_le=np.floor(0.4 * W.sum(axis=1)),
                         kind="generic" if quadratic else "mdkp")


def _assignment_rows(n):
    """``sum_k x_ik = 1`` for every ``i`` and ``sum_i x_ik = 1`` for every ``k``
    (variable ``i*n + k``)."""
    return np.vstack([np.kron(np.eye(n), np.ones((1, n))), np.kron(np.ones((1, n)), np.eye(n))])


def _qap(n, seed):
    rng = np.random.default_rng(seed)
    F = rng.integers(0, 10, (n, n))
    D = rng.integers(1, 10, (n, n))
    F, D = np.triu(F, 1) + np.triu(F, 1).T, np.triu(D, 1) + np.triu(D, 1).T
    prog = BinaryProgram(f"qap{n}", "min", np.zeros(n * n), quadratic=np.kron(F, D),
                         A_eq=_assignment_rows(n), b_eq=np.ones(2 * n), kind="qap",
                         meta={"n": n})
    best = min(sum(F[i, j] * D[p[i], p[j]] for i in range(n) for j in range(n))
               for p in itertools.permutations(range(n)))
    return prog, best


def _tsp(n, seed):
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    d = np.round(10 * np.linalg.norm(pts[:, None] - pts[None], axis=-1), 1)
    shift = np.roll(np.eye(n), 1, axis=1)             # step t -> t + 1 (mod n)
    prog = BinaryProgram(f"tsp{n}", "min", np.zeros(n * n), quadratic=np.kron(d, shift),
                         A_eq=_assignment_rows(n), b_eq=np.ones(2 * n), kind="tsp",
                         meta={"n": n})
    best = min(sum(d[o[t], o[(t + 1) % n]] for t in range(n))
               for o in itertools.permutations(range(n)))
    return prog, best


# ----------------------------------------------------------------------------- annealing
@pytest.mark.parametrize("seed", range(6))
def test_sa_finds_the_brute_force_optimum(seed):
    q = _random_qubo(12, seed, integer=seed % 2 == 0, offset=1.5)
    _, e_opt = brute_force(q)
    x = simulated_annealing(q, 40, np.random.default_rng(seed), sweeps=300)
    assert x.shape == (40, 12) and x.dtype == np.uint8 and set(np.unique(x)) <= {0, 1}
    e = q.energy(x)
    assert np.isclose(e.min(), e_opt)
    assert np.mean(np.isclose(e, e_opt)) >= 0.3
    assert np.all(e >= e_opt - 1e-9)


def test_sa_is_deterministic_and_sampler_agrees():
    q = _random_qubo(15, 1, density=0.3)
    a = simulated_annealing(q, 10, np.random.default_rng(7), sweeps=50)
    b = simulated_annealing(q, 10, np.random.default_rng(7), sweeps=50)
    c = simulated_annealing(q, 10, np.random.default_rng(8), sweeps=50)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    s = SASampler(sweeps=50)
    assert np.array_equal(s(q, 10, np.random.default_rng(7)), a)
    assert s == SASampler(sweeps=50)


@pytest.mark.parametrize("density", [0.08, 1.0])       # the CSR and the dense kernel
def test_pure_python_twin_gives_the_same_samples(monkeypatch, density):
    q = _random_qubo(9, 4, density=density)
    fast = simulated_annealing(q, 6, np.random.default_rng(3), sweeps=40)
    monkeypatch.setitem(_kernels._cache, "_anneal", ref_anneal)
    slow = simulated_annealing(q, 6, np.random.default_rng(3), sweeps=40)
    assert np.array_equal(fast, slow)


def test_initial_state_and_cold_schedule():
    q = _random_qubo(10, 2)
    start = greedy_descent(q, np.zeros(10, np.uint8))          # a 1-flip local minimum
    x = simulated_annealing(q, 5, np.random.default_rng(0), sweeps=20, initial=start,
                            beta_range=(1e6, 1e6))
    assert np.all(x == start)                                   # nothing is accepted uphill
    with pytest.raises(ValueError):
        simulated_annealing(q, 5, np.random.default_rng(0), initial=np.full(10, 2))
    with pytest.raises(ValueError):
        simulated_annealing(q, 5, np.random.default_rng(0), initial=np.zeros((4, 10)))


def test_schedule_and_sampler_settings():
    q = QUBO(np.array([[-1.0, 4.0], [0.0, 0.5]]))
    hot, cold = default_beta_range(q)
    assert np.isclose(np.exp(-hot * 5.0), 0.5)          # largest flip: |-1| + |4|
    assert np.isclose(np.exp(-cold * 0.5), 0.01)        # smallest coefficient
    b = beta_schedule((0.1, 10.0), 5)
    assert np.allclose(b, [0.1, 0.316227766, 1.0, 3.16227766, 10.0])
    assert default_beta_range(QUBO(np.zeros((3, 3)))) == (1.0, 1.0)
    for bad in (dict(sweeps=0), dict(sweeps=2.5), dict(beta_range=(0.0, 1.0)),
                dict(beta_range=(1.0, np.inf))):
        with pytest.raises(ValueError):
            SASampler(**bad)
    empty = simulated_annealing(QUBO(np.zeros((0, 0))), 3, np.random.default_rng(0))
    assert empty.shape == (3, 0) and empty.dtype == np.uint8


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 9), batch=st.integers(1, 5), seed=st.integers(0, 10**6))
def test_greedy_descent_reaches_local_minima(n, batch, seed):
    q = _random_qubo(n, seed, integer=seed % 2 == 0)
    x0 = np.random.default_rng(seed).integers(0, 2, (batch, n), dtype=np.uint8)
    x = greedy_descent(q, x0)
    assert x.shape == x0.shape and x.dtype == np.uint8
    e = q.energy(x)
    assert np.all(e <= q.energy(x0) + 1e-9)
    for i in range(n):
        y = x.copy()
        y[:, i] ^= 1
        assert np.all(q.energy(y) >= e - 1e-9)
    assert np.array_equal(greedy_descent(q, x0[0]), x[0])      # one state in, one out


# ----------------------------------------------------------------------------- brute force
@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 10), seed=st.integers(0, 10**6), integer=st.booleans())
def test_brute_force_matches_itertools(n, seed, integer):
    q = _random_qubo(n, seed, integer=integer, offset=-2.0)
    x, e = brute_force(q)
    allx = _enumerate(n)
    assert np.isclose(e, q.energy(allx).min()) and np.isclose(q.energy(x), e)


def test_brute_force_blocks_agree_past_one_block():
    q = _random_qubo(15, 3, integer=True)               # 12 low bits, 3 high bits
    x, e = brute_force(q)
    assert np.isclose(e, q.energy(_enumerate(15)).min())
    with pytest.raises(ValueError, match="max_vars"):
        brute_force(_random_qubo(25, 0))
    with pytest.raises(ValueError, match="max_vars"):
        brute_force(q, max_vars=10)


@pytest.mark.parametrize("seed", range(3))
def test_brute_force_program_matches_itertools(seed):
    prog = _mdkp(11, 3, seed, quadratic=seed == 2)
    allx = _enumerate(11)
    ok = prog.is_feasible(allx)
    x, v = brute_force_program(prog)
    assert prog.is_feasible(x) and np.isclose(v, prog.objective(allx[ok]).max())


def test_infeasible_programs_raise_instance_error():
    prog = BinaryProgram("bad", "max", [1, 1, 1], A_eq=[[1, 1, 1]], b_eq=[4])
    with pytest.raises(InstanceError, match="infeasible"):
        brute_force_program(prog)
    with pytest.raises(InstanceError, match="infeasible"):
        solve_milp(prog)
    pair = BinaryProgram("pair", "min", [1, 1], quadratic=[[0, 1], [0, 0]],
                         A_le=[[1, 1], [-1, -1]], b_le=[0.5, -0.6])
    with pytest.raises(InstanceError, match="infeasible"):
        solve_milp(pair)


# ----------------------------------------------------------------------------- MILP
@pytest.mark.parametrize("seed", range(4))
def test_milp_matches_brute_force_on_mdkp(seed):
    prog = _mdkp(12, 2 + seed % 2, seed)
    x, v = solve_milp(prog)
    assert x.dtype == np.uint8 and prog.is_feasible(x)
    assert np.isclose(v, brute_force_program(prog)[1])


@pytest.mark.parametrize("sense", ["max", "min"])
def test_milp_linearises_mixed_sign_quadratics(sense):
    base = _mdkp(10, 2, 5, quadratic=True)
    prog = BinaryProgram("quad", sense, base.linear, quadratic=base.quadratic, constant=2.0,
                         A_le=base.A_le, b_le=base.b_le)
    assert (prog.quadratic > 0).any() and (prog.quadratic < 0).any()
    x, v = solve_milp(prog)
    assert prog.is_feasible(x) and np.isclose(v, brute_force_program(prog)[1])


def test_milp_solves_small_qap():
    prog, best = _qap(4, 0)
    x, v = solve_milp(prog)
    assert prog.is_feasible(x) and np.isclose(v, best)
    assert np.isclose(brute_force_program(prog)[1], best)


def test_milp_solves_five_city_tsp():
    prog, best = _tsp(5, 1)
    x, v = solve_milp(prog)
    assert prog.is_feasible(x) and np.isclose(v, best)


@pytest.mark.parametrize("seed", range(3))
def test_qubo_milp_matches_brute_force(seed):
    q = _random_qubo(14, seed, density=0.3, offset=4.0)
    x, e = solve_qubo_milp(q)
    assert np.isclose(e, brute_force(q)[1]) and np.isclose(q.energy(x), e)


def test_docstring_examples():
    import qtool._ext._anneal
    import qtool.qubo.anneal
    import qtool.qubo.exact
    for mod in (qtool._ext._anneal, qtool.qubo.anneal, qtool.qubo.exact):
        result = doctest.testmod(mod)
        assert result.attempted > 0 and result.failed == 0, mod.__name__
