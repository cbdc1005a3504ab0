"""Numeric synthesis helpers shared by the translation and optimisation passes.

Everything here is plain numpy (plus :mod:`qiskit.synthesis` for KAK and the quantum Shannon
decomposition).  Matrices follow qtool's convention: *big-endian in argument order* (the first
qubit of a gate is the most significant bit).  Qiskit reads matrices little-endian, so every
hand-over goes through :func:`little_endian`, after which qiskit's qubit ``k`` is our ``k``-th
argument; qiskit's standard gates then have exactly our semantics in argument order (checked
by the tests for every gate name we translate).

Examples
--------
>>> import numpy as np
>>> from qtool.gates import gate_matrix
>>> theta, phi, lam, phase = zyz_angles(gate_matrix("h"))
>>> np.allclose(np.exp(1j * phase) * u_matrix(theta, phi, lam), gate_matrix("h"))
True
"""
from __future__ import annotations

import cmath
import math
from functools import lru_cache

import numpy as np

from .gates import GATES

__all__ = ["little_endian", "zyz_angles", "u_matrix", "matrices_1q", "identity_phase",
           "clifford_group_1q", "local_factors", "kak_decompose", "kak_count",
           "from_qiskit_circuit", "qsd_decompose", "NATIVE_QISKIT", "matrix_of"]

ATOL = 1e-9


def little_endian(mat: np.ndarray) -> np.ndarray:
    """Reverse the qubit order of an ``n``-qubit operator (big- <-> little-endian)."""
    mat = np.asarray(mat, dtype=complex)
    n = mat.shape[0].bit_length() - 1
    if n <= 1:
        return mat
    t = mat.reshape((2,) * (2 * n))
    rev = list(range(n - 1, -1, -1))
    return t.transpose(rev + [n + r for r in rev]).reshape(1 << n, 1 << n)


def u_matrix(theta, phi, lam) -> np.ndarray:
    """``u(theta, phi, lam)`` (OpenQASM 3 ``U``), vectorised over array arguments."""
    theta, phi, lam = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in
                                            (theta, phi, lam)))
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    out = np.empty(theta.shape + (2, 2), dtype=complex)
    out[..., 0, 0] = c
    out[..., 0, 1] = -np.exp(1j * lam) * s
    out[..., 1, 0] = np.exp(1j * phi) * s
    out[..., 1, 1] = np.exp(1j * (phi + lam)) * c
    return out


def zyz_angles(u):
    """Euler angles of 2x2 unitaries: ``u = exp(i*phase) * u_matrix(theta, phi, lam)``.

    Vectorised over leading dimensions; ``theta`` is in ``[0, pi]``.  Scalars come back as
    Python floats.
    """
    u = np.asarray(u, dtype=complex)
    if u.ndim == 2:
        return _zyz_scalar(u)
    det = u[..., 0, 0] * u[..., 1, 1] - u[..., 0, 1] * u[..., 1, 0]
    half = np.angle(det) / 2
    v = u * np.exp(-1j * half)[..., None, None]          # in SU(2): rz(phi) ry(theta) rz(lam)
    a00, a10 = np.abs(v[..., 0, 0]), np.abs(v[..., 1, 0])
    theta = 2 * np.arctan2(a10, a00)
    plus = np.where(np.abs(v[..., 1, 1]) > 1e-14, np.angle(v[..., 1, 1]), 0.0)   # (phi+lam)/2
    minus = np.where(a10 > 1e-14, np.angle(v[..., 1, 0]), 0.0)                    # (phi-lam)/2
    phi, lam = plus + minus, plus - minus
    phase = half - plus
    return theta, phi, lam, phase


def _zyz_scalar(u: np.ndarray):
    """:func:`zyz_angles` of one matrix with Python complex arithmetic (fast for 2x2)."""
    (a, b), (c, d) = u.tolist()
    half = cmath.phase(a * d - b * c) / 2
    e = cmath.exp(-1j * half)
    a, c, d = a * e, c * e, d * e
    ac = abs(c)
    theta = 2 * math.atan2(ac, abs(a))
    plus = cmath.phase(d) if abs(d) > 1e-14 else 0.0
    minus = cmath.phase(c) if ac > 1e-14 else 0.0
    return theta, plus + minus, plus - minus, half - plus


def identity_phase(m: np.ndarray, atol: float = ATOL) -> float | None:
    """If ``m`` is ``exp(i*a) * I`` within ``atol``, return ``a``; else ``None``."""
    d = m.shape[0]
    z = complex(m[0, 0])
    if abs(abs(z) - 1) > atol:
        return None
    if np.max(np.abs(m - z * np.eye(d))) > atol:
        return None
    return cmath.phase(z)


def matrix_of(name: str, params=()) -> np.ndarray:
    """Matrix of a named numeric gate."""
    return GATES.by_name[name].matrix(*(float(p) for p in params))


def matrices_1q(circ, rows) -> np.ndarray:
    """``(k, 2, 2)`` matrices of the one-qubit numeric rows ``rows`` of ``circ``, batched by op."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty((len(rows), 2, 2), dtype=complex)
    if not len(rows):
        return out
    ops = circ.op[rows]
    for op in np.unique(ops).tolist():
        sel = np.flatnonzero(ops == op)
        g = GATES[op]
        r = rows[sel]
        if g.name == "unitary":
            for k, i in zip(sel.tolist(), r.tolist()):
                out[k] = circ.mats[i]
            continue
        if g.num_params == 0:
            out[sel] = g.matrix()
            continue
        base = circ.pidx[r]
        p = [circ.params[base + j] for j in range(g.num_params)]
        out[sel] = _batched_1q(g.name, p)
    return out


def _batched_1q(name: str, p) -> np.ndarray:
    half = [x / 2 for x in p]
    if name == "rz":
        out = np.zeros((len(p[0]), 2, 2), complex)
        out[:, 0, 0] = np.exp(-1j * half[0])
        out[:, 1, 1] = np.exp(1j * half[0])
        return out
    if name in ("p", "u1"):
        out = np.zeros((len(p[0]), 2, 2), complex)
        out[:, 0, 0] = 1
        out[:, 1, 1] = np.exp(1j * p[0])
        return out
    if name == "rx":
        c, s = np.cos(half[0]), np.sin(half[0])
        return np.stack([np.stack([c, -1j * s], -1), np.stack([-1j * s, c], -1)], -2)
    if name == "ry":
        c, s = np.cos(half[0]), np.sin(half[0])
        return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2).astype(complex)
    if name in ("u", "u3"):
        return u_matrix(p[0], p[1], p[2])
    if name == "u2":
        return u_matrix(np.full_like(p[0], math.pi / 2), p[0], p[1])
    if name == "r":
        return u_matrix(p[0], p[1] - math.pi / 2, math.pi / 2 - p[1])
    g = GATES.by_name[name]
    return np.stack([g.matrix(*args) for args in zip(*p)])


# ----------------------------------------------------------------------------- Cliffords
@lru_cache(maxsize=None)
def clifford_group_1q() -> tuple[np.ndarray, ...]:
    """The 24 one-qubit Cliffords (modulo phase), identity first, in a fixed order."""
    h = GATES.by_name["h"].matrix()
    s = GATES.by_name["s"].matrix()
    found = [np.eye(2, dtype=complex)]
    frontier = [found[0]]
    while frontier:
        nxt = []
        for m in frontier:
            for g in (h, s):
                c = g @ m
                if not any(identity_phase(c @ f.conj().T, 1e-9) is not None for f in found):
                    found.append(c)
                    nxt.append(c)
        frontier = nxt
    assert len(found) == 24
    return tuple(found)


def local_factors(k: np.ndarray, atol: float = 1e-9):
    """If the 4x4 ``k`` is ``a (x) b`` (big-endian), return unitary ``(a, b, phase)`` with
    ``k = exp(i*phase) * kron(a, b)``; otherwise ``None``."""
    r = k.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
    uu, s, vh = np.linalg.svd(r)
    if s[1] > atol:
        return None
    a = (uu[:, 0] * math.sqrt(s[0])).reshape(2, 2)
    b = (vh[0, :] * math.sqrt(s[0])).reshape(2, 2)
    # normalise a to a unitary with det 1 and push the scalar into the phase
    da = cmath.sqrt(np.linalg.det(a))
    db = cmath.sqrt(np.linalg.det(b))
    a, b = a / da, b / db
    z = da * db
    if abs(abs(z) - 1) > 1e-6:
        return None
    return a, b, cmath.phase(z)


# ----------------------------------------------------------------------------- KAK
#: qtool native 2Q gate name -> (qiskit gate factory, fixed parameters of the emitted gate)
NATIVE_QISKIT = {
    "cx": ("CXGate", ()), "cz": ("CZGate", ()), "ecr": ("ECRGate", ()),
    "iswap": ("iSwapGate", ()), "rzz": ("RZZGate", (math.pi / 2,)),
}


@lru_cache(maxsize=None)
def _decomposer(native: str):
    import qiskit.circuit.library as lib
    from qiskit.synthesis import TwoQubitBasisDecomposer
    cls, params = NATIVE_QISKIT[native]
    gate = getattr(lib, cls)(*params)
    return TwoQubitBasisDecomposer(gate, euler_basis="U")


def kak_count(mat: np.ndarray, native: str) -> int:
    """Number of ``native`` gates an exact KAK synthesis of the 4x4 ``mat`` needs."""
    return int(_decomposer(native).num_basis_gates(little_endian(mat)))


def kak_decompose(mat: np.ndarray, native: str):
    """Exact KAK synthesis of a 4x4 (big-endian) unitary with the native 2Q gate.

    Returns ``(ops, phase)``; ``ops`` are in circuit order, ``("1q", k, matrix)`` for a
    one-qubit matrix on argument ``k`` or ``("2q", i, j, params)`` for ``native`` on
    arguments ``(i, j)``; ``mat = exp(i*phase) * product``.

    The Weyl decomposition is computed without qiskit's fidelity-based specialisation
    (which rounds unitaries within 1e-9 fidelity of a special class, an error of ~3e-5 in
    the matrix); the fewest basis uses that reproduce ``mat`` to 1e-10 are taken, starting
    from qiskit's count, and every result is checked.
    """
    from qiskit.synthesis import TwoQubitWeylDecomposition
    mat = np.asarray(mat, dtype=complex)
    dec = _decomposer(native)
    inner = dec._inner_decomposer
    le = little_endian(mat)
    steps = (inner.decomp0, inner.decomp1, inner.decomp2_supercontrolled,
             inner.decomp3_supercontrolled)
    nat = _native_matrix(native)
    params = NATIVE_QISKIT[native][1]
    k0 = min(int(inner.num_basis_gates(le)), 3)
    # qiskit's specialised Weyl decomposition gives cleaner local gates; it is kept only
    # when exact, else the unspecialised one is used
    weyls = [TwoQubitWeylDecomposition(le)._inner_decomposition, None]
    for k, which in [(k, w) for k in range(k0, 4) for w in (0, 1)]:
        if weyls[which] is None:
            weyls[which] = TwoQubitWeylDecomposition(le, fidelity=None)._inner_decomposition
        ms = steps[k](weyls[which])
        prod = None
        for layer in range(k + 1):
            loc = _kron2(ms[2 * layer], ms[2 * layer + 1])
            prod = loc if prod is None else loc @ prod
            if layer < k:
                prod = nat @ prod
        z = np.vdot(prod, mat) / 4          # Tr(prod^dagger mat) / 4
        if abs(abs(z) - 1) < 1e-9 and np.max(np.abs(mat - (z / abs(z)) * prod)) < 1e-10:
            layers = [[ms[2 * i], ms[2 * i + 1]] for i in range(k + 1)]
            _gauge_fix(layers, native)
            ops = []
            for layer in range(k + 1):
                ops += [("1q", 0, layers[layer][0]), ("1q", 1, layers[layer][1])]
                if layer < k:
                    ops.append(("2q", 0, 1, params))
            return ops, cmath.phase(z)
    raise ArithmeticError("KAK synthesis did not reproduce the unitary")  # pragma: no cover


def _rot(axis: str, t: float) -> np.ndarray:
    """``exp(-i t/2 P)`` for ``P`` = x, y or z."""
    c, s = math.cos(t / 2), math.sin(t / 2)
    if axis == "z":
        return np.array([[complex(c, -s), 0], [0, complex(c, s)]])
    if axis == "x":
        return np.array([[c, -1j * s], [-1j * s, c]])
    return np.array([[c, -s], [s, c]], dtype=complex)


@lru_cache(maxsize=None)
def pass_through_axes(native: str) -> tuple:
    """Per argument of ``native``: ``(axis, sign)`` with ``N r_axis(t) = r_axis(sign t) N``
    on that qubit, or ``None``.  Found numerically (cx: control Z, target X; ecr: X on its
    first qubit, Z with a sign flip on its second)."""
    n = _native_matrix(native)
    out = []
    for j in (0, 1):
        found = None
        for axis in ("z", "x", "y"):
            r = _rot(axis, 0.7)
            m = np.kron(r, np.eye(2)) if j == 0 else np.kron(np.eye(2), r)
            conj = n @ m @ n.conj().T
            for sign in (1, -1):
                r2 = _rot(axis, 0.7 * sign)
                want = np.kron(r2, np.eye(2)) if j == 0 else np.kron(np.eye(2), r2)
                if np.allclose(conj, want, atol=1e-12):
                    found = (axis, sign)
                    break
            if found:
                break
        out.append(found)
    return tuple(out)


def _axis_split(m: np.ndarray, axis: str):
    """``m = e^{i g} r_P(a) r_Q(b) r_P(c)`` for the outer axis ``P = axis``; returns
    ``(a, q_axis, b, c, g)`` with ``Q`` = x for ``P`` = z and z otherwise."""
    if axis == "z":                  # rz ry rz -> rz rx rz: ry(t) = rz(pi/2) rx(t) rz(-pi/2)
        th, ph, la, al = zyz_angles(m)
        return ph + math.pi / 2, "x", th, la - math.pi / 2, al + (ph + la) / 2
    h = _H2
    a, _, b, c, g = _axis_split(h @ m @ h, "z")   # H rz H = rx, H rx H = rz
    return a, "z", b, c, g


_H2 = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)


def _gauge_fix(layers: list, native: str) -> None:
    """Simplify the interior local gates of a KAK result in place.

    Rotations that pass through the native gate (a CX control's Z, its target's X ...) are
    moved out of each interior layer into the next one -- and, for the first interior
    layer, also into the first layer -- so an interior local on a CX target becomes a lone
    ``rz`` and on a control a lone ``rx``.  Exact: only identities ``N r(t) = r(+-t) N``.
    """
    k = len(layers) - 1
    if k < 2:
        return
    axes = pass_through_axes(native)
    for i in range(1, k):
        for j in (0, 1):
            if axes[j] is None:
                continue
            axis, sign = axes[j]
            if axis not in ("z", "x"):
                continue
            a, q_axis, b, c, g = _axis_split(layers[i][j], axis)
            if i == 1:
                # r_P(c) directly after the previous native moves before it
                layers[0][j] = _rot(axis, sign * c) @ layers[0][j]
                layers[i][j] = cmath.exp(1j * g) * _rot(q_axis, b)
            else:
                layers[i][j] = cmath.exp(1j * g) * _rot(q_axis, b) @ _rot(axis, c)
            # r_P(a) directly before the next native moves after it
            layers[i + 1][j] = layers[i + 1][j] @ _rot(axis, sign * a)


def _kron2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x[:, None, :, None] * y[None, :, None, :]).reshape(4, 4)


@lru_cache(maxsize=None)
def _native_matrix(native: str) -> np.ndarray:
    return GATES.by_name[native].matrix(*NATIVE_QISKIT[native][1])


def _u_fast(theta: float, phi: float, lam: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    el, ep = cmath.exp(1j * lam), cmath.exp(1j * phi)
    return np.array([[c, -el * s], [ep * s, ep * el * c]], dtype=complex)


# ----------------------------------------------------------------------------- qiskit
def from_qiskit_circuit(qc):
    """Rows of a qiskit circuit as ``[(name, qubit indices, params)]`` plus its global phase.

    Standard gates keep their names (their semantics in argument order match ours); any other
    operation becomes a qtool ``unitary`` row with its matrix converted to big-endian.
    Parameters must be numeric.
    """
    ops = []
    index = {q: i for i, q in enumerate(qc.qubits)}
    for inst in qc.data:
        op = inst.operation
        qs = tuple(index[q] for q in inst.qubits)
        name = op.name
        g = GATES.by_name.get(name)
        if name == "barrier":
            continue
        if g is not None and g.is_unitary and name != "unitary" and g.num_params == len(
                op.params) and (g.num_qubits == len(qs)):
            ops.append((name, qs, tuple(float(p) for p in op.params)))
        else:
            ops.append(("unitary", qs, little_endian(np.asarray(op.to_matrix(), complex))))
    return ops, float(qc.global_phase)


def qsd_decompose(mat: np.ndarray):
    """Quantum Shannon decomposition of a ``2^n x 2^n`` (big-endian) unitary, ``n >= 2``.

    Returns ``(ops, phase)`` as :func:`from_qiskit_circuit` (qubit ``k`` is the matrix's
    ``k``-th argument).
    """
    from qiskit.synthesis import qs_decomposition
    qc = qs_decomposition(little_endian(mat))
    return from_qiskit_circuit(qc)


def wrap_angle(a: float) -> tuple[float, bool]:
    """``a`` reduced by whole turns into ``[-pi, pi]``, and whether the number of turns
    removed is odd (a rotation ``exp(-i a P/2)`` then picks up a global phase of pi)."""
    k = round(a / (2 * math.pi))
    return a - 2 * math.pi * k, bool(k % 2)
