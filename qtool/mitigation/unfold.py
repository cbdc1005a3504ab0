"""Unfolding a histogram through the flip channel of the circuit that produced it.

Q-Cluster assumes every measured bit flips independently.  Gate errors do not: an X error in
the middle of a GHZ chain flips every bit after it, so the noise of a real circuit has heavy,
correlated tails that an i.i.d. rate cannot explain (on the fake-backend benchmark most of the
mass M3 and Q-Cluster leave behind sits 3-10 flips away from the ideal strings).  This module
derives the correlated channel from the compiled circuit itself and inverts it.

**Channel.**  Every gate row ``g`` with calibrated error ``e_g`` is followed by a depolarizing
error: each of the ``4^k - 1`` non-identity Paulis on its ``k`` qubits with probability
``e_g / (4^k - 1)``.  A Pauli ``E`` there flips measured bit ``j`` iff ``E`` anticommutes with
``Z_j`` carried back (Heisenberg picture) from its measurement to just after ``g``.  One
backward sweep keeps, per qubit, the bit masks of the measured bits whose back-propagated
``Z`` has an X- or Z-part on it, so every error maps to an output flip mask in O(1).  The
conjugation of the frame through a gate is read off the gate's matrix: exact for Clifford
gates; for a non-Clifford rotation the dominant Pauli is kept (an approximation -- this is
why :func:`unfold` stops early, below).  The per-location channels are convolved into one
sparse distribution over flip masks (masks under ``prune`` dropped).  Readout flips can be
included (``readout=True``) or left to M3.

**Unfolding.**  The ideal distribution ``pi``, restricted to the observed strings, is the
maximum-likelihood solution of ``q = A pi`` with ``A(s | c) = P(mask = s xor c)``, found by
expectation-maximisation (iterative Bayesian unfolding, which keeps ``pi`` a distribution).
EM run to convergence fits shot noise; it is stopped by the discrepancy principle, as soon
as ``A pi`` matches the histogram to the expected sampling error,
``1 - BC(A pi, q)^2 <= (U - 1) / (8 N)`` for ``U`` observed strings and ``N`` shots.  A
spread-out output whose histogram the channel barely changes stops at once and is returned
unchanged, which is what keeps high-entropy outputs unharmed.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

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


def _pauli_matrix(bits) -> np.ndarray:
    """Matrix of a Pauli given as ``(x, z)`` per gate qubit, the first qubit most
    significant (the convention of :func:`qtool.gates.gate_matrix`)."""
    m = np.eye(1, dtype=complex)
    for b in bits:
        m = np.kron(m, _PAULI[b])
    return m


def _images_of(u: np.ndarray) -> tuple:
    """``U^dag G U`` for the generators ``G = X_0, Z_0, X_1, Z_1, ...`` of a ``k``-qubit
    unitary, each as its dominant Pauli ``((x, z), ...)`` (exact when ``U`` is Clifford)."""
    k = u.shape[0].bit_length() - 1
    paulis = list(itertools.product(_PAULI, repeat=k))
    mats = [_pauli_matrix(p) for p in paulis]
    out = []
    for a in range(k):
        for comp in ((1, 0), (0, 1)):
            g = [(0, 0)] * k
            g[a] = comp
            h = u.conj().T @ _pauli_matrix(g) @ u
            out.append(paulis[int(np.argmax([abs(np.vdot(m, h)) for m in mats]))])
    return tuple(out)


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
    dist = {0: 1.0}
    for e, masks in locations:
        w = e / len(masks)
        new: dict[int, float] = {}
        for m0, v in dist.items():
            new[m0] = new.get(m0, 0.0) + v * (1.0 - e)
            for m in masks:
                mm = m0 ^ m
                new[mm] = new.get(mm, 0.0) + v * w
        dist = {m: v for m, v in new.items() if v > prune}
    masks = np.array(sorted(dist), dtype=np.uint64)
    probs = np.array([dist[int(m)] for m in masks], dtype=np.float64)
    return FlipChannel(masks, probs / probs.sum(), num_bits)


def unfold(keys: np.ndarray, counts: np.ndarray, channel: FlipChannel, *,
           max_iter: int = 300) -> tuple[np.ndarray, np.ndarray, int]:
    """EM unfolding of a packed histogram (sorted unique ``keys``) through ``channel``,
    stopped by the discrepancy principle; returns ``(keys, probs, iterations)``."""
    keys = np.ascontiguousarray(keys, np.uint64)
    q = np.asarray(counts, dtype=np.float64)
    shots = float(q.sum())
    q = q / shots
    target = keys[:, None] ^ channel.masks[None, :]
    idx = np.minimum(np.searchsorted(keys, target), len(keys) - 1)
    rows, cols = np.nonzero(keys[idx] == target)      # s, m with s xor m observed
    src = idx[rows, cols]
    w = channel.probs[cols]
    level = (len(q) - 1) / (8.0 * shots)
    pi = q.copy()
    it = 0
    for it in range(max_iter):
        a_pi = np.bincount(rows, weights=w * pi[src], minlength=len(q))
        fit = a_pi / a_pi.sum()
        if 1.0 - np.sqrt(fit * q).sum() ** 2 <= level:
            break
        ratio = np.divide(q, a_pi, out=np.zeros_like(q), where=a_pi > 0)
        pi = pi * np.bincount(src, weights=w * ratio[rows], minlength=len(q))
        pi /= pi.sum()
    return keys, pi, it
