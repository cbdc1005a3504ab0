"""Unfolding a histogram through the flip channel of the circuit that produced it.

Q-Cluster assumes every measured bit flips independently.  Gate errors do not: an X error in
the middle of a GHZ chain flips every bit after it, so the noise of a real circuit has heavy,
correlated tails that an i.i.d. rate cannot explain (on the fake-backend benchmark most of the
mass M3 and Q-Cluster leave behind sits 3-10 flips away from the ideal strings).  This module
derives the correlated channel from the compiled circuit itself and inverts it.

**Channel.**  Every error location ``g`` -- a 2Q gate, or a maximal run of 1Q gates on one
qubit, with the calibrated errors of its rows combined into ``e_g`` -- is followed by a
depolarizing error: each of the ``4^k - 1`` non-identity Paulis on its ``k`` qubits with
probability ``e_g / (4^k - 1)``.  A Pauli ``E`` there flips measured bit ``j`` iff ``E``
anticommutes with ``Z_j`` carried back (Heisenberg picture) from its measurement to just
after ``g``.  One
backward sweep keeps, per qubit, the bit masks of the measured bits whose back-propagated
``Z`` has an X- or Z-part on it, so every error maps to an output flip mask in O(1).  The
conjugation of the frame through a location is read off its matrix (a 1Q run's product, so
a Clifford run compiled into non-Clifford rotations stays exact): exact for Clifford
locations; otherwise the dominant Pauli is kept (an approximation -- one reason why
:func:`unfold` stops early, below).  The per-location channels are convolved into one
sparse distribution over flip masks (masks under ``prune`` dropped).  Readout flips can be
included (``readout=True``) or left to M3.

**Unfolding.**  The ideal distribution ``pi``, restricted to the observed strings, is the
maximum-likelihood solution of ``q = A pi`` with ``A(s | c) = P(mask = s xor c)``, found by
expectation-maximisation (iterative Bayesian unfolding, which keeps ``pi`` a distribution).
EM run to convergence fits shot noise; it is stopped by the discrepancy principle, as soon
as ``A pi`` matches the histogram to the expected sampling error,
``1 - BC(A pi, q)^2 <= (U - 1) / (8 N)`` for ``U`` observed strings and ``N`` shots, or
after ``max_iter`` (30) updates: on the benchmark, 100 or 500 change the mean fidelity by
less than 0.001.  A spread-out output whose histogram the channel barely changes stops at
once and is returned unchanged, which is what keeps high-entropy outputs unharmed.  The
convolution and the EM loop are Cython kernels (:mod:`qtool._ext._unfold`).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qtool._kernels import kernel

__all__ = ["FlipChannel", "flip_channel", "pauli_flip_masks", "unfold"]

_PAULI = {(0, 0): np.eye(2, dtype=complex), (1, 0): np.array([[0, 1], [1, 0]], complex),
          (0, 1): np.diag([1.0, -1.0]).astype(complex),
          (1, 1): np.array([[0, -1], [1, 0]], complex)}       # X Z (Y up to phase)
_SKIP = frozenset({"barrier", "delay", "reset"})


@dataclass(frozen=True)
class FlipChannel:
    """A distribution over output flip masks (bit ``j`` = classical bit ``j``)."""

    masks: np.ndarray       # uint64, sorted
    probs: np.ndarray       # float64, sums to 1
    num_bits: int

    def __len__(self) -> int:
        return len(self.masks)

    def bsc_rate(self) -> float:
        """The i.i.d. flip rate that best matches this channel, fitted as Q-Cluster's ``p*``
        is (:func:`qtool.mitigation.effective_p.best_fit_p`, one ideal string): the part
        of a histogram's fitted rate that unfolding through the channel removes."""
        from .effective_p import best_fit_p
        return best_fit_p(self.masks, self.probs, np.zeros(1, np.uint64), np.ones(1),
                          self.num_bits)


def _pauli_matrix(bits) -> np.ndarray:
    """Matrix of a Pauli given as ``(x, z)`` per gate qubit, the first qubit most
    significant (the convention of :func:`qtool.gates.gate_matrix`)."""
    m = np.eye(1, dtype=complex)
    for b in bits:
        m = np.kron(m, _PAULI[b])
    return m


@lru_cache(maxsize=None)
def _basis(k: int) -> tuple[list, np.ndarray, list]:
    """The ``k``-qubit Paulis, their matrices stacked, and the generator matrices
    ``X_0, Z_0, X_1, Z_1, ...``."""
    paulis = list(itertools.product(_PAULI, repeat=k))
    mats = np.array([_pauli_matrix(p) for p in paulis])
    gens = []
    for a in range(k):
        for comp in ((1, 0), (0, 1)):
            g = [(0, 0)] * k
            g[a] = comp
            gens.append(_pauli_matrix(g))
    return paulis, mats.conj(), gens


def _images_of(u: np.ndarray) -> tuple:
    """``U^dag G U`` for the generators ``G = X_0, Z_0, X_1, Z_1, ...`` of a ``k``-qubit
    unitary, each as its dominant Pauli ``((x, z), ...)`` (exact when ``U`` is Clifford)."""
    paulis, mats_conj, gens = _basis(u.shape[0].bit_length() - 1)
    ud = u.conj().T
    return tuple(paulis[int(np.argmax(np.abs(np.einsum("pij,ij->p", mats_conj, ud @ g @ u))))]
                 for g in gens)


@lru_cache(maxsize=4096)
def _gate_images(name: str, params: tuple) -> tuple:
    from ..gates import gate_matrix
    return _images_of(gate_matrix(name, *params))


def _error_masks(frames) -> list[int]:
    """Flip masks of the ``4^k - 1`` non-identity Paulis on qubits with frames
    ``[(zmask, xmask), ...]``: X anticommutes with a Z-part, Z with an X-part."""
    out = []
    for ps in itertools.product(range(4), repeat=len(frames)):
        if not any(ps):
            continue
        m = 0
        for (zm, xm), p in zip(frames, ps):
            if p in (1, 3):
                m ^= zm
            if p in (2, 3):
                m ^= xm
        out.append(m)
    return out


def pauli_flip_masks(circuit, num_bits: int) -> list[tuple[list[int], list[int]]]:
    """``[(rows, masks), ...]``, latest first: for every error location whose qubits reach a
    measured bit, the flip mask of each non-identity Pauli right after ``rows[0]`` (per qubit
    ``I, X, Z, Y`` = ``0, 1, 2, 3``, ``itertools.product`` order, identity dropped).

    A location is a 2Q gate, or a maximal run of 1Q gates on one qubit (``rows`` lists the
    run, last first; its errors are lumped at its end and the frame is carried through the
    run's product, so a Clifford run compiled into non-Clifford rotations stays exact).  A
    measure row into bit ``c < num_bits`` gives ``[1 << c]``, its readout flip."""
    from ..gates import MEASURE, gate_matrix
    n = circuit.num_qubits
    fx = [0] * n                 # per qubit: measured bits whose frame has an X-part here
    fz = [0] * n                 # ... a Z-part
    run: dict[int, np.ndarray] = {}   # qubit -> product of its pending 1Q run
    run_rows: dict[int, list[int]] = {}
    out: list[tuple[list[int], list[int]]] = []

    def conjugate(qs, imgs):
        k = len(qs)
        nx, nz = [0] * k, [0] * k
        for a, q in enumerate(qs):
            for mask, img in ((fx[q], imgs[2 * a]), (fz[q], imgs[2 * a + 1])):
                if mask:
                    for b in range(k):
                        if img[b][0]:
                            nx[b] ^= mask
                        if img[b][1]:
                            nz[b] ^= mask
        for b, q in enumerate(qs):
            fx[q], fz[q] = nx[b], nz[b]

    def flush(q):
        if q in run:
            conjugate((q,), _images_of(run.pop(q)))
            run_rows.pop(q)

    for i in reversed(range(len(circuit))):
        qs = circuit.qubits_of(i)
        if circuit.op[i] == MEASURE:
            c = int(circuit.cargs[i])
            flush(qs[0])
            if 0 <= c < num_bits:
                out.append(([i], [1 << c]))
                fx[qs[0]] = 0                 # a Z measurement: X-parts end here,
                fz[qs[0]] |= 1 << c           # and this bit's frame starts
            continue
        name = circuit.name_of(i)
        if not qs or name in _SKIP:
            continue
        params = circuit.params_of(i)
        if not all(isinstance(p, (int, float)) for p in params):
            raise ValueError("flip_channel needs a bound circuit (symbolic parameter in "
                             f"row {i}, {name})")
        params = tuple(round(float(p), 12) for p in params)
        if len(qs) == 1:
            q = qs[0]
            if q not in run:
                run[q] = np.eye(2, dtype=complex)
                run_rows[q] = []
                if fx[q] or fz[q]:
                    out.append((run_rows[q], _error_masks([(fz[q], fx[q])])))
            run[q] = run[q] @ gate_matrix(name, *params)
            run_rows[q].append(i)
            continue
        for q in qs:
            flush(q)
        if any(fx[q] or fz[q] for q in qs):
            out.append(([i], _error_masks([(fz[q], fx[q]) for q in qs])))
        conjugate(qs, _gate_images(name, params))
    return out


def flip_channel(circuit, target, num_bits: int, *, readout: bool = False,
                 prune: float = 1e-7) -> FlipChannel:
    """The output flip channel of a compiled, bound ``circuit`` on ``target`` (module doc)."""
    from ..gates import MEASURE
    from ..targets.metrics import row_errors
    from ..targets.registry import get_target
    err = row_errors(circuit, get_target(target))
    locations = []
    for rows, masks in pauli_flip_masks(circuit, num_bits):
        if readout or circuit.op[rows[0]] != MEASURE:
            e = 1.0 - float(np.prod([1.0 - err[r] for r in rows]))
            if e > 0:
                locations.append((e, masks))
    flips, flip_probs, ptr, stay = [], [], [0], []
    for e, loc in locations:
        mult: dict[int, int] = {}
        for m in loc:
            if m:                           # mask 0: errors that reach no measured bit
                mult[m] = mult.get(m, 0) + 1
        w = e / len(loc)
        flips.extend(mult)
        flip_probs.extend(c * w for c in mult.values())
        ptr.append(len(flips))
        stay.append(1.0 - w * sum(mult.values()))
    masks, probs = kernel("_unfold").convolve(
        np.array(flips, dtype=np.uint64), np.array(flip_probs, dtype=np.float64),
        np.array(ptr, np.int64), np.array(stay, dtype=np.float64), float(prune))
    return FlipChannel(masks, probs / probs.sum(), num_bits)


def unfold(keys: np.ndarray, counts: np.ndarray, channel: FlipChannel, *,
           max_iter: int = 30) -> tuple[np.ndarray, np.ndarray, int]:
    """EM unfolding of a packed histogram (sorted unique ``keys``) through ``channel``,
    stopped by the discrepancy principle; returns ``(keys, probs, iterations)``."""
    keys = np.ascontiguousarray(keys, np.uint64)
    q = np.asarray(counts, dtype=np.float64)
    shots = float(q.sum())
    q = q / shots
    kern = kernel("_unfold")
    rows, src, cols = kern.pairs(keys, channel.masks)   # s, c = s xor m, m: both observed
    w = channel.probs[cols]
    level = (len(q) - 1) / (8.0 * shots)
    pi, iters = kern.em(q, rows, src, w, level, max_iter)
    return keys, pi, int(iters)
