"""Differential tests of the unfolding kernels (:mod:`qtool._ext._unfold`) against their
numpy twins (:mod:`qtool._ref._unfold`)."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qtool._ext import _unfold as ext
from qtool._ref import _unfold as ref


@st.composite
def locations(draw):
    n = draw(st.integers(1, 64))
    nloc = draw(st.integers(0, 12))
    flips, probs, ptr, stay = [], [], [0], []
    for _ in range(nloc):
        k = draw(st.integers(0, 5))
        f = sorted(set(draw(st.lists(st.integers(1, (1 << n) - 1), min_size=k, max_size=k))))
        e = draw(st.floats(0.0, 0.3))
        flips += f
        probs += [e / max(1, len(f))] * len(f)
        ptr.append(len(flips))
        stay.append(1.0 - (e if f else 0.0))
    return (np.array(flips, np.uint64), np.array(probs), np.array(ptr, np.int64),
            np.array(stay), draw(st.sampled_from([0.0, 1e-7, 1e-3])))


@settings(max_examples=60, deadline=None)
@given(locations())
def test_convolve_matches_twin(args):
    m1, p1 = ext.convolve(*args)
    m2, p2 = ref.convolve(*args)
    np.testing.assert_array_equal(m1, m2)
    np.testing.assert_allclose(p1, p2, rtol=1e-12, atol=1e-15)
    if args[4] == 0.0:
        assert abs(p1.sum() - 1.0) < 1e-12


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(0, 60), st.integers(0, 2**31 - 1),
       st.sampled_from([0.0, 1e-4, 1e-2]), st.integers(0, 50))
def test_em_matches_twin(n, npair, seed, level, max_iter):
    rng = np.random.default_rng(seed)
    q = rng.random(n) + 0.01
    q /= q.sum()
    rows = np.concatenate([np.arange(n), rng.integers(0, n, npair)]).astype(np.int64)
    src = np.concatenate([np.arange(n), rng.integers(0, n, npair)]).astype(np.int64)
    w = np.concatenate([np.full(n, 0.9), rng.random(npair) * 0.1])
    pi1, it1 = ext.em(q, rows, src, w, level, max_iter)
    pi2, it2 = ref.em(q, rows, src, w, level, max_iter)
    assert it1 == it2
    np.testing.assert_allclose(pi1, pi2, rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 64), st.lists(st.integers(0, 2**64 - 1), max_size=30, unique=True),
       st.lists(st.integers(0, 2**64 - 1), max_size=10, unique=True), st.integers(0, 7))
def test_pairs_match_twin(n, raw_keys, raw_masks, shift):
    top = (1 << n) - 1
    keys = np.array(sorted({k & top >> shift for k in raw_keys}), np.uint64)
    masks = np.array(sorted({m & top >> shift for m in raw_masks} | {0}), np.uint64)
    got = ext.pairs(keys, masks)
    want = ref.pairs(keys, masks)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    rows, src, cols = got
    assert np.all(keys[rows] ^ masks[cols] == keys[src])


def test_docstring_examples():
    import doctest
    result = doctest.testmod(ext)
    assert result.attempted > 0 and result.failed == 0
