"""Direct two-qubit Clifford+T synthesis for operators of low T-count.

Every two-qubit Clifford+T operator can be written ``C R(P_1) ... R(P_n)`` with ``C`` one of
the 11520 two-qubit Cliffords (modulo phase) and ``R(P) = exp(-i pi/8 P)`` for
non-identity Paulis ``P`` (push every Clifford to the left), so its T-count is at most
``n`` (papers.md section 1.3, two-qubit bound).  :func:`direct_clifford_t` tries every
sequence of ``n <= max_t`` rotations (no rotation twice in a row: ``R(P)^2`` is a
Clifford) and tests whether ``U R^dag`` is a Clifford: its action on ``X0, Z0, X1, Z1`` (a
tableau, read off approximately, so targets within ``eps`` are found too) names the only
candidate, whose ``eps_op`` to ``U`` is then checked exactly.

This wins where the KAK route cannot: an operator that *is* a short Clifford+T circuit
(controlled-S, controlled-sqrt(X), ``exp(-i pi/8 ZZ)`` ...) has one-qubit KAK factors that
are generic rotations, each costing about ``3 log2(1/eps)`` T, while here it costs its
T-count.  :func:`qtool.gatesynth.two_qubit.synthesize_2q` keeps whichever circuit has fewer
T gates without exceeding the KAK CNOT count.

Circuits use ``h, s, sdg, t, tdg`` on qubit 0 or 1 and ``cx`` (0 -> 1 or 1 -> 0); matrices
are big-endian (qubit 0 most significant).

Examples
--------
>>> import numpy as np
>>> cs = np.diag([1, 1, 1, 1j])                         # controlled-S: T-count 3
>>> gates = direct_clifford_t(cs, 1e-9)
>>> sum(g in ("t", "tdg") for g, _ in gates)
3
"""
from __future__ import annotations

import heapq
from functools import lru_cache
from itertools import product

import numpy as np

from .su2 import eps_op_matrix

__all__ = ["direct_clifford_t", "clifford_group_2q", "circuit_matrix", "cx_matrix"]

_I2 = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.diag([1.0, -1.0]).astype(complex)
_PAULIS = np.array([np.kron(a, b) for a in (_I2, _X, _Y, _Z) for b in (_I2, _X, _Y, _Z)])
_GEN = (4, 12, 1, 3)            # X0 = X(x)I, Z0 = Z(x)I, X1 = I(x)X, Z1 (index 4 a + b)

_H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
_S = np.diag([1, 1j])
_T = np.diag([1, np.exp(1j * np.pi / 4)])
_ONE = {"h": _H, "s": _S, "sdg": _S.conj(), "t": _T, "tdg": _T.conj()}
_CX01 = np.eye(4, dtype=complex)[[0, 1, 3, 2]]
_CX10 = np.eye(4, dtype=complex)[[0, 3, 2, 1]]
_INVERSE = {"h": "h", "s": "sdg", "sdg": "s", "t": "tdg", "tdg": "t", "cx": "cx"}
Gate = tuple[str, tuple[int, ...]]


def cx_matrix(qubits: tuple[int, ...]) -> np.ndarray:
    """``cx`` with control ``qubits[0]`` as a 4x4 matrix (big-endian)."""
    return _CX01 if tuple(qubits) == (0, 1) else _CX10


def _gate_matrix(name: str, qubits: tuple[int, ...]) -> np.ndarray:
    if name == "cx":
        return cx_matrix(qubits)
    m = _ONE[name]
    return np.kron(m, _I2) if qubits == (0,) else np.kron(_I2, m)


def circuit_matrix(gates: list[Gate]) -> np.ndarray:
    """The 4x4 matrix of a circuit (gates in circuit order)."""
    out = np.eye(4, dtype=complex)
    for name, qubits in gates:
        out = _gate_matrix(name, qubits) @ out
    return out


def _tableau_keys(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For unitaries ``v`` (N, 4, 4): an integer key of ``v P v^dag`` for the four
    generators (Pauli index and sign, 5 bits each) and the smallest overlap with that Pauli
    (1 for an exact Clifford)."""
    gens = _PAULIS[list(_GEN)]
    conj = np.einsum("nij,gjk,nlk->ngil", v, gens, v.conj())         # v P v^dag
    coef = np.einsum("qji,ngij->ngq", _PAULIS, conj).real / 4       # tr(Q M) / 4
    idx = np.argmax(np.abs(coef), axis=2)
    c = np.take_along_axis(coef, idx[..., None], axis=2)[..., 0]
    code = idx + 16 * (c < 0)
    keys = (code * (32 ** np.arange(4))).sum(axis=1)
    return keys, np.abs(c).min(axis=1)


@lru_cache(maxsize=None)
def clifford_group_2q() -> tuple[np.ndarray, list[list[Gate]], np.ndarray]:
    """The 11520 two-qubit Cliffords modulo phase: matrices, circuits (fewest ``cx``, then
    fewest gates) and a lookup array from tableau key to index (-1: not a Clifford)."""
    gens = [("h", (0,)), ("h", (1,)), ("s", (0,)), ("s", (1,)), ("cx", (0, 1)),
            ("cx", (1, 0))]
    seen: set[bytes] = set()
    mats: list[np.ndarray] = []
    words: list[list[Gate]] = []
    heap = [(0, 0, 0, [], np.eye(4, dtype=complex))]      # (cx, length, tiebreak, word, m)
    counter = 0
    while heap:
        ncx, length, _, word, m = heapq.heappop(heap)
        flat = m.ravel()
        lead = flat[np.argmax(np.abs(flat) > 0.3)]        # phase-free key
        key = (np.round(m * (abs(lead) / lead), 6) + 0.0).tobytes()   # + 0.0: no -0.0
        if key in seen:
            continue
        seen.add(key)
        mats.append(m)
        words.append(word)
        for g in gens:
            counter += 1
            heapq.heappush(heap, (ncx + (g[0] == "cx"), length + 1, counter, word + [g],
                                  _gate_matrix(*g) @ m))
        if len(mats) > 11520:                              # pragma: no cover
            raise ArithmeticError("two-qubit Clifford enumeration overran 11520")
    assert len(mats) == 11520
    mats_a = np.array(mats)
    lookup = np.full(32 ** 4, -1, dtype=np.int32)
    lookup[_tableau_keys(mats_a)[0]] = np.arange(len(mats_a))
    return mats_a, words, lookup


@lru_cache(maxsize=None)
def _rotations() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``R(P) = exp(-i pi/8 P)`` for the 15 Paulis (index 1..15 of ``_PAULIS``, in that
    order), and for each Pauli and wire ``j`` the fewest-``cx`` Clifford ``D`` (its index)
    with ``D Z_j D^dag = +-P`` and that sign: ``R(P) = D R(+-Z_j) D^dag``."""
    mats, _, _ = clifford_group_2q()
    d_index = np.full((15, 2), -1)
    d_sign = np.zeros((15, 2))
    for j, z in enumerate((_PAULIS[_GEN[1]], _PAULIS[_GEN[3]])):
        img = mats @ z @ mats.conj().transpose(0, 2, 1)
        coef = np.einsum("qji,nij->nq", _PAULIS, img).real / 4
        q = np.argmax(np.abs(coef), axis=1)
        for n in range(len(mats)):                 # fewest cx first
            if d_index[q[n] - 1, j] < 0:
                d_index[q[n] - 1, j] = n
                d_sign[q[n] - 1, j] = np.sign(coef[n, q[n]])
    rot = np.array([np.cos(np.pi / 8) * np.eye(4) - 1j * np.sin(np.pi / 8) * _PAULIS[q]
                    for q in range(1, 16)])
    return rot, d_index, d_sign


def _clifford_word(m: np.ndarray) -> list[Gate]:
    """The fewest-``cx`` circuit of a Clifford matrix (modulo phase)."""
    _, words, lookup = clifford_group_2q()
    return words[int(lookup[_tableau_keys(m[None])[0][0]])]


def _emit(seq, c: np.ndarray) -> list[Gate]:
    """A circuit for ``c R(P_1) ... R(P_n)`` (``seq`` the Pauli indices 0..14): each rotation
    is ``t``/``tdg`` on a wire ``j_k`` between Clifford blocks ``D_k^dag D_(k+1)``, each
    written with fewest ``cx``; the wires ``j_k`` are chosen for the fewest ``cx`` overall."""
    cliffs, _, _ = clifford_group_2q()
    _, d_index, d_sign = _rotations()
    n = len(seq)
    best = None
    for js in product((0, 1), repeat=n):
        ds = [cliffs[d_index[p, j]] for p, j in zip(seq, js)]
        # matrix order: [c D_1] T [D_1^dag D_2] T ... T [D_n^dag]; circuit order reversed
        blocks = [c @ ds[0]] + [ds[k].conj().T @ ds[k + 1] for k in range(n - 1)] + \
            [ds[-1].conj().T]
        gates: list[Gate] = []
        for k in reversed(range(n + 1)):
            gates += _clifford_word(blocks[k])
            if k > 0:
                p, j = seq[k - 1], js[k - 1]
                gates.append(("t" if d_sign[p, j] > 0 else "tdg", (j,)))
        gates = _simplify(gates)
        score = (sum(g == "cx" for g, _ in gates), len(gates))
        if best is None or score < best[0]:
            best = (score, gates)
    return best[1]


def _simplify(gates: list[Gate]) -> list[Gate]:
    """Cancel adjacent inverse pairs (``h h``, ``s sdg``, ``cx cx`` ...) and merge ``t t``
    into ``s`` on the same wires, repeatedly (gates on other wires in between block)."""
    out: list[Gate] = []
    for g in gates:
        top = out[-1] if out else None
        if top is not None and top[1] == g[1] and _INVERSE[top[0]] == g[0]:
            out.pop()
        elif top is not None and top[1] == g[1] and top[0] == g[0] in ("t", "tdg"):
            out[-1] = ("s" if g[0] == "t" else "sdg", g[1])
        else:
            out.append(g)
    return out if len(out) == len(gates) else _simplify(out)


def direct_clifford_t(u, eps: float, max_t: int = 3, max_cx: int | None = None
                      ) -> list[Gate] | None:
    """A circuit of at most ``max_t`` T gates (the fewest found) within ``eps`` (``eps_op``)
    of the 4x4 ``u``, with at most ``max_cx`` ``cx`` if given; ``None`` if there is none."""
    u = np.asarray(u, dtype=complex)
    cliffs, _, lookup = clifford_group_2q()
    rot = _rotations()[0]
    for n in range(max_t + 1):
        seqs = [s for s in product(range(15), repeat=n)
                if all(a != b for a, b in zip(s, s[1:]))]
        seqs_a = np.array(seqs, dtype=int).reshape(len(seqs), n)
        r = np.broadcast_to(np.eye(4, dtype=complex), (len(seqs), 4, 4)).copy()
        for k in range(n):                               # R = R(P_1) ... R(P_n)
            r = r @ rot[seqs_a[:, k]]
        v = u[None] @ r.conj().transpose(0, 2, 1)        # should be the Clifford C
        keys, overlap = _tableau_keys(v)
        found = []
        for j in np.flatnonzero((overlap > 1 - 4 * eps - 1e-9) & (lookup[keys] >= 0)):
            c = cliffs[int(lookup[keys[j]])]
            e = eps_op_matrix(c @ r[j], u)
            if e <= eps:
                gates = _emit(seqs[j], c) if n else _clifford_word(c)
                ncx = sum(g == "cx" for g, _ in gates)
                if max_cx is None or ncx <= max_cx:
                    found.append((ncx, len(gates), e, gates))
        if found:
            return min(found, key=lambda f: f[:3])[3]
    return None
