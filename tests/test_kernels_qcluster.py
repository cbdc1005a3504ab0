"""Differential tests of the Q-Cluster kernels (:mod:`qtool._ext._qcluster`) against their
numpy twins (:mod:`qtool._ref._qcluster`), plus direct checks of what they promise."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qtool._ext import _qcluster as ext
from qtool._ref import _qcluster as ref


@st.composite
def histograms(draw):
    n = draw(st.integers(1, 64))
    m = draw(st.integers(1, 40))
    top = (1 << n) - 1
    # cluster the keys around a few bases so that distances are small and ties are common
    bases = draw(st.lists(st.integers(0, top), min_size=1, max_size=4))
    flips = draw(st.lists(st.integers(0, top), min_size=m, max_size=m))
    sparse = draw(st.integers(1, 3))
    keys = set()
    for i, f in enumerate(flips):
        mask = f
        for _ in range(sparse):
            mask &= flips[(i * 7 + 3) % m] | (f >> 1)
        keys.add(bases[i % len(bases)] ^ mask)
    keys = np.array(sorted(keys), dtype=np.uint64)
    counts = np.array(draw(st.lists(st.integers(0, 50), min_size=len(keys),
                                    max_size=len(keys))), dtype=np.int64)
    k = draw(st.integers(0, min(6, len(keys))))
    cent = np.array(draw(st.lists(st.sampled_from(keys.tolist()), min_size=k, max_size=k)),
                    dtype=np.uint64)
    t = draw(st.sampled_from([0.0, 0.3, 1.0, 2.5, n / 4, float(n)]))
    return n, keys, counts, cent, t


@settings(max_examples=150, deadline=None)
@given(h=histograms(), max_iter=st.integers(0, 20))
def test_kernels_match_reference(h, max_iter):
    n, keys, counts, cent, t = h
    lab = ext.assign(keys, cent, t)
    np.testing.assert_array_equal(lab, ref.assign(keys, cent, t))
    c1, s1 = ext.update(keys, counts, lab, cent, n)
    c2, s2 = ref.update(keys, counts, lab, cent, n)
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(s1, s2)
    r1 = ext.kmodes(keys, counts, cent, t, n, max_iter)
    r2 = ref.kmodes(keys, counts, cent, t, n, max_iter)
    for a, b in zip(r1[:3], r2[:3]):
        np.testing.assert_array_equal(a, b)
    assert r1[3] == r2[3]
    p = 0.1
    table = p ** np.arange(n + 1) * (1 - p) ** (n - np.arange(n + 1))
    w = np.linspace(0.1, 1.0, len(cent))
    np.testing.assert_allclose(ext.leak(keys, cent, w, table),
                               ref.leak(keys, cent, w, table), rtol=1e-12, atol=1e-300)


def test_assign_first_wins_and_threshold():
    keys = np.array([0b00, 0b01, 0b11], np.uint64)
    cent = np.array([0b00, 0b11], np.uint64)
    # 0b01 is at distance 1 from both: the first centroid wins
    assert ext.assign(keys, cent, 1.0).tolist() == [0, 0, 1]
    assert ext.assign(keys, cent, 0.5).tolist() == [0, -1, 1]
    assert ext.assign(keys, np.zeros(0, np.uint64), 5.0).tolist() == [-1, -1, -1]


def test_update_majority_ties_go_to_one_and_empty_cluster_stays():
    keys = np.array([0b10, 0b01], np.uint64)
    counts = np.array([3, 3], np.int64)
    labels = np.array([0, 0], np.int64)
    cent = np.array([0b00, 0b10], np.uint64)
    new, sizes = ext.update(keys, counts, labels, cent, 2)
    assert new.tolist() == [0b11, 0b10] and sizes.tolist() == [6, 0]


def test_64_bit_keys():
    keys = np.array([0, 2**64 - 1, 2**63], np.uint64)
    cent = np.array([2**64 - 1], np.uint64)
    assert ext.assign(keys, cent, 64.0).tolist() == [0, 0, 0]
    new, sizes = ext.update(keys, np.array([2, 1, 1], np.int64), np.zeros(3, np.int64),
                            cent, 64)
    assert new.tolist() == [2**63] and sizes.tolist() == [4]
    table = np.full(65, 1.0)
    assert ext.leak(keys, cent, np.array([0.5]), table).tolist() == [0.5, 0.5, 0.5]


@pytest.mark.parametrize("mod", [ext, ref])
def test_input_checks(mod):
    keys = np.array([0b100], np.uint64)
    with pytest.raises(ValueError):
        mod.update(keys, np.array([1], np.int64), np.array([0], np.int64),
                   np.array([0], np.uint64), 2)          # key wider than num_bits
    with pytest.raises(ValueError):
        mod.update(keys, np.array([1], np.int64), np.array([3], np.int64),
                   np.array([0], np.uint64), 3)          # label out of range
    with pytest.raises(ValueError):
        mod.kmodes(keys, np.array([-1], np.int64), keys, 1.0, 3, 5)
    with pytest.raises(ValueError):
        mod.leak(keys, keys, np.array([1.0]), np.ones(3))  # distance table too short


def test_reference_handles_64_bit_keys_too():
    keys = np.array([0, 2**64 - 1, 2**63], np.uint64)
    cent = np.array([2**64 - 1], np.uint64)
    counts = np.array([2, 1, 1], np.int64)
    labels = np.zeros(3, np.int64)
    for mod in (ext, ref):
        new, sizes = mod.update(keys, counts, labels, cent, 64)
        assert new.tolist() == [2**63] and sizes.tolist() == [4]
