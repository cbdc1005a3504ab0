"""Problem models, decoding, repair, local improvement and verification."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qtool.qubo import BinaryProgram, InstanceError
from qtool.qubo.loaders import DATA_DIR, load_instance
from qtool.qubo.models import (
    mdkp,
    mis,
    permutation_from_x,
    qap,
    qap_permutation,
    tour_length,
    tsp,
    tsp_tour,
)
from qtool.qubo.repair import improve, repair, verify


def _perm_x(perm) -> np.ndarray:
    n = len(perm)
    x = np.zeros((n, n))
    x[np.arange(n), perm] = 1
    return x.ravel()


def _order_x(order, fix_start: bool) -> np.ndarray:
    """Position encoding of a city order (``order[t]`` = city at step t)."""
    cities = order[1:] if fix_start else order
    off = 1 if fix_start else 0
    T = len(cities)
    x = np.zeros((T, T))
    x[np.asarray(cities) - off, np.arange(T)] = 1
    return x.ravel()


# --------------------------------------------------------------------------- models

def test_qap_objective_is_the_permutation_formula():
    rng = np.random.default_rng(3)
    n = 4
    F = rng.integers(0, 9, (n, n))
    D = rng.integers(0, 9, (n, n))             # asymmetric on purpose
    p = qap(F, D, optimum=1)
    assert (p.kind, p.sense, p.num_vars, p.meta["n"]) == ("qap", "min", 16, 4)
    assert p.var_names[1] == "x_0_1" and p.A_eq.shape == (8, 16)
    for perm in itertools.permutations(range(n)):
        x = _perm_x(perm)
        assert p.is_feasible(x)
        assert p.objective(x) == sum(F[i, j] * D[perm[i], perm[j]]
                                     for i in range(n) for j in range(n))
        assert qap_permutation(p, x).tolist() == list(perm)
    assert not p.is_feasible(np.ones(16)) and not p.is_feasible(np.zeros(16))


@pytest.mark.parametrize("fix_start", [True, False])
def test_tsp_objective_is_the_tour_length(fix_start):
    rng = np.random.default_rng(5)
    n = 5
    D = rng.integers(1, 50, (n, n)).astype(float)     # asymmetric
    np.fill_diagonal(D, 0)
    p = tsp(D, fix_start=fix_start)
    T = n - 1 if fix_start else n
    assert p.num_vars == T * T and p.meta == {**p.meta, "n": n, "fix_start": fix_start}
    for rest in itertools.permutations(range(1, n)):
        order = [0, *rest]
        x = _order_x(order, fix_start)
        assert p.is_feasible(x)
        length = tour_length(D, order)
        assert p.objective(x) == length
        assert tsp_tour(p, x) == order
    if not fix_start:                           # rotations of a tour are the same tour
        order = [2, 4, 0, 1, 3]
        assert tsp_tour(p, _order_x(order, False)) == order
        assert p.objective(_order_x(order, False)) == tour_length(D, order)


def test_tsp_tour_of_an_infeasible_assignment_is_a_tour():
    p = load_instance(DATA_DIR / "tsp/toy6.tsp")
    for x in (np.zeros(25), np.ones(25), np.eye(5)[::-1].ravel() + np.eye(5).ravel()):
        tour = tsp_tour(p, x)
        assert tour[0] == 0 and sorted(tour) == list(range(6))


def test_two_city_tsp_and_model_validation():
    p = tsp([[0, 3], [4, 0]])
    assert p.num_vars == 1 and p.objective([1]) == 7 and tsp_tour(p, [1]) == [0, 1]
    with pytest.raises(ValueError):
        tsp([[0]])
    with pytest.raises(ValueError):
        qap(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError):
        mis(3, [[0, 3]])
    with pytest.raises(ValueError):
        mis(3, [[1, 1]])
    with pytest.raises(ValueError):
        mdkp([1, 2], [[1, 1], [1, 1]], [1])
    g = mis(4, [[0, 1], [1, 2]])
    assert g.meta["edges"].shape == (2, 2) and g.meta["num_nodes"] == 4
    assert g.objective([1, 0, 1, 1]) == 3 and g.is_feasible([1, 0, 1, 1])
    assert not g.is_feasible([1, 1, 0, 0])


def test_permutation_from_x_prefers_ones_then_low_cost():
    x = np.array([[1, 1, 0], [0, 0, 0], [0, 0, 1]])
    cost = np.array([[5, 0, 0], [0, 0, 0], [0, 0, 0]])
    assert permutation_from_x(x, 3).tolist() in ([0, 1, 2], [1, 0, 2])
    assert permutation_from_x(x, 3, tie_cost=cost).tolist() == [1, 0, 2]
    big = np.array([[0, 0, 0], [0, 0, 0], [0, 0, 0]], dtype=float)
    # costs never outweigh a kept one
    assert permutation_from_x(np.eye(3), 3, tie_cost=big + np.eye(3) * 1e6).tolist() == [0, 1, 2]


# --------------------------------------------------------------------------- repair

def _generic(seed: int, n: int = 8) -> BinaryProgram:
    """A random quadratic program with <= and == rows, feasible by construction."""
    rng = np.random.default_rng(seed)
    x0 = rng.integers(0, 2, n)
    A = rng.integers(-3, 4, (3, n))
    E = rng.integers(-1, 3, (2, n))
    Q = rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.3)
    return BinaryProgram(f"g{seed}", "max" if seed % 2 else "min", rng.normal(size=n),
                         quadratic=Q, A_le=A, b_le=A @ x0 + rng.integers(0, 2, 3),
                         A_eq=E, b_eq=E @ x0)


def _tsp_free() -> BinaryProgram:
    rng = np.random.default_rng(8)
    D = rng.integers(1, 40, (5, 5))
    return tsp(D, fix_start=False)


def _qap_small() -> BinaryProgram:
    rng = np.random.default_rng(9)
    return qap(rng.integers(0, 6, (5, 5)), rng.integers(0, 6, (5, 5)))


PROGRAMS = {
    "pet3": lambda: load_instance(DATA_DIR / "mdkp/pet3.dat"),
    "hp1": lambda: load_instance(DATA_DIR / "mdkp/hp1.dat"),
    "1tc.32": lambda: load_instance(DATA_DIR / "mis/1tc.32.txt"),
    "1dc.64": lambda: load_instance(DATA_DIR / "mis/1dc.64.txt"),
    "tai10a": lambda: load_instance(DATA_DIR / "qap/tai10a.dat"),
    "qap5": _qap_small,
    "toy6": lambda: load_instance(DATA_DIR / "tsp/toy6.tsp"),
    "tsp5-free": _tsp_free,
    "generic-min": lambda: _generic(2),
    "generic-max": lambda: _generic(3),
}
_CACHE = {k: f() for k, f in PROGRAMS.items()}


@pytest.mark.parametrize("name", list(PROGRAMS))
@given(bits=st.lists(st.integers(0, 1), min_size=100, max_size=100), seed=st.integers(0, 3))
def test_repair_is_feasible_and_improve_never_worse(name, bits, seed):
    p = _CACHE[name]
    x = np.resize(np.array(bits), p.num_vars)
    y = repair(p, x, rng=np.random.default_rng(seed))
    assert y.dtype == np.uint8 and y.shape == (p.num_vars,)
    assert p.is_feasible(y)
    z = improve(p, y)
    assert p.is_feasible(z)
    assert not p.better(p.objective(y), p.objective(z))
    if p.optimum is not None:
        assert not p.better(p.objective(z), p.optimum)
    assert np.array_equal(improve(p, z), z)                      # a local optimum
    if p.is_feasible(x):                                         # feasible input: no worse
        assert not p.better(p.objective(x), p.objective(y))


def test_repair_leaves_feasible_inputs_alone():
    for p in _CACHE.values():
        z = improve(p, repair(p, np.zeros(p.num_vars)))
        assert np.array_equal(repair(p, z), z)


def test_mdkp_repair_follows_efficiency():
    # e = p / (w / b) = [10/(6/10), 9/(3/10), 2/(4/10), 5/(5/10)] = [16.7, 30, 5, 10]
    p = mdkp([10, 9, 2, 5], [[6, 3, 4, 5]], [10])
    # drop by increasing e: item 2 (load 18 -> 14), item 3 (-> 9); then nothing else fits
    assert repair(p, [1, 1, 1, 1]).tolist() == [1, 1, 0, 0]
    # from nothing: add by decreasing e while it fits: item 1, item 0 (load 9), 3 and 2 don't
    assert repair(p, [0, 0, 0, 0]).tolist() == [1, 1, 0, 0]
    # 1-swap: [0, 1, 0, 1] (14) is feasible; improve swaps item 3 for item 0 (19)
    assert repair(p, [0, 1, 0, 1]).tolist() == [0, 1, 0, 1]
    assert improve(p, [0, 1, 0, 1]).tolist() == [1, 1, 0, 0]


def test_mis_repair_drops_most_conflicted_then_adds_low_degree():
    # a star 0-{1,2,3} plus the edge 3-4 and an isolated vertex 5
    p = mis(6, [[0, 1], [0, 2], [0, 3], [3, 4]])
    assert repair(p, np.ones(6)).tolist() == [0, 1, 1, 0, 1, 1]
    assert repair(p, np.zeros(6)).tolist() == [0, 1, 1, 0, 1, 1]   # degree 0 first, then 1s
    # (1,2)-swap: {0, 4, 5} -> {1, 2, 4, 5} ... and then 3 stays blocked by 4
    assert improve(p, [1, 0, 0, 0, 1, 1]).tolist() == [0, 1, 1, 0, 1, 1]


def test_assignment_repair_keeps_permutations_and_reads_soft_values():
    p = _CACHE["qap5"]
    x = _perm_x([3, 0, 4, 1, 2])
    assert np.array_equal(repair(p, x), x)
    soft = np.full((5, 5), 0.1)
    soft[np.arange(5), [1, 2, 3, 4, 0]] = 0.9
    assert np.array_equal(repair(p, soft.ravel()), _perm_x([1, 2, 3, 4, 0]))
    t = _CACHE["toy6"]
    assert tsp_tour(t, improve(t, repair(t, np.zeros(25)))) in ([0, 1, 5, 2, 3, 4],
                                                                [0, 4, 3, 2, 5, 1])


def test_generic_repair_falls_back_to_the_nearest_feasible_point():
    # x0 + 2 x1 == 2 from (1, 0): no single flip lowers the violation -> MILP
    p = BinaryProgram("stall", "max", [5.0, 1.0], A_eq=[[1, 2]], b_eq=[2])
    assert repair(p, [1, 0]).tolist() == [0, 1]
    # nearest in Hamming distance, then best objective: two points at distance 1
    q = BinaryProgram("tie", "max", [1.0, 3.0, 0.0], A_eq=[[1, 1, 1]], b_eq=[2])
    assert repair(q, [0, 0, 1]).tolist() == [0, 1, 1]
    infeasible = BinaryProgram("none", "min", [1.0, 1.0], A_le=[[1, 1]], b_le=[-1])
    with pytest.raises(InstanceError, match="no feasible assignment"):
        repair(infeasible, [1, 1])
    big = BinaryProgram("big", "min", np.ones(201), A_eq=[np.full(201, 2.0)], b_eq=[3])
    with pytest.raises(InstanceError, match="no feasible assignment"):
        repair(big, np.zeros(201))


def test_repair_batches_and_is_deterministic():
    p = _CACHE["generic-min"]
    X = np.random.default_rng(0).integers(0, 2, (6, p.num_vars))
    Y = repair(p, X, rng=np.random.default_rng(1))
    assert Y.shape == X.shape and Y.dtype == np.uint8 and p.is_feasible(Y).all()
    assert np.array_equal(Y, repair(p, X, rng=np.random.default_rng(1)))
    assert np.array_equal(improve(p, Y), np.stack([improve(p, y) for y in Y]))
    with pytest.raises(ValueError):
        repair(p, np.zeros(p.num_vars + 1))
    with pytest.raises(ValueError, match="feasible"):
        improve(_CACHE["pet3"], np.ones(15))


def test_improve_reaches_small_optima():
    for name in ("qap5", "toy6", "pet3", "1tc.32"):
        p = _CACHE[name]
        best = max if p.sense == "max" else min
        rng = np.random.default_rng(0)
        vals = [p.objective(improve(p, repair(p, rng.integers(0, 2, p.num_vars))))
                for _ in range(20)]
        if p.optimum is None:
            n = p.meta["n"]
            p_opt = min(p.objective(_perm_x(q)) for q in itertools.permutations(range(n)))
        else:
            p_opt = p.optimum
        assert best(vals) == p_opt, name


def test_verify():
    p = load_instance(DATA_DIR / "mdkp/pet2.dat")
    x = np.zeros(10)
    x[[1, 3, 4, 7, 9]] = 1
    assert verify(p, x) == {"feasible": True, "objective": 87061.0, "violation": 0.0,
                            "gap": 0.0}
    r = verify(p, np.ones(10))
    assert not r["feasible"] and r["violation"] > 0 and r["gap"] == np.inf
    r = verify(p, np.zeros(10))
    assert r["feasible"] and r["gap"] == 100.0
    assert np.isnan(verify(mis(2, []), [1, 1])["gap"])
    with pytest.raises(ValueError):
        verify(p, np.full(10, 0.5))
    with pytest.raises(ValueError):
        verify(p, np.zeros(9))
