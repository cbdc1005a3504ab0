"""Noisy energies and gradients of gate programs in the Pauli-transfer-matrix picture.

The state is the real Pauli vector ``r_i = tr(P_i rho)`` over the ``4^n`` Pauli strings,
component ``i = sum_q p_q 4^q`` with ``p in {0: I, 1: X, 2: Y, 3: Z}`` (normalisation:
``r_I = tr(rho) = 1``, and ``|0...0>`` has ``r_i = 1`` on every string of ``I``/``Z`` and 0
elsewhere).  A channel acts as ``r <- R r`` with ``R_ij = 2^-k tr(P_i E(P_j))`` on the
digits of its ``k`` qubits, and ``<H> = sum_P c_P r_P`` is one dot product with the
Hamiltonian's coefficient vector.  This is the noisy simulator of CRLQAS (Patel et al.,
ICLR 2024).

Rotations are fused with their noise: ``R_P(theta) rho R_P(theta)^+ = c^2 rho + s^2 P rho P
- i c s [P, rho]`` (``c, s = cos, sin(theta/2)``), so with the noise channel ``N`` after
the gate its PTM is ``c^2 NA + s^2 NB + c s NC`` for three matrices fixed per (gate, qubit);
a noisy CX is one fixed 16x16 matrix per ordered pair.  The loops run in the Cython kernel
:mod:`qtool._ext._ptm` (one call per circuit).

Readout error is folded into the observable: a qubit's measured ``+-1`` outcome has mean
``a z + b`` given the true ``z``, with ``a = 1 - p(1|0) - p(0|1)`` and ``b = p(0|1) -
p(1|0)``; flips are independent, so the measured ``<P>`` is ``E[prod_{q in supp P} (a_q z_q
+ b_q)]``, a fixed combination of the expectations of ``P``'s sub-strings.

Examples
--------
>>> import numpy as np
>>> from qtool.qas.hamiltonian import PauliSum
>>> from qtool.qas.ansatz import RY, CX
>>> sim = PTMSimulator(PauliSum(["ZI", "ZZ"], [1.0, 0.5]))
>>> kinds, q0, q1 = np.array([RY, CX], np.int32), np.array([0, 0], np.int32), \
np.array([-1, 1], np.int32)
>>> round(sim.energy(kinds, q0, q1, np.array([np.pi])), 12)   # |11>: -1 + 0.5
-0.5
"""
from __future__ import annotations

from functools import reduce

import numpy as np

from .._kernels import kernel
from .ansatz import RX, RY, RZ
from .noise import ROTATIONS, NoiseModel

__all__ = ["PTMSimulator", "pauli_index", "pauli_matrices"]

_PAULIS = (np.eye(2, dtype=complex), np.array([[0, 1], [1, 0]], dtype=complex),
           np.array([[0, -1j], [1j, 0]]), np.diag([1.0 + 0j, -1.0]))
_DIGIT = {"I": 0, "X": 1, "Y": 2, "Z": 3}
_ROT_PAULI = {RX: 1, RY: 2, RZ: 3}
_CX = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]], dtype=complex)
MAX_NNZ = 256
_ZERO = 1e-15


# ----------------------------------------------------------------------------- Pauli basis
def pauli_index(label: str) -> int:
    """Component of a Pauli label (character ``q`` on qubit ``q``): ``sum_q p_q 4^q``."""
    return sum(_DIGIT[ch] << (2 * q) for q, ch in enumerate(label.upper()))


def pauli_matrices(k: int) -> list[np.ndarray]:
    """The ``4^k`` Pauli strings on ``k`` qubits as little-endian matrices, in component
    order (digit ``q`` of the index acts on qubit ``q``, the matrix's bit ``q``)."""
    out = []
    for i in range(4 ** k):
        digits = [(i >> (2 * q)) & 3 for q in range(k)]
        out.append(reduce(np.kron, [_PAULIS[p] for p in reversed(digits)]))
    return out


def _ptm_of_map(fn, k: int) -> np.ndarray:
    """``R_ij = 2^-k tr(P_i fn(P_j))`` for a linear map ``fn`` on ``k`` qubits."""
    ps = pauli_matrices(k)
    images = [fn(p) for p in ps]
    out = np.array([[np.trace(pi @ img) for img in images] for pi in ps]) / 2 ** k
    if np.abs(out.imag).max() > 1e-12:
        raise ValueError("map is not Hermiticity-preserving")
    out = out.real.copy()
    out[np.abs(out) < _ZERO] = 0.0
    return out


def rotation_parts(kind: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PTMs ``A``, ``B``, ``C`` of ``rho``, ``P rho P`` and ``-i [P, rho]`` for the rotation
    axis of ``kind``: the rotation's PTM is ``c^2 A + s^2 B + c s C``."""
    p = _PAULIS[_ROT_PAULI[kind]]
    return (np.eye(4), _ptm_of_map(lambda m: p @ m @ p, 1),
            _ptm_of_map(lambda m: -1j * (p @ m - m @ p), 1))


def cx_ptm() -> np.ndarray:
    """16x16 PTM of CX with control = local qubit 0 (local index ``p_c + 4 p_t``)."""
    return _ptm_of_map(lambda m: _CX @ m @ _CX, 2)


# ----------------------------------------------------------------------------- tables
def _rotation_table(noise: NoiseModel | None, n: int) -> np.ndarray:
    """``float64[3, n, 3, 16]``: ``N A``, ``N B``, ``N C`` per rotation kind and qubit."""
    out = np.zeros((3, n, 3, 16))
    for kind in ROTATIONS:
        parts = rotation_parts(kind)
        for q in range(n):
            chan = np.eye(4) if noise is None else noise.rotation_channel(kind, q)
            for m, part in enumerate(parts):
                out[kind - 1, q, m] = (chan @ part).ravel()
    # trace preservation: row 0 of A and B is (1, 0, 0, 0), of C zero (the kernel skips it)
    row0 = np.array([[1.0, 0, 0, 0], [1.0, 0, 0, 0], [0.0, 0, 0, 0]])
    if not np.allclose(out[..., :4], row0, atol=1e-13, rtol=0):
        raise ValueError("noise channel is not trace preserving")
    return out


def _cx_tables(noise: NoiseModel | None, n: int):
    """Sparse noisy CX PTMs per ordered pair: ``(nnz, rows, cols, values)``."""
    nnz = np.zeros((n, n), np.int32)
    rows = np.zeros((n, n, MAX_NNZ), np.int32)
    cols = np.zeros((n, n, MAX_NNZ), np.int32)
    vals = np.zeros((n, n, MAX_NNZ))
    ideal = cx_ptm()
    for c in range(n):
        for t in range(n):
            if c == t:
                continue
            mat = ideal if noise is None else noise.cx_channel(c, t) @ ideal
            r, k = np.nonzero(np.abs(mat) > _ZERO)
            nnz[c, t] = len(r)
            rows[c, t, :len(r)], cols[c, t, :len(r)], vals[c, t, :len(r)] = r, k, mat[r, k]
    return nnz, rows, cols, vals


def _observable(ham, readout: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Nonzero weights ``(indices, values)`` with ``<H>_measured = sum w_i r_i``: the sum
    of :func:`_term_weights` over the Hamiltonian's terms."""
    w = np.zeros(4 ** ham.num_qubits)
    for label, coeff in zip(ham.labels, ham.coeffs):
        idx, val = _term_weights(label, float(coeff), readout)
        np.add.at(w, idx, val)
    keep = np.flatnonzero(w)
    return keep.astype(np.int64), np.ascontiguousarray(w[keep])


def _term_weights(label: str, coeff: float, readout: np.ndarray | None):
    """Weights of one term ``coeff * P``: ``coeff`` on ``P`` without readout error.

    With per-qubit flips ``readout[q] = (p(1|0), p(0|1))`` each qubit ``q`` of the support
    either stays (factor ``a_q``) or drops to ``I`` (factor ``b_q``, skipped when 0), so the
    term spreads over up to ``2^|supp P|`` sub-strings (see the module docstring).
    """
    idx, val = np.zeros(1, np.int64), np.array([coeff])
    for q, ch in enumerate(label):
        if ch == "I":
            continue
        digit = np.int64(_DIGIT[ch]) << np.int64(2 * q)
        a = b = None
        if readout is not None:
            p10, p01 = readout[q]
            a, b = 1.0 - p10 - p01, p01 - p10
        if not b:
            idx = idx + digit
            val = val if a is None else val * a
        else:
            idx, val = np.concatenate([idx + digit, idx]), np.concatenate([val * a, val * b])
    return idx, val


def _initial_state(n: int, init: int, noise: NoiseModel | None) -> np.ndarray:
    """Pauli vector of the basis state ``|init>`` prepared from ``|0...0>`` by one X gate
    per set bit, each followed by its qubit's RX noise channel (an X is an RX(pi) pulse).
    ``|0>`` is ``(1, 0, 0, 1)`` on a qubit, ``|1>`` is ``(1, 0, 0, -1)``; the state is their
    product (component ``q`` the innermost Kronecker factor)."""
    factors = []
    for q in range(n):
        v = np.array([1.0, 0.0, 0.0, 1.0])
        if init >> q & 1:
            v[3] = -1.0
            if noise is not None:
                v = noise.rotation_channel(RX, q) @ v
        factors.append(v)
    return reduce(np.kron, reversed(factors), np.ones(1))


# ----------------------------------------------------------------------------- simulator
class PTMSimulator:
    """Noisy ``<H>`` (and its gradient) of CX/RX/RY/RZ programs from ``|init>``.

    Parameters
    ----------
    hamiltonian:
        A :class:`~qtool.qas.hamiltonian.PauliSum` (``labels``, ``coeffs``, ``num_qubits``).
    noise:
        A :class:`~qtool.qas.noise.NoiseModel` on the same qubits, a spec string for
        :meth:`NoiseModel.from_spec`, or ``None`` for the noiseless circuit.
    readout:
        Include the noise model's readout error in the energy (the value a device that
        measures each term in its eigenbasis would report).
    init:
        Initial basis state (bit ``q`` = qubit ``q``), prepared by noisy X gates.

    The per-(gate, qubit) matrices are built once here; every call runs one kernel pass.
    Programs are ``(kinds, q0, q1, thetas)`` as in :mod:`qtool.qas.ansatz`.
    """

    def __init__(self, hamiltonian, noise: NoiseModel | str | None = None, *,
                 readout: bool = True, init: int = 0):
        n = int(hamiltonian.num_qubits)
        if not 0 <= init < 1 << n:
            raise ValueError(f"initial basis state {init} outside {n} qubits")
        if isinstance(noise, str):
            noise = NoiseModel.from_spec(noise, n)
        if noise is not None and noise.num_qubits != n:
            raise ValueError(f"noise model has {noise.num_qubits} qubits, Hamiltonian {n}")
        self.hamiltonian = hamiltonian
        self.noise = noise
        self.num_qubits = n
        self.init = int(init)
        ro = noise.readout if noise is not None and readout and noise.has_readout_error() \
            else None
        self.obs_idx, self.obs_w = _observable(hamiltonian, ro)
        self._k = kernel("_ptm").PTMKernel(_rotation_table(noise, n), *_cx_tables(noise, n),
                                      _initial_state(n, self.init, noise),
                                      self.obs_idx, self.obs_w)

    def __repr__(self) -> str:
        return f"<PTMSimulator {self.num_qubits} qubits, {self.noise or 'noiseless'}>"

    @property
    def observable(self) -> np.ndarray:
        """Dense weight vector ``w`` with ``energy = w . pauli_vector``."""
        w = np.zeros(4 ** self.num_qubits)
        w[self.obs_idx] = self.obs_w
        return w

    def energy(self, kinds, q0, q1, thetas) -> float:
        """Noisy ``<H>`` after the program (readout-distorted if enabled)."""
        return self._k.energy(*_program(kinds, q0, q1, thetas))

    def energy_and_grad(self, kinds, q0, q1, thetas) -> tuple[float, np.ndarray]:
        """``(<H>, d<H>/dthetas)``, the gradient exact by the adjoint method."""
        args = _program(kinds, q0, q1, thetas)
        grad = np.empty(args[3].shape[0])
        return self._k.energy_and_grad(*args, grad), grad

    def pauli_vector(self, kinds, q0, q1, thetas) -> np.ndarray:
        """Final ``r_i = tr(P_i rho)`` (no readout error: that is classical)."""
        return self._k.pauli_vector(*_program(kinds, q0, q1, thetas))

    def density_matrix(self, kinds, q0, q1, thetas) -> np.ndarray:
        """Final ``rho = 2^-n sum_i r_i P_i`` (little-endian; for tests, small ``n``)."""
        r = self.pauli_vector(kinds, q0, q1, thetas)
        n = self.num_qubits
        rho = np.zeros((2 ** n, 2 ** n), dtype=complex)
        for i, p in zip(np.flatnonzero(r), _strings(n, np.flatnonzero(r))):
            rho += r[i] * p
        return rho / 2 ** n


def _strings(n: int, indices) -> list[np.ndarray]:
    """Little-endian matrices of the Pauli strings with the given component indices."""
    return [reduce(np.kron, [_PAULIS[(int(i) >> (2 * q)) & 3] for q in reversed(range(n))])
            for i in indices]


def _program(kinds, q0, q1, thetas):
    """The kernel's argument types: contiguous int32 gates, float64 angles."""
    return (np.ascontiguousarray(kinds, dtype=np.int32), np.ascontiguousarray(q0, dtype=np.int32),
            np.ascontiguousarray(q1, dtype=np.int32),
            np.ascontiguousarray(thetas, dtype=np.float64))
