"""Differential tests of the annealing kernels against their numpy twins, plus direct checks
of what the kernels promise (generator, Metropolis statistics, input checks)."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from qtool._ext import _anneal as ext
from qtool._ref import _anneal as ref


def _problem(n, density, integer, seed):
    """Symmetric zero-diagonal ``J`` (dense and sorted CSR) and ``h``."""
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 4, (n, n)).astype(float) if integer else rng.normal(size=(n, n))
    A[rng.random((n, n)) > density] = 0
    J = np.triu(A, 1)
    J = J + J.T
    h = rng.integers(-3, 4, n).astype(float) if integer else rng.normal(size=n)
    csr = sp.csr_array(J)
    csr.sort_indices()
    return J, (csr.indptr.astype(np.int32), csr.indices.astype(np.int32), csr.data), h


def _energy(J, h, x):
    x = x.astype(float)
    return x @ h + 0.5 * np.einsum("ri,ij,rj->r", x, J, x)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 10), reads=st.integers(0, 4), sweeps=st.integers(1, 25),
       density=st.floats(0.0, 1.0), integer=st.booleans(), seed=st.integers(0, 2**32 - 1),
       schedule=st.sampled_from(["geometric", "zero", "cold", "random"]))
def test_kernels_match_reference_bit_for_bit(n, reads, sweeps, density, integer, seed,
                                             schedule):
    J, csr, h = _problem(n, density, integer, seed)
    rng = np.random.default_rng(seed)
    betas = {"geometric": np.geomspace(0.05, 5.0, sweeps), "zero": np.zeros(sweeps),
             "cold": np.full(sweeps, 1e4), "random": rng.exponential(1.0, sweeps)}[schedule]
    seeds = rng.integers(0, 2**64 - 1, reads, dtype=np.uint64, endpoint=True)
    x0 = rng.integers(0, 2, (reads, n), dtype=np.uint8)
    x0_before = x0.copy()
    s_csr, e_csr = ext.anneal_csr(*csr, h, betas, seeds, x0)
    s_dense, e_dense = ext.anneal_dense(J, h, betas, seeds, x0)
    r_csr, f_csr = ref.anneal_csr(*csr, h, betas, seeds, x0)
    r_dense, f_dense = ref.anneal_dense(J, h, betas, seeds, x0)
    assert s_csr.dtype == np.uint8 and s_csr.shape == (reads, n)
    for other in (s_dense, r_csr, r_dense):
        assert np.array_equal(s_csr, other)
    for e in (e_csr, e_dense, f_csr, f_dense):
        np.testing.assert_allclose(e, _energy(J, h, s_csr), atol=1e-9)
    assert np.array_equal(x0, x0_before)                 # inputs are not written to


def test_reads_are_independent():
    """A read's sample depends only on its own seed and start state."""
    J, csr, h = _problem(8, 0.6, False, 3)
    betas = np.geomspace(0.1, 3.0, 20)
    seeds = np.array([11, 22, 33], np.uint64)
    x0 = np.random.default_rng(0).integers(0, 2, (3, 8), dtype=np.uint8)
    together, _ = ext.anneal_csr(*csr, h, betas, seeds, x0)
    for r in range(3):
        alone, _ = ext.anneal_csr(*csr, h, betas, seeds[r:r + 1], x0[r:r + 1])
        assert np.array_equal(alone[0], together[r])


def test_generator_is_xorshift64_star_of_splitmix64():
    """The twin's vectorised uint64 arithmetic equals exact integer arithmetic."""
    M = (1 << 64) - 1

    def splitmix(z):
        z = (z + 0x9E3779B97F4A7C15) & M
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return (z ^ (z >> 31)) or 0x9E3779B97F4A7C15

    seeds = [0, 1, 2**63, M, 123456789]
    states = [splitmix(s) for s in seeds]
    vec = ref._seed_state(np.array(seeds, np.uint64))
    assert vec.tolist() == states
    for _ in range(5):
        out = []
        for k, x in enumerate(states):
            x ^= x >> 12
            x ^= (x << 25) & M
            x ^= x >> 27
            states[k] = x
            out.append((((x * 0x2545F4914F6CDD1D) & M) >> 11) / 2.0**53)
        vec, u = ref._uniform(vec)
        assert vec.tolist() == states and u.tolist() == out


def test_metropolis_matches_boltzmann_on_one_spin():
    """One spin with cost ``d`` at fixed ``beta``: the chain's stationary law is Boltzmann,
    ``P(x=1) = p / (1 + p)`` with ``p = exp(-beta d)``."""
    reads, beta, d = 20000, 0.7, 1.0
    p = np.exp(-beta * d)
    seeds = np.arange(reads, dtype=np.uint64)
    x, _ = ext.anneal_dense(np.zeros((1, 1)), np.array([d]), np.full(15, beta), seeds,
                            np.zeros((reads, 1), np.uint8))
    assert abs(x.mean() - p / (1 + p)) < 0.02


def test_zero_temperature_only_goes_down():
    J, csr, h = _problem(10, 0.7, False, 5)
    x0 = np.random.default_rng(1).integers(0, 2, (6, 10), dtype=np.uint8)
    x, e = ext.anneal_csr(*csr, h, np.full(3, 1e6), np.arange(6, dtype=np.uint64), x0)
    assert np.all(e <= _energy(J, h, x0) + 1e-12)
    delta = np.where(x == 1, -1, 1) * (h + x @ J)
    assert np.all(delta >= -1e-12)          # a 1-flip local minimum after the cold sweeps


@pytest.mark.parametrize("mod", [ext, ref])
def test_bad_input_is_rejected(mod):
    J, csr, h = _problem(4, 1.0, True, 0)
    J[0, 1] = J[1, 0] = 1.0
    good = sp.csr_array(J)
    indptr, indices, data = good.indptr.astype(np.int32), good.indices.astype(np.int32), \
        good.data
    b, s, x0 = np.ones(3), np.zeros(2, np.uint64), np.zeros((2, 4), np.uint8)
    mod.anneal_csr(indptr, indices, data, h, b, s, x0)            # the good call works
    mod.anneal_dense(J, h, b, s, x0)
    for entry, problem in (((0, 1), "symmetric"), ((2, 2), "diagonal")):
        bad = J.copy()
        bad[entry] = 5.0
        with pytest.raises(ValueError, match=problem):
            mod.anneal_dense(bad, h, b, s, x0)
        m = sp.csr_array(bad)
        with pytest.raises(ValueError, match=problem):
            mod.anneal_csr(m.indptr.astype(np.int32), m.indices.astype(np.int32), m.data, h, b,
                           s, x0)
    backwards = np.concatenate([indices[indptr[i]:indptr[i + 1]][::-1] for i in range(4)])
    with pytest.raises(ValueError, match="increase"):
        mod.anneal_csr(indptr, backwards, data, h, b, s, x0)
    with pytest.raises(ValueError):
        mod.anneal_csr(indptr[:-1].copy(), indices, data, h, b, s, x0)
    with pytest.raises(ValueError, match="betas"):
        mod.anneal_dense(J, h, -b, s, x0)
    with pytest.raises(ValueError, match="betas"):
        mod.anneal_dense(J, h, np.array([np.inf]), s, x0)
    with pytest.raises(ValueError, match="initial"):
        mod.anneal_dense(J, h, b, s, np.full((2, 4), 2, np.uint8))
    with pytest.raises(ValueError, match="initial"):
        mod.anneal_dense(J, h, b, s, np.zeros((3, 4), np.uint8))
    with pytest.raises(ValueError, match="finite"):
        mod.anneal_dense(J, np.full(4, np.nan), b, s, x0)
