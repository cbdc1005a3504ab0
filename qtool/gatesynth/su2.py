"""One-qubit operators modulo global phase, as unit quaternions, and the ``eps_op`` distance.

A 2x2 unitary ``U`` is first scaled into SU(2), ``U / sqrt(det U)``, then written as
``w I - i (x X + y Y + z Z)`` with ``w^2 + x^2 + y^2 + z^2 = 1``.  ``(w, x, y, z)`` and its
negative are the same operator modulo phase; :func:`canonical` picks the representative whose
first non-zero coordinate is positive.  Matrix products are quaternion products
(:func:`qmul`), and for two operators ``|<q_U, q_V>| = cos(delta / 2)`` where ``delta`` is
the eigen-phase gap of ``U^dag V`` (papers.md section 1.1).  The chord between the two
quaternions is then ``2 sin(delta / 4)``, so

    eps_op(U, V) = min_phi ||U - e^{i phi} V||_op = min(|q_U - q_V|, |q_U + q_V|):

``eps_op`` *is* the Euclidean distance of the quaternions (closer sign), which is also the
numerically stable way to compute it, and a KD-tree over quaternions of both signs answers
nearest-``eps_op`` queries directly.

Examples
--------
>>> import numpy as np
>>> h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
>>> round(float(eps_op(h, 1j * h)), 12)
0.0
>>> t = np.diag([1, np.exp(1j * np.pi / 4)])
>>> round(float(eps_op(t, np.eye(2))), 6)     # delta = pi/4
0.390181
"""
from __future__ import annotations

import numpy as np

__all__ = ["to_quaternion", "to_matrix", "canonical", "operator_keys", "qmul", "qconj",
           "qdist", "eps_op", "eps_op_matrix"]


def to_quaternion(u) -> np.ndarray:
    """Unit quaternion(s) ``(w, x, y, z)`` of 2x2 unitaries (shape ``(..., 2, 2)``)."""
    u = np.asarray(u, dtype=complex)
    det = u[..., 0, 0] * u[..., 1, 1] - u[..., 0, 1] * u[..., 1, 0]
    su = u / np.sqrt(det)[..., None, None]
    a, b = su[..., 0, 0], su[..., 0, 1]
    q = np.stack([a.real, -b.imag, -b.real, -a.imag], axis=-1)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def to_matrix(q) -> np.ndarray:
    """The SU(2) matrix ``w I - i (x X + y Y + z Z)`` of quaternion(s) ``q``."""
    q = np.asarray(q, dtype=float)
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    out = np.empty(q.shape[:-1] + (2, 2), dtype=complex)
    out[..., 0, 0] = w - 1j * z
    out[..., 0, 1] = -y - 1j * x
    out[..., 1, 0] = y - 1j * x
    out[..., 1, 1] = w + 1j * z
    return out


def canonical(q) -> np.ndarray:
    """The representative of ``+-q`` whose first non-zero coordinate is positive."""
    q = np.array(q, dtype=float)
    flat = q.reshape(-1, 4)
    nz = np.abs(flat) > 1e-12
    first = np.argmax(nz, axis=1)
    sign = np.sign(flat[np.arange(len(flat)), first])
    sign[sign == 0] = 1.0
    return (flat * sign[:, None]).reshape(q.shape)


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0xD6E8FEB86659FD93], dtype=np.uint64)


def operator_keys(q) -> np.ndarray:
    """One uint64 per operator (rows of ``q``): a hash of its canonical quaternion rounded to
    1e-9, for closed sets and deduplication (a collision among a million operators has
    probability ~1e-8)."""
    k = np.rint(canonical(np.atleast_2d(q)) * 1e9).astype(np.int64).view(np.uint64)
    with np.errstate(over="ignore"):
        return (k * _MIX).sum(axis=1, dtype=np.uint64) ^ (k[:, 0] >> np.uint64(7))


def qmul(p, q) -> np.ndarray:
    """Quaternion of the matrix product ``to_matrix(p) @ to_matrix(q)`` (broadcasting)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    pw, px, py, pz = (p[..., i] for i in range(4))
    qw, qx, qy, qz = (q[..., i] for i in range(4))
    # (w1 - i v1.s)(w2 - i v2.s) = w1 w2 - v1.v2 - i (w1 v2 + w2 v1 + v1 x v2).s: the
    # Hamilton product
    return np.stack([pw * qw - px * qx - py * qy - pz * qz,
                     pw * qx + px * qw + (py * qz - pz * qy),
                     pw * qy + py * qw + (pz * qx - px * qz),
                     pw * qz + pz * qw + (px * qy - py * qx)], axis=-1)


def qconj(q) -> np.ndarray:
    """Quaternion of the inverse (adjoint) operator."""
    q = np.array(q, dtype=float)
    q[..., 1:] *= -1
    return q


def qdist(p, q) -> np.ndarray:
    """``eps_op`` between the operators of quaternions ``p`` and ``q`` (broadcasting)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    return np.minimum(np.linalg.norm(p - q, axis=-1), np.linalg.norm(p + q, axis=-1))


def eps_op(u, v) -> np.ndarray:
    """Phase-invariant operator-norm distance of one-qubit unitaries (broadcasting)."""
    return qdist(to_quaternion(u), to_quaternion(v))


def eps_op_matrix(u, v) -> float:
    """``min_phi ||U - e^{i phi} V||_op`` for unitaries of any size: ``2 sin(a / 4)`` with
    ``a`` the shortest arc that holds every eigen-phase of ``U^dag V``."""
    w = np.linalg.eigvals(np.asarray(u, complex).conj().T @ np.asarray(v, complex))
    ph = np.sort(np.angle(w))
    gaps = np.diff(np.concatenate([ph, ph[:1] + 2 * np.pi]))
    arc = 2 * np.pi - gaps.max()
    return float(2.0 * np.sin(max(arc, 0.0) / 4.0))
