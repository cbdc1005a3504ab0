"""The circuit's flip channel (backward Pauli propagation) and EM unfolding through it."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qtool
from qtool.gates import MEASURE
from qtool.mitigation import hellinger_fidelity
from qtool.mitigation.counts import unpack_counts
from qtool.mitigation.unfold import flip_channel, pauli_flip_masks, unfold

PAULI_NAME = {1: "x", 2: "z", 3: "y"}


def _clifford_circuit(n=5):
    b = qtool.Circuit.builder(n, n)
    b.h(0)
    for i in range(n - 1):
        b.cx(i, i + 1)
    b.s(1)
    b.h(2)
    b.cz(2, 3)
    b.sdg(3)
    b.h(3)
    b.x(4)
    for i in range(n):
        b.measure(i, (i + 2) % n)          # clbits permuted against qubits
    return b.build()


def _distribution(circ, insert=None):
    """Exact clbit distribution ``{packed key: p}`` of ``circ`` with measurements at the end,
    optionally with extra gates ``(row, [(name, qubit), ...])`` right after ``row``."""
    n = circ.num_qubits
    b = qtool.Circuit.builder(n, circ.num_clbits)
    meas = {}
    for i in range(len(circ)):
        ins = circ.instruction(i)
        if circ.op[i] == MEASURE:
            meas[ins.qubits[0]] = ins.clbit
        else:
            b.append(ins.name, ins.qubits, ins.params)
        if insert is not None and insert[0] == i:
            for name, q in insert[1]:
                b.append(name, (q,))
    amp = b.build().statevector()
    out: dict[int, float] = {}
    for idx in np.flatnonzero(np.abs(amp) ** 2 > 1e-12):
        key = 0
        for q, c in meas.items():
            key |= ((int(idx) >> (n - 1 - q)) & 1) << c
        out[key] = out.get(key, 0.0) + float(abs(amp[idx]) ** 2)
    return out


def _check_masks(circ) -> int:
    """Insert every single Pauli at every location; the output must be the ideal one
    shifted by the predicted mask.  Returns the number of checks."""
    ideal = _distribution(circ)
    checked = 0
    for rows, masks in pauli_flip_masks(circ, circ.num_clbits):
        row = rows[0]
        if circ.op[row] == MEASURE:
            continue
        qs = circ.qubits_of(row)
        paulis = [p for p in itertools.product(range(4), repeat=len(qs)) if any(p)]
        assert len(paulis) == len(masks)
        for pauli, mask in zip(paulis, masks):
            errs = [(PAULI_NAME[p], q) for p, q in zip(pauli, qs) if p]
            got = _distribution(circ, (row, errs))
            want = {k ^ mask: v for k, v in ideal.items()}
            assert got.keys() == want.keys(), (row, pauli)
            assert all(abs(got[k] - want[k]) < 1e-9 for k in want)
            checked += 1
    return checked


@pytest.mark.parametrize("target", ["line:5,2q=ecr", "line:5,2q=cz"])
def test_every_single_pauli_error_flips_exactly_its_mask(target):
    circ = qtool.compile(_clifford_circuit(), target, 3, seed=1).circuit
    assert _check_masks(circ) > 50


_CLIFFORD_1Q = ("h", "s", "sdg", "x", "sx")


@settings(max_examples=12, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CLIFFORD_1Q + ("cx", "cz")),
                          st.integers(0, 3), st.integers(1, 3)), min_size=1, max_size=14),
       st.sampled_from(["cz", "ecr", "cx"]), st.permutations(range(4)))
def test_masks_exact_on_random_clifford_circuits(gates, native, clbits):
    b = qtool.Circuit.builder(4, 4)
    for name, q, d in gates:
        if name in ("cx", "cz"):
            b.append(name, (q, (q + d) % 4))
        else:
            b.append(name, (q,))
    for q in range(4):
        b.measure(q, clbits[q])
    target = f"line:4,2q={native}"
    _check_masks(qtool.compile(b.build(), target, 3, seed=2).circuit)


def test_channel_is_a_distribution_and_readout_adds_single_bit_flips():
    circ = qtool.compile(_clifford_circuit(), "line:5,2q=cz", 3, seed=1).circuit
    gates_only = flip_channel(circ, "line:5,2q=cz", 5)
    with_readout = flip_channel(circ, "line:5,2q=cz", 5, readout=True)
    for ch in (gates_only, with_readout):
        assert abs(ch.probs.sum() - 1) < 1e-12 and np.all(ch.probs > 0)
        assert np.all(np.diff(ch.masks.astype(np.int64)) > 0)
    p_identity = gates_only.probs[gates_only.masks == 0][0]
    assert with_readout.probs[with_readout.masks == 0][0] < p_identity
    for c in range(5):
        single = np.uint64(1 << c)
        assert (with_readout.probs[with_readout.masks == single][0]
                > gates_only.probs[gates_only.masks == single][0])


def test_non_clifford_rows_are_approximated_and_symbolic_ones_refused():
    b = qtool.Circuit.builder(2, 2)
    b.h(0)
    b.rz(0.3, 0)
    b.cx(0, 1)
    b.measure(0, 0)
    b.measure(1, 1)
    circ = qtool.compile(b.build(), "line:2,2q=cz", 3, seed=1).circuit
    assert abs(flip_channel(circ, "line:2,2q=cz", 2).probs.sum() - 1) < 1e-12
    sym = qtool.Circuit.builder(1, 1)
    sym.rz(qtool.Parameter("t"), 0)
    sym.measure(0, 0)
    with pytest.raises(ValueError, match="bound circuit"):
        flip_channel(sym.build(), "line:2,2q=cz", 1)


def _sample(dist: dict, channel, shots, rng):
    keys = np.array(list(dist), dtype=np.uint64)
    true = rng.choice(keys, size=shots, p=np.array(list(dist.values())))
    flips = rng.choice(channel.masks, size=shots, p=channel.probs)
    k, c = np.unique(true ^ flips, return_counts=True)
    return k.astype(np.uint64), c


def test_unfolding_undoes_the_correlated_channel_it_was_given(measured_ghz):
    n = 8
    target = "line:8,2q=cz"
    circ = qtool.compile(measured_ghz(n), target, 3, seed=1).circuit
    channel = flip_channel(circ, target, n, readout=True)
    ideal = {0: 0.5, (1 << n) - 1: 0.5}
    keys, counts = _sample(ideal, channel, 8192, np.random.default_rng(3))
    ideal_s = unpack_counts(np.array(list(ideal), np.uint64), np.array([0.5, 0.5]), n)
    raw = hellinger_fidelity(unpack_counts(keys, counts, n), ideal_s)
    k, p, iters = unfold(keys, counts, channel)
    fixed = hellinger_fidelity(unpack_counts(k, p, n), ideal_s)
    assert raw < 0.85 and fixed > 0.95 and iters > 0


def test_spread_out_histogram_is_returned_unchanged(measured_ghz):
    rng = np.random.default_rng(5)
    n = 6
    keys, counts = np.unique(rng.integers(0, 1 << n, 8192).astype(np.uint64),
                             return_counts=True)
    target = "line:6,2q=cz"
    circ = qtool.compile(measured_ghz(n), target, 3, seed=1).circuit
    k, p, iters = unfold(keys, counts, flip_channel(circ, target, n))
    assert iters == 0
    assert np.allclose(p, counts / counts.sum())


def test_bsc_rate_of_an_iid_channel_is_its_rate():
    from qtool.mitigation.unfold import FlipChannel
    n, r = 6, 0.03
    masks = np.arange(1 << n, dtype=np.uint64)
    weight = np.bitwise_count(masks).astype(float)
    probs = r ** weight * (1 - r) ** (n - weight)
    assert FlipChannel(masks, probs, n).bsc_rate() == pytest.approx(r, abs=1e-4)
