"""QUBO builders (qtool.qubo.builders) and slack-free Lagrangian search (qtool.qubo.lagrangian):
the slack QUBO reproduces qiskit-optimization's QuadraticProgramToQubo (qubit counts of the
SAC-94 table, energies), the slack-free penalty QUBO is exact on n qubits, and every multiplier
method finds near-optimal feasible MDKP solutions with an exact sampler."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from qtool.qubo import QUBO, BinaryProgram
from qtool.qubo.builders import (Encoding, mis_qubo, onehot_penalty_qubo, penalty_qubo,
                                 qiskit_auto_penalty, relaxation, slack_bit_weights, slack_qubo,
                                 to_qiskit_quadratic_program)
from qtool.qubo.lagrangian import METHODS, lp_multipliers, solve_lagrangian
from qtool.qubo.loaders import DATA_DIR, load_mdkp


MDKP_DIR = DATA_DIR / "mdkp"      # bundled with the package
# papers.md §3.2: qiskit-optimization 0.7.0's slack qubit counts (n + sum_r ceil(log2(b_r + 1))).
SAC94_SLACK_QUBITS = {"hp1": 60, "hp2": 67, "pb1": 59, "pb2": 66, "pb4": 45, "pb5": 116,
                      "pet2": 99, "pet3": 102, "pet4": 107, "pet5": 122, "pet6": 86, "pet7": 100}


# ------------------------------------------------------------------------------- fixtures
def load_sac94(name: str) -> BinaryProgram:
    return load_mdkp(MDKP_DIR / f"{name}.dat")


def all_bits(n: int) -> np.ndarray:
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(np.uint8)


def brute_force_sampler(qubo: QUBO, num_reads: int, rng) -> np.ndarray:
    """Exact: the ``num_reads`` lowest-energy assignments, best first (n <= 14)."""
    assert qubo.num_vars <= 14
    X = all_bits(qubo.num_vars)
    order = np.argsort(qubo.energy(X), kind="stable")[:num_reads]
    return X[np.resize(order, num_reads)]


def numpy_sa_sampler(qubo: QUBO, num_reads: int, rng, sweeps: int = 60) -> np.ndarray:
    """Single-flip Metropolis annealing, all reads at once (a test stand-in for the Cython SA)."""
    S, h = qubo.symmetric()
    n = qubo.num_vars
    scale = max(qubo.max_abs_coefficient(), 1e-12)
    x = rng.integers(0, 2, (num_reads, n)).astype(float)
    field = h + 2.0 * x @ S                       # energy change of flipping i: (1 - 2x_i) field_i
    for beta in np.geomspace(0.1, 20.0, sweeps) / scale:
        for i in range(n):
            d = (1.0 - 2.0 * x[:, i]) * field[:, i]
            accept = (d <= 0) | (rng.random(num_reads) < np.exp(-beta * np.maximum(d, 0.0)))
            step = np.where(accept, 1.0 - 2.0 * x[:, i], 0.0)
            x[:, i] += step
            field += np.outer(step, 2.0 * S[i])
    return x.astype(np.uint8)


def random_mdkp(seed: int, n: int, m: int) -> BinaryProgram:
    """Chu-Beasley style random MDKP with its MILP optimum."""
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 1000, (m, n)).astype(float)
    b = np.floor(0.5 * W.sum(axis=1))
    p = np.floor(W.mean(axis=0) + 500 * rng.random(n))
    res = milp(-p, constraints=LinearConstraint(W, -np.inf, b), integrality=np.ones(n),
               bounds=Bounds(0, 1))
    return BinaryProgram(f"mdkp{seed}", "max", p, A_le=W, b_le=b, optimum=-res.fun, kind="mdkp")


def random_program(seed: int, *, integral: bool = True) -> BinaryProgram:
    """A mixed program: general <= rows (negative coefficients too), the x - y <= 0 and
    sum x <= 1 patterns, equalities, an optional quadratic objective, either sense."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 8))
    rows, rhs = [], []
    for _ in range(rng.integers(1, 3)):
        rows.append(rng.integers(-3, 6, n))
        rhs.append(rng.integers(-1, 12) + (0.5 if not integral else 0))
    for _ in range(rng.integers(0, 2)):
        i, j = rng.choice(n, 2, replace=False)
        r = np.zeros(n)
        r[[i, j]] = [1, -1]
        rows.append(r)
        rhs.append(0)
    for _ in range(rng.integers(0, 2)):
        r = np.zeros(n)
        r[rng.choice(n, int(rng.integers(2, 4)), replace=False)] = 1
        rows.append(r)
        rhs.append(1)
    A_eq = rng.integers(0, 3, (int(rng.integers(0, 2)), n))
    quad = rng.integers(-4, 5, (n, n)) * (rng.random((n, n)) < 0.3) if seed % 2 else None
    return BinaryProgram(f"p{seed}", "max" if seed % 3 else "min", rng.integers(-9, 10, n),
                         quadratic=quad, constant=float(rng.integers(-3, 4)),
                         A_le=np.array(rows), b_le=rhs, A_eq=A_eq,
                         b_eq=rng.integers(0, 4, A_eq.shape[0]))


def small_qap(seed: int, n: int = 3) -> BinaryProgram:
    rng = np.random.default_rng(seed)
    F, D = rng.integers(0, 10, (2, n, n))
    np.fill_diagonal(F, 0)
    np.fill_diagonal(D, 0)
    Q = np.einsum("ij,kl->ikjl", F, D).reshape(n * n, n * n)        # x_ik: facility i at k
    A = np.vstack([np.kron(np.eye(n), np.ones(n)), np.kron(np.ones(n), np.eye(n))])
    opt = min(sum(F[i, j] * D[p[i], p[j]] for i in range(n) for j in range(n))
              for p in itertools.permutations(range(n)))
    return BinaryProgram("qap", "min", np.zeros(n * n), quadratic=Q, A_eq=A, b_eq=np.ones(2 * n),
                         optimum=float(opt), kind="qap")


# ------------------------------------------------------------------------------- builders
def test_encoding_decodes_single_and_batched_samples():
    enc = slack_qubo(BinaryProgram("k", "max", [3, 2, 1], A_le=[[2, 3, 4]], b_le=[5]))
    assert isinstance(enc, Encoding)
    assert enc.num_program_vars == 3 and enc.num_qubits == 3 + 3 and enc.num_auxiliary == 3
    batch = np.arange(4 * 6).reshape(2, 2, 6) % 2
    assert np.array_equal(enc.decode(batch), batch[..., :3])
    assert np.array_equal(enc.decode(batch[0, 1]), batch[0, 1, :3])
    with pytest.raises(ValueError):
        enc.decode(np.zeros(5))


@pytest.mark.parametrize("upper", [1, 2, 3, 4, 5, 7, 8, 100, 255, 256, 1000])
def test_slack_bits_cover_exactly_zero_to_upper(upper):
    w = slack_bit_weights(upper)
    assert w.size == int(np.ceil(np.log2(upper + 1)))
    values = all_bits(w.size) @ w
    assert values.max() == upper and set(values.tolist()) == set(range(upper + 1))


@pytest.mark.parametrize("seed", range(12))
def test_penalty_qubo_is_exact_by_enumeration(seed):
    prog = random_program(seed, integral=bool(seed % 2))
    rng = np.random.default_rng(seed)
    m = prog.num_constraints
    lam = rng.normal(size=m)
    rho = rng.uniform(0.1, 5, m) if seed % 3 else 2.5
    X = all_bits(prog.num_vars)
    for normalise in (True, False):
        enc = penalty_qubo(prog, lam, rho, normalise=normalise)
        assert enc.num_qubits == prog.num_vars and enc.method == "penalty"
        # the energy written out from scratch, independent of the builder's matrices
        sign = 1.0 if prog.sense == "max" else -1.0
        obj_scale, le_scale = 1.0, np.ones(prog.b_le.size)
        if normalise:
            q = np.triu(prog.quadratic) + np.triu(prog.quadratic.T, 1) \
                if prog.quadratic is not None else np.zeros(1)
            obj_scale = max(np.abs(prog.linear).max(), np.abs(q).max())
            le_scale = np.where(prog.b_le > 0, prog.b_le, np.abs(prog.A_le).max(axis=1))
        g = np.hstack([(X @ prog.A_le.T - prog.b_le) / le_scale, X @ prog.A_eq.T - prog.b_eq])
        expected = -sign * prog.objective(X) / obj_scale + g @ lam + 0.5 * (g * g) @ (
            np.broadcast_to(rho, (m,)))
        np.testing.assert_allclose(enc.qubo.energy(X), expected, rtol=1e-10, atol=1e-9)


def test_penalty_qubo_mdkp_form_and_bad_multipliers():
    prog = random_mdkp(0, 8, 2)
    enc = penalty_qubo(prog)                         # lambda = 0, rho = 1
    X = all_bits(8).astype(float)
    g = X @ prog.A_le.T / prog.b_le - 1
    expected = -X @ prog.linear / prog.linear.max() + 0.5 * (g * g).sum(axis=1)
    np.testing.assert_allclose(enc.qubo.energy(X), expected, atol=1e-12)
    with pytest.raises(ValueError, match="multipliers"):
        penalty_qubo(prog, [1.0, 2.0, 3.0])


def test_slack_qubo_minimum_over_slack_is_the_objective_on_feasible_points():
    # max 5x0 + 4x1 + 3x2 + 2x3  s.t. 2x0 + 3x1 + x2 + 2x3 <= 4,  x0 - x1 + x2 <= 1,  x3 - x0 <= 0
    prog = BinaryProgram("s", "max", [5, 4, 3, 2],
                         A_le=[[2, 3, 1, 2], [1, -1, 1, 0], [-1, 0, 0, 1]], b_le=[4, 1, 0])
    enc = slack_qubo(prog)
    assert enc.info["row_kinds"] == ["slack", "slack", "implication"]
    assert enc.info["slack_bits"] == [3, 2, 0]          # U = 4 -> 3 bits; U = 1 - (-1) = 2 -> 2
    # qiskit's two stages: P1 from the objective, P2 from the objective plus the P1 terms
    assert enc.info["inequality_penalty"] == qiskit_auto_penalty(prog.linear) == 15
    assert enc.info["penalty"] == 1 + (5 + 4 + 3 + abs(-2 + 15)) + 15
    Z = all_bits(enc.num_qubits)
    E = enc.qubo.energy(Z)
    x_index = Z[:, :4] @ (1 << np.arange(4))
    best = np.full(16, np.inf)
    np.minimum.at(best, x_index, E)
    X = all_bits(4)
    feasible = prog.is_feasible(X)
    np.testing.assert_allclose(best[feasible], -prog.objective(X[feasible]))
    penalty = min(enc.info["penalty"], enc.info["inequality_penalty"])
    assert np.all(best[~feasible] >= -prog.objective(X[~feasible]) + penalty - 1e-9)


def test_slack_qubo_equality_rows_and_tight_rows_need_no_slack():
    # x0 + x1 <= 0 has U = 0: qiskit turns it into the equality x0 + x1 = 0, no slack
    prog = BinaryProgram("e", "min", [1, -2, 3], A_le=[[1, 1, 0]], b_le=[0],
                         A_eq=[[1, 1, 1]], b_eq=[1])
    enc = slack_qubo(prog, penalty=10.0)
    assert enc.num_qubits == 3 and enc.info["row_kinds"] == ["equality"]
    X = all_bits(3)
    viol = (X[:, :2].sum(1)) ** 2 + (X.sum(1) - 1) ** 2
    np.testing.assert_allclose(enc.qubo.energy(X), prog.objective(X) + 10.0 * viol)
    with pytest.raises(ValueError, match="non-integer"):
        slack_qubo(BinaryProgram("f", "max", [1, 1], A_le=[[0.5, 1.0]], b_le=[1]))


@pytest.mark.parametrize("name", sorted(SAC94_SLACK_QUBITS))
def test_sac94_slack_qubit_counts_match_the_table(name):
    prog = load_sac94(name)
    enc = slack_qubo(prog)
    assert enc.num_qubits == SAC94_SLACK_QUBITS[name]
    expected_bits = np.ceil(np.log2(np.floor(prog.b_le) + 1)).astype(int)
    assert enc.info["slack_bits"] == expected_bits.tolist()
    assert enc.info["penalty"] == 1 + np.abs(prog.linear).sum()
    assert penalty_qubo(prog).num_qubits == prog.num_vars


def test_mis_needs_no_slack_and_its_minimisers_are_maximum_independent_sets():
    edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 5), (5, 6), (6, 7), (2, 7)]
    n = 8
    A = np.zeros((len(edges), n))
    for r, (u, v) in enumerate(edges):
        A[r, [u, v]] = 1
    prog = BinaryProgram("mis", "max", np.ones(n), A_le=A, b_le=np.ones(len(edges)), kind="mis")
    X = all_bits(n)
    alpha = prog.objective(X[prog.is_feasible(X)]).max()
    enc = mis_qubo(prog)
    assert enc.num_qubits == n and enc.info["penalty"] == 2.0
    E = enc.qubo.energy(X)
    minimisers = X[np.isclose(E, E.min())]
    assert prog.is_feasible(minimisers).all() and np.all(minimisers.sum(1) == alpha)
    assert np.isclose(E.min(), -alpha)
    # qiskit's converter maps x_u + x_v <= 1 to P x_u x_v as well: n qubits, P = n + 1
    slack = slack_qubo(prog)
    assert slack.num_qubits == n and slack.info["inequality_penalty"] == n + 1
    np.testing.assert_allclose(slack.qubo.energy(X),
                               -prog.objective(X) + (n + 1) * np.maximum(X @ A.T - 1, 0).sum(1))
    with pytest.raises(ValueError, match="edge"):
        mis_qubo(BinaryProgram("bad", "max", [1, 1], A_le=[[1, 2]], b_le=[2]))


@pytest.mark.parametrize("seed", range(3))
def test_onehot_penalty_qubo_solves_a_small_qap(seed):
    prog = small_qap(seed)
    enc = onehot_penalty_qubo(prog)
    assert enc.num_qubits == 9
    X = all_bits(9)
    x = X[np.argmin(enc.qubo.energy(X))]
    assert prog.is_feasible(x) and prog.objective(x) == prog.optimum
    feasible = prog.is_feasible(X)
    np.testing.assert_allclose(enc.qubo.energy(X[feasible]), prog.objective(X[feasible]))
    with pytest.raises(ValueError, match="equality rows only"):
        onehot_penalty_qubo(random_mdkp(0, 5, 1))


# --------------------------------------------------------------- agreement with qiskit itself
@pytest.mark.parametrize("name", ["hp1", "pb4", "pb5", "pet2", "pet7"])
def test_slack_qubo_matches_qiskit_on_sac94(name):
    pytest.importorskip("qiskit_optimization")
    from qiskit_optimization.converters import QuadraticProgramToQubo
    prog = load_sac94(name)
    conv = QuadraticProgramToQubo()
    qq = conv.convert(to_qiskit_quadratic_program(prog))
    enc = slack_qubo(prog)
    assert qq.get_num_vars() == enc.num_qubits == SAC94_SLACK_QUBITS[name]
    assert conv.penalty == enc.info["penalty"]
    X = np.random.default_rng(1).integers(0, 2, (25, enc.num_qubits))
    np.testing.assert_allclose(enc.qubo.energy(X), [qq.objective.evaluate(x) for x in X],
                               rtol=1e-12)


@pytest.mark.parametrize("seed", range(16))
def test_slack_qubo_matches_qiskit_on_mixed_programs(seed):
    pytest.importorskip("qiskit_optimization")
    from qiskit_optimization.converters import QuadraticProgramToQubo
    prog = random_program(seed, integral=seed % 4 != 3)
    qq = QuadraticProgramToQubo().convert(to_qiskit_quadratic_program(prog))
    enc = slack_qubo(prog)
    assert qq.get_num_vars() == enc.num_qubits
    X = np.random.default_rng(seed).integers(0, 2, (40, enc.num_qubits))
    np.testing.assert_allclose(enc.qubo.energy(X), [qq.objective.evaluate(x) for x in X],
                               rtol=1e-12, atol=1e-6)


# ---------------------------------------------------------------------------- Lagrangian
def test_lp_multipliers_reproduce_the_lp_bound():
    """Scaled LP duals are optimal Lagrangian multipliers of the LP relaxation: the relaxed
    problem over the box [0,1]^n is worth exactly the LP optimum, in objective units."""
    for seed in range(4):
        prog = random_mdkp(seed, 12, 3)
        rel = relaxation(prog)
        lam = lp_multipliers(prog, rel)
        assert lam.shape == (3,) and np.all(lam >= 0)
        lp = -linprog(-prog.linear, A_ub=prog.A_le, b_ub=prog.b_le, bounds=(0, 1),
                      method="highs").fun
        reduced = prog.linear / rel.obj_scale - rel.A.T @ lam
        box_value = np.maximum(reduced, 0).sum() + lam @ rel.b
        assert rel.to_program_units(box_value) == pytest.approx(lp, rel=1e-7)


def test_dual_estimates_bound_the_optimum_with_an_exact_sampler():
    prog = random_mdkp(3, 12, 2)
    res = solve_lagrangian(prog, "subgradient", brute_force_sampler, rho=0.0, reads=1,
                           rounds=6, rng=0)
    duals = np.array([h.dual for h in res.history])
    assert np.all(duals >= prog.optimum - 1e-6)            # weak duality
    # at the LP duals the binary Lagrangian maximum equals the LP bound (linear in x)
    lp = -linprog(-prog.linear, A_ub=prog.A_le, b_ub=prog.b_le, bounds=(0, 1),
                  method="highs").fun
    assert duals[0] == pytest.approx(lp, rel=1e-7)


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_finds_near_optimal_mdkp_solutions(method):
    within, rounds = 0, 12
    for seed in range(8):
        prog = random_mdkp(seed, n=10 + seed % 5, m=2 + seed % 2)
        res = solve_lagrangian(prog, method, brute_force_sampler, rounds=rounds, reads=20,
                               rng=seed)
        assert len(res.history) == rounds and res.method == method
        assert res.best_x is not None and prog.is_feasible(res.best_x)
        assert res.best_objective == prog.objective(res.best_x) <= prog.optimum + 1e-9
        within += prog.gap(res.best_objective) <= 2.0
        for h in res.history:                         # inequality multipliers stay >= 0
            assert h.multipliers.shape == (prog.num_constraints,) and np.all(h.multipliers >= 0)
            assert 0.0 <= h.feasible_fraction <= 1.0 and h.max_violation >= 0.0
        assert np.all(res.multipliers >= 0)
        best = [h.best_objective for h in res.history if h.best_objective is not None]
        assert best == sorted(best)                   # best-so-far never gets worse
        assert res.encoding.num_qubits == prog.num_vars
        np.testing.assert_array_equal(res.encoding.info["multipliers"], res.multipliers)
        assert res.samples.shape == (20, prog.num_vars)
    assert within >= 6


@pytest.mark.parametrize("method", list(METHODS))
def test_same_seed_same_run(method):
    prog = random_mdkp(11, 12, 3)
    runs = [solve_lagrangian(prog, method, numpy_sa_sampler, rounds=4, reads=16, rng=5)
            for _ in range(2)]
    a, b = runs
    np.testing.assert_array_equal(a.multipliers, b.multipliers)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert a.best_objective == b.best_objective
    assert [h.dual for h in a.history] == [h.dual for h in b.history]
    assert a.best_objective is not None


def test_augmented_lagrangian_grows_rho_only_while_violated():
    prog = random_mdkp(2, 12, 3)
    res = solve_lagrangian(prog, "augmented-lagrangian", brute_force_sampler, rounds=10,
                           reads=4, rho=2.0, rng=0, options={"rho_max": 3.0})
    rhos = [h.rho for h in res.history]
    assert rhos[0] == 2.0 and max(rhos) <= 3.0
    for prev, nxt, h in zip(rhos, rhos[1:], res.history):
        assert nxt == (min(1.1 * prev, 3.0) if h.max_violation > 1e-3 else prev)


def test_polyak_steps_callback_and_zero_start():
    prog = random_mdkp(4, 10, 2)
    seen = []
    res = solve_lagrangian(prog, "subgradient", brute_force_sampler, rounds=8, reads=10,
                           rng=0, lambda0="zero", options={"step": "polyak", "top": 3},
                           callback=lambda k, rec, enc: seen.append(k) or k == 5)
    assert seen == [1, 2, 3, 4, 5] and len(res.history) == 5
    assert np.all(res.history[0].multipliers == 0)
    # at lambda = 0 the best read overfills every knapsack, so every multiplier goes up
    assert res.history[0].max_violation > 0 and np.all(res.history[1].multipliers > 0)


def test_equality_multipliers_are_free_on_a_qap():
    prog = small_qap(1)
    res = solve_lagrangian(prog, "subgradient", brute_force_sampler, rounds=8, reads=5, rng=0)
    assert res.best_objective == prog.optimum
    assert np.any(res.multipliers < 0)                 # one-hot rows: lambda unrestricted


def test_bad_arguments_are_refused():
    prog = random_mdkp(0, 6, 2)
    with pytest.raises(ValueError, match="unknown Lagrangian method"):
        solve_lagrangian(prog, "slack", brute_force_sampler)
    with pytest.raises(ValueError, match="unknown options"):
        solve_lagrangian(prog, "bundle", brute_force_sampler, options={"gamma": 1.0})
    with pytest.raises(ValueError, match="lambda0"):
        solve_lagrangian(prog, "bundle", brute_force_sampler, lambda0=[1.0])


def test_with_the_compiled_annealer_when_present():
    anneal = pytest.importorskip("qtool.qubo.anneal")
    prog = random_mdkp(7, 14, 3)

    def sampler(qubo, num_reads, rng):
        return anneal.simulated_annealing(qubo, num_reads, rng, sweeps=200)

    res = solve_lagrangian(prog, "augmented-lagrangian", sampler, rounds=6, reads=50, rng=1)
    assert res.best_x is not None and prog.gap(res.best_objective) <= 5.0
