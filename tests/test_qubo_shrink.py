"""Graph shrinking: the Max-Cut mapping, SDP/LP correlations, exact merges, vetoes, plots."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qtool.qubo.correlations import (bits_to_spins, cut_value, lp_correlations, qubo_to_maxcut,
                                     sdp_correlations, spins_to_bits, support_triangles)
from qtool.qubo.loaders import DATA_DIR
from qtool.qubo.program import QUBO, BinaryProgram
from qtool.qubo.shrink import Merge, plot_shrinking, replay, shrink


def all_bits(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.uint8).reshape(2 ** n, n)


def random_qubo(rng: np.random.Generator, n: int, density: float = 1.0) -> QUBO:
    Q = rng.normal(size=(n, n)) * (rng.random((n, n)) < density)
    return QUBO(Q, offset=float(rng.normal()))


def assert_exact(result, tol: float = 1e-9) -> None:
    """Every reduced assignment has the energy of its un-shrunk assignment."""
    Y = all_bits(result.qubo.num_vars)
    X = result.unshrink(Y)
    assert X.dtype == np.uint8 and X.shape == (len(Y), result.original.num_vars)
    scale = 1.0 + np.abs(result.original.Q).sum() + abs(result.original.offset)
    np.testing.assert_allclose(result.original.energy(X), result.qubo.energy(Y),
                               rtol=0, atol=tol * scale)
    for m in result.merges:                  # the merges hold in every un-shrunk assignment
        if m.target is None:
            assert np.all(X[:, m.removed] == m.value)
        elif m.sign > 0:
            assert np.all(X[:, m.removed] == X[:, m.target])
        else:
            assert np.all(X[:, m.removed] == 1 - X[:, m.target])


# ----------------------------------------------------------------------- Max-Cut mapping
def test_maxcut_identity_by_enumeration():
    rng = np.random.default_rng(0)
    q = random_qubo(rng, 7)
    W, K = qubo_to_maxcut(q)
    assert W.shape == (8, 8) and np.allclose(W, W.T) and np.all(np.diag(W) == 0)
    X = all_bits(7)
    S = bits_to_spins(X)
    np.testing.assert_array_equal(spins_to_bits(S), X)
    rhs = K + np.triu(W, 1).sum() / 4 - cut_value(W, S) / 2
    np.testing.assert_allclose(q.energy(X), rhs, atol=1e-12)
    # the global spin flip gives the same cut and decodes to the same bits
    np.testing.assert_allclose(cut_value(W, -S), cut_value(W, S))
    np.testing.assert_array_equal(spins_to_bits(-S), X)
    # the paper's formulas, entry by entry
    Q = q.Q
    np.testing.assert_allclose(W[1:, 1:], (Q + Q.T) * (1 - np.eye(7)))
    np.testing.assert_allclose(W[0, 1:], Q.sum(axis=1) + Q.sum(axis=0))
    np.testing.assert_allclose(K, q.offset + (Q.sum() - np.trace(Q)) / 4 + np.trace(Q) / 2)


# -------------------------------------------------------------------------- correlations
def test_sdp_is_optimal_by_dual_certificate():
    """Mixing-method solution: unit diagonal, PSD, and ``W + diag(|W v_a|)`` is PSD (the dual
    certificate of the GW SDP), so the duality gap is ~0."""
    rng = np.random.default_rng(1)
    for n, density in [(12, 1.0), (40, 0.3), (60, 1.0)]:
        W = np.triu(rng.normal(size=(n, n)) * (rng.random((n, n)) < density), 1)
        W = W + W.T
        C = sdp_correlations(W, rng)
        assert np.allclose(np.diag(C), 1) and np.all(np.abs(C) <= 1)
        w, U = np.linalg.eigh(C)
        assert w.min() > -1e-9
        V = U * np.sqrt(np.clip(w, 0, None))
        mu = np.linalg.norm(W @ V, axis=1)
        scale = np.abs(W).max()
        assert np.linalg.eigvalsh(W + np.diag(mu)).min() > -1e-3 * scale
        assert abs(np.sum(W * C) + mu.sum()) < 1e-4 * scale * n


def test_sdp_and_lp_bound_the_max_cut():
    rng = np.random.default_rng(2)
    n = 10
    W = np.triu(rng.random((n, n)) * (rng.random((n, n)) < 0.6), 1)
    W = W + W.T
    S = np.concatenate([np.ones((2 ** (n - 1), 1)), 1 - 2.0 * all_bits(n - 1)], axis=1)
    best = cut_value(W, S).max()
    value = lambda C: float(np.sum(W * (1 - C)) / 4)  # noqa: E731
    sdp, lp = value(sdp_correlations(W, 0)), value(lp_correlations(W))
    assert best - 1e-9 <= sdp <= best / 0.878 + 1e-9    # Goemans-Williamson for W >= 0
    assert best - 1e-9 <= lp <= np.triu(W, 1).sum() + 1e-9


def test_lp_triangle_inequalities():
    K3 = np.ones((3, 3)) - np.eye(3)
    C = lp_correlations(K3)
    assert np.sum(K3 * (1 - C)) / 4 == pytest.approx(2.0)       # not 3: the triangle cut
    tree = np.zeros((4, 4))
    for a, b in [(0, 1), (1, 2), (1, 3)]:
        tree[a, b] = tree[b, a] = 1.0
    C = lp_correlations(tree)
    assert np.allclose(C[tree > 0], -1) and np.all(C[(tree == 0) & ~np.eye(4, dtype=bool)] == 0)
    assert support_triangles(np.ones((4, 4)) - np.eye(4)).shape == (4, 3)


# ------------------------------------------------------------------- exact substitution
@st.composite
def qubo_and_merges(draw):
    n = draw(st.integers(1, 7))
    vals = st.floats(-5, 5, allow_nan=False, width=32)
    Q = np.array(draw(st.lists(vals, min_size=n * n, max_size=n * n))).reshape(n, n)
    q = QUBO(Q, offset=draw(vals))
    alive = list(range(n))
    merges = []
    for _ in range(draw(st.integers(0, n))):
        removed = alive.pop(draw(st.integers(0, len(alive) - 1)))
        k = draw(st.integers(-1, len(alive) - 1))
        merges.append(Merge(removed, None if k < 0 else alive[k], draw(st.sampled_from([1, -1]))))
    return q, merges


@given(qubo_and_merges())
def test_replayed_merges_preserve_energy_exactly(case):
    q, merges = case
    res = replay(q, merges)
    assert res.qubo.num_vars == q.num_vars - len(merges)
    assert sorted(set(res.kept) | {m.removed for m in merges}) == list(range(q.num_vars))
    assert_exact(res)
    np.testing.assert_array_equal(res.restrict(res.unshrink(all_bits(res.qubo.num_vars))),
                                  all_bits(res.qubo.num_vars))


@given(st.integers(2, 8), st.integers(0, 2 ** 31), st.sampled_from(["sdp", "lp"]),
       st.sampled_from(["adaptive", 1, 2]), st.floats(0, 1), st.floats(0.2, 1))
def test_shrink_preserves_energy_exactly(n, seed, method, recalc, ratio, density):
    q = random_qubo(np.random.default_rng(seed), n, density)
    res = shrink(q, ratio=ratio, correlations=method, recalc=recalc, rng=seed)
    assert res.qubo.num_vars == round(ratio * n)
    assert len(res.merges) == len(res.history) == n - res.qubo.num_vars
    assert_exact(res)


def test_reduced_ground_state_of_a_planted_problem():
    """A QUBO whose minimiser is unique and strongly coupled keeps its ground energy."""
    rng = np.random.default_rng(5)
    n = 10
    z = rng.integers(0, 2, n)
    s = 1 - 2 * z                                     # ferromagnet gauged to the planted state
    R = 1 + rng.random((n, n))
    J = -np.outer(s, s) * (R + R.T) * (1 - np.eye(n))
    q = QUBO(np.triu(4 * J, 1) + np.diag(-2 * J.sum(axis=1)))
    best = q.energy(all_bits(n)).min()
    assert q.energy(z) == pytest.approx(best)
    for method in ("sdp", "lp"):
        res = shrink(q, target_vars=3, correlations=method, rng=0)
        assert res.qubo.energy(all_bits(3)).min() == pytest.approx(best)


# ----------------------------------------------------------------------------- schedule
def test_targets_schedules_and_determinism():
    q = random_qubo(np.random.default_rng(3), 12)
    assert shrink(q, rng=0).qubo.num_vars == 8                   # default ratio 2/3
    assert shrink(q, target_vars=5, rng=0).qubo.num_vars == 5
    with pytest.raises(ValueError):
        shrink(q, target_vars=5, ratio=0.5)
    with pytest.raises(ValueError):
        shrink(q, target_vars=13)
    with pytest.raises(ValueError):
        shrink(q, recalc=0)
    with pytest.raises(ValueError):
        shrink(q, correlations="qaoa")
    every = shrink(q, ratio=0.5, recalc=1, rng=0)
    assert every.recalculations == len(every.merges) == 6
    assert [h.recalculations for h in every.history] == list(range(1, 7))
    three = shrink(q, ratio=0.5, recalc=4, rng=0)
    assert three.recalculations == 2
    ada = shrink(q, ratio=0.25, rng=0)
    assert all(h.corr >= h.threshold - 1e-12 for h in ada.history)
    assert [h.nodes for h in ada.history] == list(range(12, 3, -1))
    again = shrink(q, ratio=0.25, rng=0)
    assert ada.merges == again.merges
    stop = shrink(q, ratio=0.0, rng=0, callback=lambda step: step.step == 2)
    assert len(stop.merges) == 2 and stop.stop_reason == "stopped by callback"


# ------------------------------------------------------------------------------ vetoes
def forced_ones(res, group: int | None, t: int) -> np.ndarray:
    """Original variables that are 1 when reduced variable ``group`` is ``t`` (plus every
    variable fixed to 1); ``group=None``: the fixed ones only."""
    fixed = (res.rep < 0) & (res.alpha == 1)
    if group is None:
        return fixed
    val = res.alpha + res.beta * t
    return fixed | ((res.rep == group) & (val == 1))


def check_merges_respect(q, res, rows_ok) -> None:
    """Replay ``res`` merge by merge; after each, the group it built (both values; a fix:
    the fixed set) passes ``rows_ok(mask)``."""
    for k, m in enumerate(res.merges):
        part = replay(q, res.merges[: k + 1])
        if m.target is None:
            assert rows_ok(forced_ones(part, None, 0)), m
        else:
            r = int(np.flatnonzero(part.kept == m.target)[0])
            for t in (0, 1):
                assert rows_ok(forced_ones(part, r, t)[: len(part.alpha)]), (m, t)


def ties_everything_qubo(n: int, rng) -> QUBO:
    """Ferromagnetic couplings with a mild push to 1: every pair wants to be equal."""
    J = np.triu(-(1 + rng.random((n, n))), 1)
    return QUBO(J + np.diag(np.full(n, 0.5 * (n - 1))))


def test_mdkp_veto_on_merged_groups():
    rng = np.random.default_rng(4)
    n = 10
    w = rng.integers(1, 10, size=(2, n)).astype(float)
    b = np.array([w[0].sum() / 3, w[1].sum() / 3]).round()
    prog = BinaryProgram("m", "max", np.ones(n), A_le=w, b_le=b, kind="mdkp")
    q = ties_everything_qubo(n, rng)
    fits = lambda mask: bool(np.all(w[:, mask[:n]].sum(axis=1) <= b))  # noqa: E731
    plain = shrink(q, target_vars=3, rng=0)
    with pytest.raises(AssertionError):
        check_merges_respect(q, plain, fits)          # without the program, groups overflow
    res = shrink(q, target_vars=3, rng=0, program=prog)
    assert res.vetoed > 0 and 0 < sum(h.vetoed for h in res.history) <= res.vetoed
    check_merges_respect(q, res, fits)
    assert_exact(res)


def test_mis_veto_and_slack_variables_are_free():
    rng = np.random.default_rng(6)
    n, extra = 8, 3                                   # 3 slack-like QUBO variables at the end
    edges = [(i, i + 1) for i in range(n - 1)]
    A = np.zeros((len(edges), n))
    for r, (u, v) in enumerate(edges):
        A[r, [u, v]] = 1
    prog = BinaryProgram("path", "max", np.ones(n), A_le=A, b_le=np.ones(len(edges)), kind="mis")
    q = ties_everything_qubo(n + extra, rng)
    independent = lambda mask: not any(mask[u] and mask[v] for u, v in edges)  # noqa: E731
    res = shrink(q, target_vars=4, rng=0, program=prog)
    check_merges_respect(q, res, independent)
    assert res.qubo.num_vars == 4
    # the same rows given only as meta["edges"] are derived
    meta_prog = BinaryProgram("path", "max", np.ones(n), kind="mis", meta={"edges": edges})
    assert shrink(q, target_vars=4, rng=0, program=meta_prog).merges == res.merges
    with pytest.raises(ValueError):
        shrink(QUBO(np.eye(3)), program=prog)       # more program variables than QUBO ones


def test_onehot_veto():
    rng = np.random.default_rng(7)
    k = 3
    idx = np.arange(k * k).reshape(k, k)
    A = np.zeros((2 * k, k * k))
    for r in range(k):
        A[r, idx[r]] = 1
        A[k + r, idx[:, r]] = 1
    prog = BinaryProgram("qap", "min", np.zeros(k * k), A_eq=A, b_eq=np.ones(2 * k), kind="qap",
                         meta={"n": k})
    q = ties_everything_qubo(k * k, rng)
    at_most_one = lambda mask: bool(np.all(A[:, mask].sum(axis=1) <= 1))  # noqa: E731
    res = shrink(q, target_vars=4, rng=0, program=prog)
    check_merges_respect(q, res, at_most_one)
    implied = BinaryProgram("qap", "min", np.zeros(k * k), kind="qap", meta={"n": k})
    assert shrink(q, target_vars=4, rng=0, program=implied).merges == res.merges


def test_everything_vetoed_stops():
    prog = BinaryProgram("bad", "max", np.ones(3), A_le=[[1, 1, 1]], b_le=[-1])
    res = shrink(random_qubo(np.random.default_rng(8), 3), target_vars=1, program=prog)
    assert res.qubo.num_vars == 3 and res.stop_reason == "every remaining merge is vetoed"
    assert res.vetoed == 6 and res.merges == []


# ------------------------------------------------------------------------- real instance
def test_mdkp_hp1_penalty_qubo():
    tok = np.array((DATA_DIR / "mdkp" / "hp1.dat").read_text().split(), dtype=float)
    n, m = int(tok[0]), int(tok[1])
    p = tok[3: 3 + n]
    w = tok[3 + n: 3 + n + m * n].reshape(m, n)
    b = tok[3 + n + m * n:]
    prog = BinaryProgram("hp1", "max", p, A_le=w, b_le=b, kind="mdkp")
    # E = -p.x/pmax + sum_r [lam g_r + rho/2 g_r^2],  g_r = w_r.x/b_r - 1
    lam, rho = 0.5, 4.0
    G, g0 = w / b[:, None], -np.ones(m)
    Q = rho / 2 * G.T @ G
    Q[np.diag_indices(n)] += -p / p.max() + G.T @ (lam + rho * g0)
    q = QUBO(Q, offset=float(m * (lam * -1 + rho / 2)))
    x = np.random.default_rng(0).integers(0, 2, (50, n))
    g = x @ G.T - 1
    np.testing.assert_allclose(q.energy(x), -x @ p / p.max() + (lam * g + rho / 2 * g ** 2).sum(1))
    for method in ("sdp", "lp"):
        res = shrink(q, ratio=2 / 3, correlations=method, program=prog, rng=0)
        assert res.qubo.num_vars == 19
        y = np.random.default_rng(1).integers(0, 2, (2000, 19))
        np.testing.assert_allclose(q.energy(res.unshrink(y)), res.qubo.energy(y), atol=1e-9)
        fits = lambda mask: bool(np.all(w[:, mask].sum(axis=1) <= b))  # noqa: E731
        check_merges_respect(q, res, fits)


# ---------------------------------------------------------------------------------- plot
def test_plot_writes_png(tmp_path):
    q = random_qubo(np.random.default_rng(9), 10, 0.5)
    res = shrink(q, ratio=0.5, rng=0)
    out = plot_shrinking(res, tmp_path / "shrink.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
